"""Admin rules, shared by the operator pages and the `flask` commands: add a
project, issue a batch, revoke a certificate, hide a name or an organization,
record a payout. Flask-free; each function flushes and the caller commits.
Refusals are AdminError (a DomainError) with a stable code and the field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Certificate, CreditBatch, Event, Organization, Payout, Project, ProjectOwner, utcnow
from .. import names
from ..certificates import images
from ..errors import DomainError
from ..footprint import places
from ..live import boards, stamps
from ..register import registry
from ..sales import ledger, money, statements

REASON_MAX = 200


class AdminError(DomainError):
    """An admin rule refused; `others` holds further refusals of the same input, shown together."""

    others: tuple[AdminError, ...] = ()


def _plain(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True)
class ProjectInput:
    name: str
    kind: str
    place: str
    country: str
    standard: str
    vintage: int
    price_minor: int | None  # per tonne; None when the typed price was not an amount
    currency: str
    price_source: str
    price_year: int
    owner_id: int | None = None  # an existing owner ...
    new_owner: str = ""  # ... or a new one, by name
    description: str = ""
    # Other languages, as names.set_names takes them: {"zh": {"name": ..., "kind": ...}}, and the new owner's
    names: dict[str, dict[str, str | None]] = field(default_factory=dict)
    owner_names: dict[str, dict[str, str | None]] = field(default_factory=dict)


def add_project(session: Session, data: ProjectInput) -> Project:
    """Add an emission-reduction project (its credits come with a batch)."""
    name, new_owner = _plain(data.name), _plain(data.new_owner)
    owner = session.get(ProjectOwner, data.owner_id) if data.owner_id is not None else None
    problems = []
    try:
        money.currency(data.currency)
    except ValueError:
        problems.append(AdminError(f"Unknown currency {data.currency!r}.", "currency", "currency_unknown"))
    if data.price_minor is None or data.price_minor <= 0:
        problems.append(AdminError("Enter a price above zero.", "price", "price"))
    if owner is None and not new_owner:
        problems.append(AdminError("Choose an owner or name a new one.", "new_owner", "owner_missing"))
    elif owner is None and session.execute(select(ProjectOwner.id).where(ProjectOwner.name == new_owner)).first():
        problems.append(AdminError("That owner exists already.", "new_owner", "owner_exists"))
    if not name or session.execute(select(Project.id).where(Project.name == name)).first():
        problems.append(AdminError(f"A project named {name!r} exists already.", "name", "project_exists"))
    if not places.is_country(data.country.strip().upper()):
        problems.append(AdminError("Choose the project's country from the list.", "country", "country"))
    if problems:
        problems[0].others = tuple(problems[1:])
        raise problems[0]
    country = data.country.strip().upper()
    if owner is None:
        owner = ProjectOwner(name=new_owner, country=country)
        names.set_names(owner, data.owner_names)
        session.add(owner)
        session.flush()
    project = Project(
        owner_id=owner.id, name=name, kind=data.kind.strip(), place=data.place.strip(), country=country,
        standard=data.standard.strip(), vintage=data.vintage, price_per_tonne_minor=data.price_minor,
        currency=data.currency, price_source=data.price_source.strip(), price_year=data.price_year,
        description=(data.description or "").strip(),
    )
    names.set_names(project, data.names)
    session.add(project)
    session.flush()
    return project


def set_names(session: Session, row: Event | Organization | Project | ProjectOwner,
              entries: dict[str, dict[str, str | None]], *, replace: bool = True) -> None:
    """Store a row's names in the other languages (the operator's names page and `flask set-names`)."""
    names.set_names(row, entries, replace=replace)
    session.flush()
    if isinstance(row, Event):
        stamps.bump(session, row.id)  # the name shows in live fragments


def owner_by_name(session: Session, name: str) -> ProjectOwner | None:
    return session.execute(select(ProjectOwner).where(ProjectOwner.name == _plain(name))).scalar_one_or_none()


def add_batch(session: Session, project_id: int, *, serial_prefix: str, first_serial: int, quantity: int,
              vintage: int | None = None) -> CreditBatch:
    """Issue a batch of credits; a serial range that overlaps another batch is refused."""
    project = session.get(Project, project_id)
    if project is None:
        raise AdminError(f"No project {project_id}.", "project", "not_found")
    try:
        return ledger.add_batch(session, project, serial_prefix=serial_prefix.strip(), first_serial=first_serial,
                                quantity=quantity, vintage=vintage)
    except ledger.LedgerError as exc:
        raise AdminError(exc.message, None, "batch_refused") from None


def batch_range(batch: CreditBatch) -> tuple[str, str]:
    return (ledger.format_serial(batch.serial_prefix, batch.first_serial),
            ledger.format_serial(batch.serial_prefix, batch.first_serial + batch.quantity - 1))


def certificate_by_number(session: Session, number: str) -> Certificate | None:
    """The certificate with this printed number; spaces and letter case do not matter."""
    return session.execute(
        select(Certificate).where(Certificate.number == (number or "").strip().upper())
    ).scalar_one_or_none()


def _certificate(session: Session, number: str, *, lock: bool = False) -> Certificate:
    cert = certificate_by_number(session, number)
    if cert is not None and lock:
        # A row lock, read afresh: a second revocation waits, then sees the first.
        cert = session.execute(
            select(Certificate).where(Certificate.id == cert.id).with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    if cert is None:
        raise AdminError(f"No certificate {(number or '').strip()}.", "number", "certificate_not_found")
    return cert


def revoke_certificate(session: Session, number: str, reason: str) -> Certificate:
    """Revoke a certificate: its page and the API then say so, with the reason."""
    cert = _certificate(session, number, lock=True)
    if cert.status == "revoked":
        raise AdminError(f"Certificate {cert.number} is revoked already.", "number", "already_revoked")
    reason = _plain(reason)[:REASON_MAX]
    if not reason:
        raise AdminError("Say why: it is shown on the certificate's page.", "reason", "reason_missing")
    images.revoke(session, cert, reason)  # status, reason; images re-render, live fragments refresh
    registry.record_revocation(session, cert, utcnow())  # once: a second revocation is refused above
    session.flush()
    return cert


def hide_name(session: Session, number: str) -> Certificate:
    """Hide the name of a certificate's holder on every board (the holder stays counted)."""
    cert = _certificate(session, number)
    boards.hide_name(session, cert.order.participant)
    session.flush()
    return cert


