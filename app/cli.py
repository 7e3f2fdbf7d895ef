"""`flask` commands: demo data and ledger housekeeping."""
from __future__ import annotations

import datetime as dt
import secrets

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .models import Certificate, CreditBatch, Event, Payout, Project, ProjectOwner, utcnow
from .services import boards, certificate_images, ledger, orders, statements

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


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo events, projects and credit batches (idempotent)."""
        added = seed_demo()
        click.echo(
            f"Demo data: {added['events']} events, {added['projects']} projects, "
            f"{added['batches']} batches added."
        )

    @app.cli.command("add-project")
    @click.option("--name", required=True)
    @click.option("--owner", "owner_name", required=True, help="Project owner (created if new)")
    @click.option("--kind", required=True, help="e.g. Forestry, Hydropower")
    @click.option("--place", required=True)
    @click.option("--country", default="CN", show_default=True)
    @click.option("--standard", required=True, help="e.g. CCER, Verra VCS, Gold Standard")
    @click.option("--vintage", type=int, required=True)
    @click.option("--price", "price_minor", type=click.IntRange(min=1), required=True,
                  help="Price per tonne in minor units (fen, cents)")
    @click.option("--currency", default="CNY", show_default=True)
    @click.option("--price-source", required=True, help="Where the price comes from")
    @click.option("--price-year", type=int, required=True)
    def add_project_command(name, owner_name, kind, place, country, standard, vintage, price_minor, currency,
                            price_source, price_year):
        """Add an emission-reduction project (credits come with add-batch)."""
        from .services import money

        try:
            money.currency(currency)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--currency") from None
        if db.session.execute(select(Project).where(Project.name == name)).scalar_one_or_none():
            raise click.ClickException(f"A project named {name!r} exists already.")
        owner = db.session.execute(select(ProjectOwner).where(ProjectOwner.name == owner_name)).scalar_one_or_none()
        if owner is None:
            owner = ProjectOwner(name=owner_name, country=country)
            db.session.add(owner)
            db.session.flush()
        project = Project(owner_id=owner.id, name=name, kind=kind, place=place, country=country, standard=standard,
                          vintage=vintage, price_per_tonne_minor=price_minor, currency=currency,
                          price_source=price_source, price_year=price_year)
        db.session.add(project)
        db.session.commit()
        click.echo(f"Project {project.id}: {project.name}")

    @app.cli.command("add-batch")
    @click.argument("project_id", type=int)
    @click.option("--prefix", "serial_prefix", required=True, help="Serial prefix, e.g. CDCER-2021")
    @click.option("--first", "first_serial", type=click.IntRange(min=0), required=True)
    @click.option("--quantity", type=click.IntRange(min=1), required=True, help="Credits (kg)")
    @click.option("--vintage", type=int)
    def add_batch_command(project_id, serial_prefix, first_serial, quantity, vintage):
        """Issue a batch of credits to a project; refuses overlapping serial ranges."""
        project = db.session.get(Project, project_id)
        if project is None:
            raise click.ClickException(f"No project {project_id}.")
        try:
            batch = ledger.add_batch(db.session, project, serial_prefix=serial_prefix, first_serial=first_serial,
                                     quantity=quantity, vintage=vintage)
        except ledger.LedgerError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"Batch {batch.id}: {ledger.format_serial(serial_prefix, first_serial)}.."
                   f"{ledger.format_serial(serial_prefix, first_serial + quantity - 1)} ({quantity} kg)")

    @app.cli.command("payouts")
    @click.option("--csv", "owner_csv", type=int, help="Print one owner's order CSV instead")
    def payouts_command(owner_csv):
        """Money owed to each project owner, paid out, and the balance."""
        if owner_csv is not None:
            owner = db.session.get(ProjectOwner, owner_csv)
            if owner is None:
                raise click.ClickException(f"No owner {owner_csv}.")
            click.echo(statements.to_csv(db.session, owner), nl=False)
            return
        click.echo(f"{'owner':<44} {'cur':<4} {'orders':>7} {'kg':>10} {'owed':>12} {'paid out':>12} {'balance':>12}")
        for st in statements.all_statements(db.session):
            for cur in st.currencies or ["-"]:
                lines = [line for line in st.lines if line.currency == cur]
                click.echo(
                    f"{st.owner.name[:44]:<44} {cur:<4} {sum(x.orders for x in lines):>7} "
                    f"{sum(x.kg for x in lines):>10} {st.owed(cur):>12} {st.paid_out.get(cur, 0):>12} "
                    f"{st.balance(cur):>12}"
                )
        for order in orders.to_refund(db.session):
            click.echo(f"TO REFUND by hand: {order.public_id} {order.amount_minor} {order.currency} "
                       f"({order.payment_provider} {order.payment_ref or ''})")

    @app.cli.command("record-payout")
    @click.argument("owner_id", type=int)
    @click.argument("amount_minor", type=click.IntRange(min=1))
    @click.option("--currency", default="CNY", show_default=True)
    @click.option("--reference", default="", help="Bank transfer reference")
    def record_payout_command(owner_id, amount_minor, currency, reference):
        """Record money transferred to a project owner (minor units)."""
        owner = db.session.get(ProjectOwner, owner_id)
        if owner is None:
            raise click.ClickException(f"No owner {owner_id}.")
        balance = statements.statement(db.session, owner).balance(currency)
        if amount_minor > balance:
            raise click.ClickException(f"That is more than the {balance} {currency} still owed.")
        db.session.add(Payout(owner_id=owner.id, amount_minor=amount_minor, currency=currency, reference=reference))
        db.session.commit()
        click.echo(f"Recorded {amount_minor} {currency} to {owner.name}; {balance - amount_minor} still owed.")

    @app.cli.command("owner-link")
    @click.argument("owner_id", type=int)
    def owner_link_command(owner_id):
        """Print (creating once) the private statement link for a project owner."""
        owner = db.session.get(ProjectOwner, owner_id)
        if owner is None:
            raise click.ClickException(f"No owner {owner_id}.")
        if not owner.statement_token:
            owner.statement_token = secrets.token_urlsafe(24)
            db.session.commit()
        base = app.config["BASE_URL"] or "http://127.0.0.1:5000"
        click.echo(f"{base}/owners/{owner.statement_token}")

    @app.cli.command("revoke-certificate")
    @click.argument("number")
    @click.option("--reason", required=True, help="Shown on the certificate's public page")
    def revoke_certificate_command(number, reason):
        """Revoke a certificate by its printed number (the page and API then say so)."""
        cert = db.session.execute(select(Certificate).where(Certificate.number == number)).scalar_one_or_none()
        if cert is None:
            raise click.ClickException(f"No certificate {number}.")
        certificate_images.revoke(db.session, cert, reason)
        db.session.commit()
        click.echo(f"Revoked {number}.")

    @app.cli.command("hide-name")
    @click.argument("number")
    def hide_name_command(number):
        """Hide the name of a certificate's holder on every board."""
        cert = db.session.execute(select(Certificate).where(Certificate.number == number)).scalar_one_or_none()
        if cert is None:
            raise click.ClickException(f"No certificate {number}.")
        boards.hide_name(db.session, cert.order.participant)
        db.session.commit()
        click.echo(f"The name behind {number} is hidden on every board.")

    @app.cli.command("hide-organization")
    @click.argument("name")
    def hide_organization_command(name):
        """Hide an organization's name on every board."""
        count = boards.hide_organization(db.session, name)
        db.session.commit()
        click.echo(f"{count} board lines hidden.")

    @app.cli.command("expire-holds")
    def expire_holds_command():
        """Mark checkout holds past their expiry as expired."""
        count = ledger.expire_stale(db.session, utcnow())
        db.session.commit()
        click.echo(f"{count} holds expired.")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  help="Prompted for when not given")
    def create_admin_command(email, password):
        """Create an operator account (sign in at /account/login)."""
        from .services import accounts

        try:
            user = accounts.create_user(db.session, email, password, role="operator")
        except accounts.AccountError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"Operator {user.email} created.")

    @app.cli.command("create-owner-user")
    @click.argument("email")
    @click.argument("owner_id", type=int)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  help="Prompted for when not given")
    def create_owner_user_command(email, owner_id, password):
        """Create a sign-in for a project owner: it sees its own statement at /account/statement."""
        from .services import accounts

        if db.session.get(ProjectOwner, owner_id) is None:
            raise click.ClickException(f"No owner {owner_id}.")
        try:
            user = accounts.create_user(db.session, email, password, role="owner", owner_id=owner_id)
        except accounts.AccountError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"Owner account {user.email} created.")
