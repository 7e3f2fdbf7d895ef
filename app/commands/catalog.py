"""Projects, credit batches, demo data and holds."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import utcnow
from ..services.accounts import admin
from ..services.errors import DomainError
from ..services.sales import ledger


def run_rule(rule, *args, **kwargs):
    """Run one admin rule and commit; a refusal rolls back and exits non-zero with its message."""
    try:
        result = rule(db.session, *args, **kwargs)
    except DomainError as exc:  # an admin rule's refusal, or a payout account's (splits.SplitError)
        db.session.rollback()
        if exc.code == "currency_unknown":
            raise click.BadParameter(exc.message, param_hint="--currency") from None
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo events, projects and credit batches (idempotent)."""
    from .demo import seed_demo

    added = seed_demo()
    click.echo(f"Demo data: {added['events']} events, {added['projects']} projects, {added['batches']} batches added.")


@click.command("add-project")
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
@with_appcontext
def add_project_command(owner_name, **fields):
    """Add an emission-reduction project (credits come with add-batch)."""
    owner = admin.owner_by_name(db.session, owner_name)
    data = admin.ProjectInput(owner_id=owner.id if owner else None, new_owner="" if owner else owner_name, **fields)
    project = run_rule(admin.add_project, data)
    click.echo(f"Project {project.id}: {project.name}")


@click.command("add-batch")
@click.argument("project_id", type=int)
@click.option("--prefix", "serial_prefix", required=True, help="Serial prefix, e.g. CDCER-2021")
@click.option("--first", "first_serial", type=click.IntRange(min=0), required=True)
@click.option("--quantity", type=click.IntRange(min=1), required=True, help="Credits (kg)")
@click.option("--vintage", type=int)
@with_appcontext
def add_batch_command(project_id, **fields):
    """Issue a batch of credits to a project; refuses overlapping serial ranges."""
    batch = run_rule(admin.add_batch, project_id, **fields)
    first, last = admin.batch_range(batch)
    click.echo(f"Batch {batch.id}: {first}..{last} ({batch.quantity} kg)")


@click.command("expire-holds")
@with_appcontext
def expire_holds_command():
    """Mark checkout holds past their expiry as expired."""
    count = ledger.expire_stale(db.session, utcnow())
    db.session.commit()
    click.echo(f"{count} holds expired.")


COMMANDS = (seed_demo_command, add_project_command, add_batch_command, expire_holds_command)