def hide_organization(session: Session, name: str) -> int:
    """Hide an organization's name on every board; how many board lines it was on."""
    count = boards.hide_organization(session, name)
    if count == 0:
        raise AdminError("No board shows an organization by this name.", "name", "organization_not_found")
    return count


def record_payout(session: Session, owner_id: int, amount_minor: int | None, currency: str, reference: str = "",
                  now: dt.datetime | None = None) -> tuple[Payout, int]:
    """Record a transfer to a project owner (never more than it is owed); the payout and the balance left."""
    # The owner's row is locked while the balance is read and the payout written,
    # so two payouts at the same moment are checked one after the other.
    owner = session.execute(
        select(ProjectOwner).where(ProjectOwner.id == owner_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if owner is None:
        raise AdminError(f"No owner {owner_id}.", "owner_id", "owner_not_found")
    if amount_minor is None or amount_minor <= 0:
        raise AdminError("Enter an amount above zero.", "amount", "amount")
    balance = statements.statement(session, owner).balance(currency)
    if amount_minor > balance:
        raise AdminError(f"That is more than the {balance} {currency} still owed.", "amount", "over_balance",
                         balance=balance, currency=currency)
    payout = Payout(owner_id=owner.id, amount_minor=amount_minor, currency=currency,
                    reference=(reference or "").strip(), paid_at=now or utcnow())
    session.add(payout)
    session.flush()
    return payout, balance - amount_minor
