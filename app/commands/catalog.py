"""Projects, credit batches, demo data and holds."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import Event, Organization, Project, ProjectOwner, utcnow
from ..services import names
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


def language_options(fields: tuple[str, ...]):
    """--<field>-<language> for each other language (--name-zh, --venue-name-fil ...)."""
    def decorate(command):
        for code in reversed(names.other_languages()):
            for field in reversed(fields):
                flag = f"--{field.replace('_', '-')}-{code}"
                command = click.option(flag, f"{field}__{code}", default=None,
                                       help=f"{field.replace('_', ' ')} in {code}")(command)
        return command
    return decorate


def pop_language_options(fields: dict) -> dict[str, dict[str, str | None]]:
    """Take the --<field>-<language> values out of a command's keyword arguments: {language: {field: text}}."""
    texts: dict[str, dict[str, str | None]] = {}
    for key in [k for k in fields if "__" in k]:
        field, code = key.split("__")
        value = fields.pop(key)
        if value is not None:
            texts.setdefault(code, {})[field] = value
    return texts


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
@click.option("--description", default="")
@language_options(("name", "kind", "place", "description", "owner"))
@with_appcontext
def add_project_command(owner_name, **fields):
    """Add an emission-reduction project (credits come with add-batch); --name-zh etc. give its names in
    other languages (--owner-zh: a new owner's)."""
    texts = pop_language_options(fields)
    owner_texts = {code: {"name": by_field.pop("owner", None)} for code, by_field in texts.items()}
    owner = admin.owner_by_name(db.session, owner_name)
    data = admin.ProjectInput(owner_id=owner.id if owner else None, new_owner="" if owner else owner_name,
                              names=texts, owner_names=owner_texts, **fields)
    project = run_rule(admin.add_project, data)
    click.echo(f"Project {project.id}: {project.name}")


NAMED = {"event": Event, "organization": Organization, "project": Project, "owner": ProjectOwner}


@click.command("set-names")
@click.argument("kind", type=click.Choice(list(NAMED)))
@click.argument("key")
@language_options(("name", "venue_name", "description", "city", "kind", "place"))
@with_appcontext
def set_names_command(kind, key, **fields):
    """Give an event (by slug), an organization, a project or an owner (by id or exact English name) its
    names in other languages, e.g. `flask set-names event cdcn-forum-2021 --name-zh 首届…`. Only the
    options given change; an empty one ("") removes that text, which then falls back to English."""
    model = NAMED[kind]
    row = None
    if kind == "event":
        row = db.session.execute(select(Event).where(Event.slug == key)).scalar_one_or_none()
    else:
        if key.isdigit():
            row = db.session.get(model, int(key))
        if row is None:
            row = db.session.execute(select(model).where(model.name == key)).scalar_one_or_none()
    if row is None:
        raise click.ClickException(f"No {kind} {key!r}.")
    texts = pop_language_options(fields)
    allowed = names.fields_of(row)
    wrong = sorted({field for by_field in texts.values() for field in by_field if field not in allowed})
    if wrong:
        raise click.UsageError(f"A {kind} has no {', '.join(wrong)}; it has {', '.join(allowed)}.")
    if not texts:
        raise click.UsageError("Give at least one --<field>-<language> option, e.g. --name-zh.")
    run_rule(admin.set_names, row, texts, replace=False)
    for code in names.other_languages():
        click.echo(f"{code}: " + " · ".join(names.pick(row, f, code) for f in allowed if f != "description"
                                               and names.pick(row, f, code)))


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


COMMANDS = (seed_demo_command, add_project_command, set_names_command, add_batch_command, expire_holds_command)
