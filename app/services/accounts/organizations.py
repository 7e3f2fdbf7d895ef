"""Accounts, organizations and the events they run.

Users sign in with an e-mail address (stored lower-cased) and a password kept
only as a scrypt hash. An organizer belongs to one or more organizations; an
event belongs to one organization and only its members may manage it.

Event slugs are the QR target (/e/<slug>): generated from the name, unique,
and frozen once the event has any order, because posters and certificates
already carry the address by then.

Takes the SQLAlchemy session and never commits (the caller owns the
transaction). No Flask imports; werkzeug's password hashing is a library.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import ROLES, Event, Order, Organization, Project, User, membership
from .. import integers, languages, scenarios, zones
from ..errors import DomainError
from ..footprint import places
from ..live import stamps
from ..names import set_names
from ..sales import money

PASSWORD_MIN = 10
PASSWORD_MAX = 200
ORGANIZATION_MAX = 60  # the name goes on the operations certificate, which shows up to 60 characters
SLUG_MIN, SLUG_MAX = 3, 60
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# A real hash to check against when the e-mail is unknown, so that a wrong
# address takes as long as a wrong password (no account enumeration by timing).
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class AccountError(DomainError):
    """Input a person can fix; `field` names the form field, `code` is stable for
    translated messages and `params` fills them in; `others` holds further refusals of the same
    input, shown together."""

    others: tuple[AccountError, ...] = ()


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Use at least {PASSWORD_MIN} characters.", field, "password_short", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Use at most {PASSWORD_MAX} characters.", field, "password_long", n=PASSWORD_MAX)


def create_user(session: Session, email: str, password: str, *, role: str = "organizer", name: str = "",
                owner_id: int | None = None) -> User:
    """A new account; refuses a taken e-mail, a short password or an owner account without an owner."""
    address = normalize_email(email)
    if not EMAIL_RE.match(address) or len(address) > 254:
        raise AccountError("Enter an e-mail address like name@example.com.", "email", "email_invalid")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.", "role", "role")
    if (role == "owner") != (owner_id is not None):
        raise AccountError("Project owner accounts, and only they, belong to a project owner.", "owner_id", "owner")
    check_password_rules(password)
    if session.execute(select(User.id).where(User.email == address)).first():
        raise AccountError("An account with this e-mail exists already. Sign in instead.", "email", "email_taken")
    user = User(email=address, password_hash=hash_password(password), name=" ".join(name.split())[:120],
                role=role, owner_id=owner_id)
    session.add(user)
    session.flush()
    return user


def clean_organization_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise AccountError("Enter the organization's name.", "organization", "organization_empty")
    if len(text) > ORGANIZATION_MAX:
        raise AccountError(f"Keep the name under {ORGANIZATION_MAX} characters.", "organization", "organization_long",
                           n=ORGANIZATION_MAX)
    if any(ord(ch) < 32 for ch in text):
        raise AccountError("Please use plain text.", "organization", "plain_text")
    return text


def _organization_taken(session: Session, name: str, but: int | None = None) -> bool:
    stmt = select(Organization.id).where(func.lower(Organization.name) == name.lower())
    if but is not None:
        stmt = stmt.where(Organization.id != but)
    return session.execute(stmt).first() is not None


def create_organization(session: Session, user: User, name: str,
                        names: Mapping[str, Mapping[str, str | None]] | None = None) -> Organization:
    """A new organization with `user` as its first member; `names` its name in other languages."""
    text = clean_organization_name(name)
    if _organization_taken(session, text):
        raise AccountError("An organization with this name exists already. To join it, ask one of its members for an "
                           "invite link.",
                           "organization", "organization_taken")
    org = Organization(name=text)
    set_names(org, names or {})
    session.add(org)
    org.members.append(user)
    session.flush()
    return org


def rename_organization(session: Session, org: Organization, name: str,
                        names: Mapping[str, Mapping[str, str | None]] | None = None) -> None:
    text = clean_organization_name(name)
    if _organization_taken(session, text, but=org.id):
        raise AccountError("Another organization has this name.", "organization", "organization_taken_other")
    org.name = text
    if names is not None:
        set_names(org, names)
    session.flush()


def sign_up(session: Session, *, email: str, password: str, name: str, organization: str) -> User:
    """An organizer account and its organization, together or not at all."""
    clean_organization_name(organization)  # report a bad name before hashing anything
    user = create_user(session, email, password, role="organizer", name=name)
    create_organization(session, user, organization)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = session.execute(select(User).where(User.email == normalize_email(email))).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError("That is not your current password.", "current", "password_wrong")
    check_password_rules(new, "new")
    if current == new:
        raise AccountError("Choose a password different from the current one.", "new", "password_same")
    user.password_hash = hash_password(new)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie signed in before this no longer loads the user."""
    user.session_version = (user.session_version or 0) + 1


