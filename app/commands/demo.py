"""The demo data `flask seed-demo` adds: owners, projects, batches and events."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..extensions import db
from ..models import CreditBatch, Event, Project, ProjectOwner

DEMO_PRICE_SOURCE = "Demo price set for the seed data (not a market quote)"

DEMO_OWNERS = [
    {"name": "Liangshan Forestry Cooperative (demo)", "country": "CN"},
    {"name": "Nujiang Small Hydro Co. (demo)", "country": "CN"},
    {"name": "Sichuan Rural Biogas Association (demo)", "country": "CN"},
]

DEMO_PROJECTS = [
    {
        "owner": 0, "name": "Liangshan Forest Restoration", "kind": "Forestry", "place": "Liangshan, Sichuan",
        "standard": "CCER", "vintage": 2021, "price_per_tonne_minor": 5800, "currency": "CNY",
        "image": "img/project-forest.svg",
        "description": "Replanting degraded hillsides with native species; the carbon is stored as the trees grow.",
        "batch": {"serial_prefix": "CDCER-2021", "first_serial": 120001, "quantity": 2_000_000},
    },
    {
        "owner": 1, "name": "Nujiang Small Hydropower Bundle", "kind": "Hydropower", "place": "Nujiang, Yunnan",
        "standard": "Verra VCS", "vintage": 2022, "price_per_tonne_minor": 4200, "currency": "CNY",
        "image": "img/project-hydro.svg",
        "description": "Run-of-river plants that replace coal-heavy grid power in remote valleys.",
        "batch": {"serial_prefix": "VCS-2022-NJ", "first_serial": 1, "quantity": 5_000_000},
    },
    {
        "owner": 2, "name": "Chengdu Plain Household Biogas", "kind": "Biogas", "place": "Chengdu Plain, Sichuan",
        "standard": "Gold Standard", "vintage": 2023, "price_per_tonne_minor": 9500, "currency": "CNY",
        "image": "img/project-biogas.svg",
        "description": "Digesters turn farm waste into cooking gas, avoiding methane and firewood.",
        # Nearly sold out on purpose: the sold-out path can be tried by hand.
        "batch": {"serial_prefix": "GS-2023-CD", "first_serial": 1, "quantity": 500},
    },
]

DEMO_EVENTS = [
    {
        "slug": "cdcn-forum-2021", "name": "China Digital Carbon Neutrality Forum", "scenario": "conference",
        "venue_name": "Chengdu Global Center", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.5728, "venue_lon": 104.0668,
        "starts_on": dt.date(2021, 9, 7), "ends_on": dt.date(2021, 9, 7),
        "description": "The first China Digital Carbon Neutrality Forum: \"Digital Power, Green Development\".",
    },
    {
        "slug": "qingcheng-mountain", "name": "Mount Qingcheng Scenic Area", "scenario": "scenic",
        "venue_name": "Mount Qingcheng front gate", "venue_code": "Chengdu", "city": "Dujiangyan", "country": "CN",
        "venue_lat": 30.9007, "venue_lon": 103.5706, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your trip to the mountain.",
    },
    {
        "slug": "chunxi-supermarket", "name": "Chunxi Road Fresh Market (demo)", "scenario": "supermarket",
        "venue_name": "Chunxi Road", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6574, "venue_lon": 104.0817, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your shopping trip.",
    },
    {
        "slug": "jinli-teahouse", "name": "Jinli Street Teahouse (demo)", "scenario": "restaurant",
        "venue_name": "Jinli Ancient Street", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6463, "venue_lon": 104.0496, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your meal and the way here.",
    },
    {
        "slug": "tianfu-riverside-hotel", "name": "Tianfu Riverside Hotel (demo)", "scenario": "hotel",
        "venue_name": "Tianfu Riverside Hotel", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6190, "venue_lon": 104.0720, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your stay.",
    },
    {
        "slug": "chengdu-marathon-2026", "name": "Chengdu Marathon 2026 (demo)", "scenario": "other",
        "venue_name": "Tianfu Square", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6570, "venue_lon": 104.0658, "starts_on": dt.date(2026, 10, 25),
        "ends_on": dt.date(2026, 10, 25), "description": "Runners and supporters: neutralize your trip.",
    },
    {
        # The life footprint page (/life) sells through this event's normal checkout.
        "slug": "life", "name": "Life carbon footprint", "scenario": "other",
        "venue_name": "Everyday life", "venue_code": "", "city": "", "country": "CN",
        "venue_lat": None, "venue_lon": None, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Home energy, car, flights and food: neutralize a month or a year of everyday life.",
    },
]


def seed_demo() -> dict[str, int]:
    """Create the demo events, owners, projects and batches once; returns what was added."""
    added = {"events": 0, "projects": 0, "batches": 0}
    owners = []
    for spec in DEMO_OWNERS:
        owner = db.session.execute(select(ProjectOwner).where(ProjectOwner.name == spec["name"])).scalar_one_or_none()
        if owner is None:
            owner = ProjectOwner(**spec)
            db.session.add(owner)
            db.session.flush()
        owners.append(owner)
    for spec in DEMO_PROJECTS:
        spec = dict(spec)
        batch = spec.pop("batch")
        owner = owners[spec.pop("owner")]
        project = db.session.execute(select(Project).where(Project.name == spec["name"])).scalar_one_or_none()
        if project is None:
            project = Project(owner_id=owner.id, price_source=DEMO_PRICE_SOURCE, price_year=2026, **spec)
            db.session.add(project)
            db.session.flush()
            added["projects"] += 1
        exists = db.session.execute(
            select(CreditBatch).where(
                CreditBatch.serial_prefix == batch["serial_prefix"], CreditBatch.first_serial == batch["first_serial"]
            )
        ).scalar_one_or_none()
        if exists is None:
            db.session.add(CreditBatch(project_id=project.id, vintage=project.vintage, **batch))
            added["batches"] += 1
    for spec in DEMO_EVENTS:
        if db.session.execute(select(Event).where(Event.slug == spec["slug"])).scalar_one_or_none() is None:
            db.session.add(Event(currency="CNY", status="live", **spec))
            added["events"] += 1
    db.session.commit()
    return added

