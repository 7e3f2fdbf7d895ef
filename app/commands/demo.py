"""The demo data `flask seed-demo` adds: owners, projects, batches and events, each with its names in
Chinese and Filipino (app/services/names.py; a row seeded before it had them gets them once)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..extensions import db
from ..models import CreditBatch, Event, Project, ProjectOwner

DEMO_PRICE_SOURCE = "Demo price set for the seed data (not a market quote)"

DEMO_OWNERS = [
    {"name": "Liangshan Forestry Cooperative (demo)", "country": "CN",
     "names": {"zh": {"name": "凉山林业合作社（演示）"},
               "fil": {"name": "Kooperatiba sa Paggugubat ng Liangshan (demo)"}}},
    {"name": "Nujiang Small Hydro Co. (demo)", "country": "CN",
     "names": {"zh": {"name": "怒江小水电有限公司（演示）"},
               "fil": {"name": "Nujiang Small Hydro Co. (demo)"}}},
    {"name": "Sichuan Rural Biogas Association (demo)", "country": "CN",
     "names": {"zh": {"name": "四川农村沼气协会（演示）"},
               "fil": {"name": "Samahan ng Biogas sa Kanayunan ng Sichuan (demo)"}}},
]

DEMO_PROJECTS = [
    {
        "owner": 0, "name": "Liangshan Forest Restoration", "kind": "Forestry", "place": "Liangshan, Sichuan",
        "standard": "CCER", "vintage": 2021, "price_per_tonne_minor": 5800, "currency": "CNY",
        "image": "img/project-forest.svg",
        "description": "Replanting degraded hillsides with native species; the carbon is stored as the trees grow.",
        "names": {
            "zh": {"name": "凉山彝族自治州森林恢复项目", "kind": "林业碳汇", "place": "四川凉山",
                   "description": "在退化山坡上种植本地树种，树木生长时把碳储存下来。"},
            "fil": {"name": "Pagpapanumbalik ng Kagubatan sa Liangshan", "kind": "Paggugubat",
                    "place": "Liangshan, Sichuan",
                    "description": "Muling pagtatanim ng katutubong puno sa mga nakalbong burol; naiimbak ang carbon "
                                   "habang lumalaki ang mga puno."},
        },
        "batch": {"serial_prefix": "CDCER-2021", "first_serial": 120001, "quantity": 2_000_000},
    },
    {
        "owner": 1, "name": "Nujiang Small Hydropower Bundle", "kind": "Hydropower", "place": "Nujiang, Yunnan",
        "standard": "Verra VCS", "vintage": 2022, "price_per_tonne_minor": 4200, "currency": "CNY",
        "image": "img/project-hydro.svg",
        "description": "Run-of-river plants that replace coal-heavy grid power in remote valleys.",
        "names": {
            "zh": {"name": "怒江小水电打捆项目", "kind": "水电", "place": "云南怒江",
                   "description": "径流式小水电站，在偏远山谷替代以燃煤为主的电网电力。"},
            "fil": {"name": "Pinagsamang Maliliit na Hydropower sa Nujiang", "kind": "Hydropower",
                    "place": "Nujiang, Yunnan",
                    "description": "Mga planta sa agos ng ilog na pumapalit sa kuryenteng mula sa karbon sa mga "
                                   "liblib na lambak."},
        },
        "batch": {"serial_prefix": "VCS-2022-NJ", "first_serial": 1, "quantity": 5_000_000},
    },
    {
        "owner": 2, "name": "Chengdu Plain Household Biogas", "kind": "Biogas", "place": "Chengdu Plain, Sichuan",
        "standard": "Gold Standard", "vintage": 2023, "price_per_tonne_minor": 9500, "currency": "CNY",
        "image": "img/project-biogas.svg",
        "description": "Digesters turn farm waste into cooking gas, avoiding methane and firewood.",
        "names": {
            "zh": {"name": "成都平原户用沼气项目", "kind": "沼气", "place": "四川成都平原",
                   "description": "沼气池把农业废弃物变成做饭用的燃气，减少甲烷排放和薪柴消耗。"},
            "fil": {"name": "Biogas sa mga Tahanan sa Kapatagan ng Chengdu", "kind": "Biogas",
                    "place": "Kapatagan ng Chengdu, Sichuan",
                    "description": "Ginagawang gas pangluto ng mga digester ang dumi mula sa bukid, kaya iwas sa "
                                   "methane at panggatong."},
        },
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
        "names": {
            "zh": {"name": "首届中国数字碳中和高峰论坛", "venue_name": "成都新世纪环球中心",
                   "description": "首届中国数字碳中和高峰论坛：“数字赋能，绿色发展”。"},
            "fil": {"name": "Unang Forum ng Tsina sa Digital na Carbon Neutrality",
                    "venue_name": "Chengdu New Century Global Center",
                    "description": "Ang unang China Digital Carbon Neutrality Forum: \"Lakas ng Digital, Luntiang "
                                   "Pag-unlad\"."},
        },
    },
    {
        "slug": "qingcheng-mountain", "name": "Mount Qingcheng Scenic Area", "scenario": "scenic",
        "venue_name": "Mount Qingcheng front gate", "venue_code": "Chengdu", "city": "Dujiangyan", "country": "CN",
        "venue_lat": 30.9007, "venue_lon": 103.5706, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your trip to the mountain.",
        "names": {
            "zh": {"name": "青城山景区", "venue_name": "青城山前山山门", "city": "都江堰",
                   "description": "让您的上山之旅实现碳中和。"},
            "fil": {"name": "Scenic Area ng Bundok Qingcheng", "venue_name": "Harapang tarangkahan ng Bundok Qingcheng",
                    "description": "Gawing carbon neutral ang biyahe mo sa bundok."},
        },
    },
    {
        "slug": "chunxi-supermarket", "name": "Chunxi Road Fresh Market (demo)", "scenario": "supermarket",
        "venue_name": "Chunxi Road", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6574, "venue_lon": 104.0817, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your shopping trip.",
        "names": {
            "zh": {"name": "春熙路生鲜市场（演示）", "venue_name": "春熙路",
                   "description": "让您的购物之行实现碳中和。"},
            "fil": {"name": "Sariwang Palengke sa Chunxi Road (demo)",
                    "description": "Gawing carbon neutral ang pamimili mo."},
        },
    },
    {
        "slug": "jinli-teahouse", "name": "Jinli Street Teahouse (demo)", "scenario": "restaurant",
        "venue_name": "Jinli Ancient Street", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6463, "venue_lon": 104.0496, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your meal and the way here.",
        "names": {
            "zh": {"name": "锦里茶馆（演示）", "venue_name": "锦里古街",
                   "description": "让您的这顿饭和来程实现碳中和。"},
            "fil": {"name": "Bahay-tsaa sa Jinli Street (demo)", "venue_name": "Sinaunang Kalye ng Jinli",
                    "description": "Gawing carbon neutral ang pagkain mo at ang biyahe papunta rito."},
        },
    },
    {
        "slug": "tianfu-riverside-hotel", "name": "Tianfu Riverside Hotel (demo)", "scenario": "hotel",
        "venue_name": "Tianfu Riverside Hotel", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6190, "venue_lon": 104.0720, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Neutralize your stay.",
        "names": {
            "zh": {"name": "天府滨江酒店（演示）", "venue_name": "天府滨江酒店",
                   "description": "让您的住宿实现碳中和。"},
            "fil": {"name": "Tianfu Riverside Hotel (demo)", "description": "Gawing carbon neutral ang pananatili mo."},
        },
    },
    {
        "slug": "chengdu-marathon-2026", "name": "Chengdu Marathon 2026 (demo)", "scenario": "other",
        "venue_name": "Tianfu Square", "venue_code": "Chengdu", "city": "Chengdu", "country": "CN",
        "venue_lat": 30.6570, "venue_lon": 104.0658, "starts_on": dt.date(2026, 10, 25),
        "ends_on": dt.date(2026, 10, 25), "description": "Runners and supporters: neutralize your trip.",
        "names": {
            "zh": {"name": "2026成都马拉松（演示）", "venue_name": "天府广场",
                   "description": "跑者和观众：让您的出行实现碳中和。"},
            "fil": {"name": "Chengdu Marathon 2026 (demo)",
                    "description": "Mga mananakbo at tagasuporta: gawing carbon neutral ang biyahe ninyo."},
        },
    },
    {
        # The life footprint page (/life) sells through this event's normal checkout.
        "slug": "life", "name": "Life carbon footprint", "scenario": "other",
        "venue_name": "Everyday life", "venue_code": "", "city": "", "country": "CN",
        "venue_lat": None, "venue_lon": None, "starts_on": dt.date(2026, 1, 1), "ends_on": None,
        "description": "Home energy, car, flights and food: neutralize a month or a year of everyday life.",
        "names": {
            "zh": {"name": "生活碳足迹", "venue_name": "日常生活",
                   "description": "家庭能源、汽车、航班和饮食：让一个月或一年的日常生活实现碳中和。"},
            "fil": {"name": "Carbon footprint ng buhay", "venue_name": "Pang-araw-araw na buhay",
                    "description": "Kuryente sa bahay, kotse, lipad at pagkain: gawing carbon neutral ang isang "
                                   "buwan o taon ng pang-araw-araw na buhay."},
        },
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
        elif not owner.names:  # seeded before names per language: give it them, once
            owner.names = spec["names"]
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
        elif not project.names:
            project.names = spec["names"]
        exists = db.session.execute(
            select(CreditBatch).where(
                CreditBatch.serial_prefix == batch["serial_prefix"], CreditBatch.first_serial == batch["first_serial"]
            )
        ).scalar_one_or_none()
        if exists is None:
            db.session.add(CreditBatch(project_id=project.id, vintage=project.vintage, **batch))
            added["batches"] += 1
    for spec in DEMO_EVENTS:
        event = db.session.execute(select(Event).where(Event.slug == spec["slug"])).scalar_one_or_none()
        if event is None:
            db.session.add(Event(currency="CNY", status="live", **spec))
            added["events"] += 1
        elif not event.names:
            event.names = spec["names"]
    db.session.commit()
    return added

