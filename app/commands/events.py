"""Events from the command line: the same rules as the organizer's event form (organizations.save_event)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import Organization
from ..services import languages, scenarios
from ..services.accounts import organizations
from ..services.errors import DomainError
from .catalog import language_options, pop_language_options


@click.command("add-event")
@click.option("--organization", "organization_name", required=True, help="An existing organization, by name")
@click.option("--name", required=True)
@click.option("--scenario", type=click.Choice(scenarios.codes()), default="conference", show_default=True)
@click.option("--slug", default=None, help="Web address; made from the name when left out")
@click.option("--venue", "venue_name", default="")
@click.option("--venue-place", "venue_code", default="", help="A place code or name for visitors' journeys")
@click.option("--city", default="")
@click.option("--country", default="", help="ISO code, e.g. CN; from the venue place when left out")
@click.option("--timezone", default="",
              help="IANA zone of the venue, e.g. Asia/Shanghai; the country's usual zone when left out")
@click.option("--currency", default="CNY", show_default=True)
@click.option("--language", type=click.Choice(languages.codes()), default=languages.SOURCE, show_default=True)
@click.option("--status", type=click.Choice(("draft", "live", "archived")), default="live", show_default=True)
@language_options(("name", "venue_name", "description", "city"))
@with_appcontext
def add_event_command(organization_name, **fields):
    """Create an event of an organization (times on its pages are shown in its --timezone); --name-zh,
    --venue-name-zh, --description-fil... give its names in other languages (app/services/names.py)."""
    texts = pop_language_options(fields)
    org = db.session.scalar(select(Organization).where(Organization.name == organization_name))
    if org is None:
        raise click.BadParameter(f"No organization is called {organization_name!r}.", param_hint="--organization")
    data = organizations.EventInput(description="", starts_on=None, ends_on=None, expected_attendance=None,
                                    project_ids=[], color="#0f5132", names=texts, **fields)
    try:
        event = organizations.save_event(db.session, org, data)
    except DomainError as exc:
        db.session.rollback()
        raise click.BadParameter(exc.message, param_hint=f"--{(exc.field or 'name').replace('_', '-')}") from None
    db.session.commit()
    click.echo(f"Event {event.id}: {event.slug} ({event.timezone})")


COMMANDS = (add_event_command,)