def user_for_session(session: Session, session_id: str) -> User | None:
    """The active user a session's id ("<id>.<version>", from User.get_id) still names."""
    user_text, _, version_text = (session_id or "").partition(".")
    user_id, version = integers.id_or_none(user_text), integers.int_or_none(version_text)
    if user_id is None or version is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or (user.session_version or 0) != version:
        return None
    return user


def is_member(session: Session, user: User, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    return session.execute(
        select(membership.c.user_id).where(
            membership.c.user_id == user.id, membership.c.organization_id == organization_id
        )
    ).first() is not None


def organizations_of(session: Session, user: User) -> list[Organization]:
    return list(session.execute(
        select(Organization).join(membership, membership.c.organization_id == Organization.id)
        .where(membership.c.user_id == user.id).order_by(Organization.name)
    ).scalars())


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------

def slugify(name: str) -> str:
    """'China Digital Forum 2026' -> 'china-digital-forum-2026'; '' when nothing Latin is left."""
    return places.slug(name)[:SLUG_MAX].strip("-")


def slug_taken(session: Session, slug: str, but: int | None = None) -> bool:
    stmt = select(Event.id).where(Event.slug == slug)
    if but is not None:
        stmt = stmt.where(Event.id != but)
    return session.execute(stmt).first() is not None


def unique_slug(session: Session, name: str, fallback: str = "event") -> str:
    """A free slug from the name: 'forum', then 'forum-2', 'forum-3', ..."""
    base = slugify(name)
    if len(base) < SLUG_MIN:
        base = (base + "-" + fallback).strip("-") if base else fallback
    base = base[: SLUG_MAX - 4].strip("-")
    candidate, n = base, 1
    while slug_taken(session, candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def check_slug(session: Session, slug: str, event_id: int | None = None) -> str:
    text = slug.strip().lower()
    if not SLUG_MIN <= len(text) <= SLUG_MAX or not SLUG_RE.match(text):
        raise AccountError(
            f"Use {SLUG_MIN} to {SLUG_MAX} lower-case letters, digits and single hyphens, like chengdu-forum-2026.",
            "slug", "slug_format", low=SLUG_MIN, high=SLUG_MAX)
    if slug_taken(session, text, but=event_id):
        raise AccountError("Another event uses this address already.", "slug", "slug_taken")
    return text


def has_orders(session: Session, event_id: int) -> bool:
    """Any order at all (even unpaid): its payment page and certificate carry the address."""
    return bool(session.execute(select(exists().where(Order.event_id == event_id))).scalar())


def active_currencies(session: Session) -> list[str]:
    """Currencies an event can take: known to money.currencies() and priced by an active project."""
    found = set(session.execute(select(Project.currency).where(Project.active.is_(True)).distinct()).scalars())
    return [code for code in money.currencies() if code in found]


def active_projects(session: Session) -> list[Project]:
    return list(session.execute(
        select(Project).where(Project.active.is_(True)).order_by(Project.currency, Project.price_per_tonne_minor,
                                                                  Project.id)
    ).scalars())


@dataclass
class EventInput:
    """What the event form collects, already typed (dates, ints)."""

    name: str
    scenario: str
    description: str
    venue_name: str
    venue_code: str
    city: str
    country: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    expected_attendance: int | None
    currency: str
    project_ids: list[int]
    color: str
    status: str
    slug: str | None = None
    language: str = "en"  # the default language of its kiosk and posters
    timezone: str = ""  # an IANA zone of its country; "" is the country's usual zone (services/zones.py)
    # The name, venue, description and city in other languages: {"zh": {"name": ...}} (app/services/names.py)
    names: dict[str, dict[str, str | None]] = field(default_factory=dict)


def event_problems(session: Session, data: EventInput) -> tuple[list[AccountError], places.Place | None, list[Project]]:
    """Every refusal of this event input at once (the first carries the others), the venue's place
    and the chosen projects. A name of spaces only is no name."""
    problems: list[AccountError] = []
    if not " ".join((data.name or "").split()):
        problems.append(AccountError("Give the event a name.", "name", "name_empty"))
    if data.scenario not in scenarios.codes():
        problems.append(AccountError("Choose one of the kinds listed.", "scenario", "scenario"))
    if data.language not in languages.codes():
        problems.append(AccountError(f"Choose {languages.english_list()}.", "language", "language"))
    if data.currency not in active_currencies(session):
        problems.append(AccountError("No project sells credits in that currency yet; choose another.", "currency",
                                     "currency"))
    chosen = []
    if data.project_ids and data.currency in active_currencies(session):
        by_id = {p.id: p for p in active_projects(session)}
        for pid in data.project_ids:
            project = by_id.get(pid)
            if project is None:
                problems.append(AccountError("One of the chosen projects is no longer on offer.", "projects",
                                             "project_gone"))
                break
            if project.currency != data.currency:
                problems.append(AccountError(
                    f"{project.name} is priced in {project.currency}; this event takes {data.currency}. "
                    "Untick it or change the currency.", "projects", "project_currency",
                    project=project.name, project_currency=project.currency, currency=data.currency))
                break
            chosen.append(project)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        problems.append(AccountError("The event cannot end before it starts.", "ends_on", "dates"))
    place = None
    if data.venue_code.strip():
        place = places.lookup(data.venue_code.strip())
        if place is None:
            problems.append(AccountError("We do not know that place; pick one of the suggestions (a city, airport "
                                         "or station) or give the venue's map pin, e.g. 30.57,104.06.",
                                         "venue_code", "venue"))
    country = (data.country or (place.country if place else "")).strip().upper()
    if not places.is_country(country) and not (place is None and data.venue_code.strip() and not data.country):
        problems.append(AccountError("Choose a country from the list.", "country", "country"))
    elif data.timezone and data.timezone not in zones.for_country(country):
        problems.append(AccountError("Choose one of the time zones of the event's country.", "timezone",
                                     "timezone"))
    if problems:
        problems[0].others = tuple(problems[1:])
    return problems, place, chosen


def save_event(session: Session, org: Organization, data: EventInput, event: Event | None = None) -> Event:
    """Create (event None) or update an event of `org`; raises AccountError naming the field.

    Checks what a form cannot: the venue is a known place, the currency has
    active projects, every chosen project is active and priced in it, and the
    slug is free and not changed once the event has orders.
    """
    problems, place, chosen = event_problems(session, data)
    if problems:
        raise problems[0]
    venue_code = place.code if place is not None and place.kind == "airport" else (place.name if place else "")
    country = (data.country or (place.country if place else "")).strip().upper()

    if event is None:
        # A name with no Latin letters (e.g. all Chinese) falls back to the city: "chengdu-event".
        fallback = "-".join(x for x in (slugify(data.city or (place.city if place else "")), "event") if x)
        slug = check_slug(session, data.slug) if data.slug else unique_slug(session, data.name, fallback)
        event = Event(slug=slug, organization_id=org.id)
        session.add(event)
    elif data.slug and data.slug != event.slug:
        if has_orders(session, event.id):
            raise AccountError("This event has orders, so its address can no longer change.", "slug", "slug_frozen")
        event.slug = check_slug(session, data.slug, event.id)
    event.name = " ".join(data.name.split())
    event.scenario = data.scenario
    event.description = data.description
    event.venue_name = data.venue_name
    event.venue_code = venue_code
    event.venue_lat = place.lat if place else None
    event.venue_lon = place.lon if place else None
    event.city = data.city or (place.city if place else "")
    event.country = country
    event.timezone = data.timezone or zones.default_for(country)
    event.starts_on = data.starts_on
    event.ends_on = data.ends_on
    event.expected_attendance = data.expected_attendance
    event.currency = data.currency
    event.color = data.color
    event.language = data.language
    event.status = data.status
    event.projects = chosen
    set_names(event, data.names)
    session.flush()
    stamps.bump(session, event.id)  # name, status or expected attendance show in live fragments
    return event


def events_of(session: Session, org_ids: list[int]) -> list[Event]:
    if not org_ids:
        return []
    return list(session.execute(
        select(Event).where(Event.organization_id.in_(org_ids))
        .order_by(Event.status == "archived", Event.starts_on.desc(), Event.id.desc())
    ).scalars())
