"""Money to the project owners, moved by the payment provider at payment time.

When an order is paid through a provider that can split payments (WeChat Pay profit sharing,
Alipay settlement, Stripe Connect transfers) and the project's owner has a payout account there,
the owner's share (`Order.owner_minor`: the amount less the platform fee) is split off to that
account. One split per order (`OwnerSplit.split_no`, which keys the provider's idempotency),
retried with backoff while the provider fails, and recorded with the provider's id.

The database row is the truth and the job queue only a nudge: `run` claims a due split by moving
its next try forward (committed) before it calls the provider, so a worker that dies mid-split
leaves a pending row the `sweep` finds again, and the provider's idempotency makes the retry the
same split. Flask-free; the provider configuration is passed in, as everywhere in app/services.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Order as OrderRow
from ...models import OwnerSplit, PayoutAccount, ProjectOwner, utcnow
from .. import payments
from ..errors import DomainError

log = logging.getLogger("app")

# Minutes before each retry; after the last, the split is "failed" and listed for operators.
BACKOFF_MINUTES = (1, 2, 5, 15, 60, 240, 720, 1440)
ERROR_CHARS = 300
LEASE = dt.timedelta(minutes=5)  # a claimed split is retried after this if its worker never finishes
COUNTED = ("pending", "done")  # what is on its way to the owner, or with them


class SplitError(DomainError):
    """An owner's payout account that cannot be added (bad input, or the provider refuses it)."""

    code = "payout_account"


def split_no(order: OrderRow) -> str:
    """The order's split number at the provider: one per order, letters, digits and _ only."""
    return "S" + order.public_id.replace("-", "_")


def account_for(session: Session, owner_id: int, provider: str) -> PayoutAccount | None:
    return session.execute(select(PayoutAccount).where(PayoutAccount.owner_id == owner_id,
                                                       PayoutAccount.provider == provider)).scalar_one_or_none()


def wants_split(session: Session, order: OrderRow) -> bool:
    """Whether the order's payment should be opened for a later split (WeChat Pay must be told)."""
    provider = payments.get(order.provider)
    return provider.splits and account_for(session, order.project.owner_id, provider.name) is not None


# --------------------------------------------------------------------------
# Owners' payout accounts
# --------------------------------------------------------------------------

def add_account(session: Session, config: Mapping[str, Any], owner_id: int, provider_name: str, kind: str,
                account: str, name: str = "") -> PayoutAccount:
    """Link an owner to its account at a provider, registered with that provider first (which
    validates it); replaces the owner's earlier account there. Raises SplitError."""
    owner = session.get(ProjectOwner, owner_id)
    if owner is None:
        raise SplitError(f"No owner {owner_id}.", "owner_id", "owner_not_found")
    try:
        provider = payments.get(provider_name)
    except payments.Unavailable:
        raise SplitError(f"No payment provider {provider_name!r}.", "provider", "provider_unknown") from None
    if not provider.splits or not payments.is_available(provider.name, config):
        raise SplitError(f"{provider.title} does not split payments on this server.", "provider", "no_splits")
    if kind not in provider.receiver_kinds:
        raise SplitError(f"{provider.title} takes accounts of kind {', '.join(provider.receiver_kinds)}.", "kind",
                         "receiver_kind")
    account, name = " ".join(account.split()), " ".join(name.split())
    if not account or len(account) > 64 or len(name) > 120:
        raise SplitError("Enter the account (at most 64 characters) and the holder's name (at most 120).",
                         "account", "receiver_account")
    session.commit()  # no transaction open across the provider's call
    try:
        provider.add_receiver(config, payments.Receiver(kind=kind, account=account, name=name))
    except payments.PaymentError as exc:
        raise SplitError(f"{provider.title} refused the account: {exc}", "account", "receiver_refused") from exc
    row = account_for(session, owner_id, provider.name) or PayoutAccount(owner_id=owner_id, provider=provider.name)
    row.kind, row.account, row.name, row.added_at = kind, account, name, utcnow()
    session.add(row)
    session.commit()
    return row


# --------------------------------------------------------------------------
# Splitting a paid order
# --------------------------------------------------------------------------

def schedule(session: Session, order: OrderRow, now: dt.datetime | None = None) -> OwnerSplit | None:
    """After an order is paid: its pending split, when its owner has an account at the order's
    provider (once per order, whoever asks); None when the owner is paid by hand."""
    if order.status != "paid" or order.owner_minor <= 0:
        return None
    provider = payments.get(order.provider)
    account = account_for(session, order.project.owner_id, provider.name) if provider.splits else None
    if account is None:
        return None
    existing = session.execute(select(OwnerSplit).where(OwnerSplit.order_id == order.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    # The owner's row is locked as for a payout by hand (accounts/admin.record_payout): what is still
    # owed is read once, so a split and a payout at the same moment never pay the same share twice.
    owner = session.execute(select(ProjectOwner).where(ProjectOwner.id == account.owner_id).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one()
    from .statements import statement  # statements counts splits: imported here, not at the top

    if statement(session, owner).balance(order.currency) < order.owner_minor:
        log.warning("Order %s: its owner's share was already paid by hand; no split", order.public_id)
        session.commit()
        return None
    row = OwnerSplit(order_id=order.id, account_id=account.id, provider=provider.name, split_no=split_no(order),
                     amount_minor=order.owner_minor, currency=order.currency, status="pending",
                     next_try_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # scheduled at the same moment by another notice or lookup
        return session.execute(select(OwnerSplit).where(OwnerSplit.order_id == order.id)).scalar_one()
    session.commit()
    return row


def _value(row: OwnerSplit) -> payments.Split:
    order = row.order
    return payments.Split(split_no=row.split_no, order_id=order.public_id, reference=order.payment_ref or "",
                          payment_id=None, amount_minor=row.amount_minor, currency=row.currency,
                          receiver=payments.Receiver(kind=row.account.kind, account=row.account.account,
                                                     name=row.account.name),
                          description=f"{order.project.name}: {order.credits_kg} kg")


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def run(session: Session, config: Mapping[str, Any], split_id: int, now: dt.datetime | None = None) -> str | None:
    """Send one split if it is due and nobody else is sending it; its status afterwards (None: not
    found, or not due / claimed by another worker: nothing was done)."""
    now = now or utcnow()
    # Claim it: the next try moves forward first, so a worker dying mid-call leaves it for the sweep.
    claimed = cast(CursorResult[Any], session.execute(
        update(OwnerSplit).where(OwnerSplit.id == split_id, OwnerSplit.status == "pending",
                                 OwnerSplit.next_try_at <= now)
        .values(attempts=OwnerSplit.attempts + 1, next_try_at=now + LEASE)
    )).rowcount
    session.commit()
    if not claimed:
        return None
    row = session.get(OwnerSplit, split_id)
    assert row is not None
    value, attempts, provider = _value(row), row.attempts, payments.get(row.provider)
    session.commit()
    try:
        if not payments.is_available(provider.name, config):
            raise payments.PaymentError(f"this server does not take {provider.name} payments")
        split_ref = provider.split(config, value)
    except payments.PaymentError as exc:
        row = session.get(OwnerSplit, split_id)
        assert row is not None
        row.last_error = str(exc)[:ERROR_CHARS]
        if attempts >= len(BACKOFF_MINUTES):
            row.status = "failed"
            log.error("Split %s of order %s failed %s times; listed for the operators: %s", row.split_no,
                      value.order_id, attempts, exc)
        else:
            row.next_try_at = now + backoff(attempts)
            log.warning("Split %s failed (try %s), next at %s: %s", row.split_no, attempts, row.next_try_at, exc)
        session.commit()
        return row.status
    row = session.get(OwnerSplit, split_id)
    assert row is not None
    row.status, row.split_ref, row.done_at, row.last_error = "done", split_ref, utcnow(), ""
    session.commit()
    return "done"


def due(session: Session, now: dt.datetime | None = None, limit: int = 100) -> list[int]:
    """Pending splits whose next try has come (a worker died, the provider failed, the nudge was lost)."""
    return list(session.scalars(select(OwnerSplit.id).where(OwnerSplit.status == "pending",
                                                           OwnerSplit.next_try_at <= (now or utcnow()))
                                .order_by(OwnerSplit.next_try_at).limit(limit)))


def sweep(session: Session, config: Mapping[str, Any], now: dt.datetime | None = None) -> dict[str, int]:
    """Send every due split; how many ended in each status."""
    counts: dict[str, int] = {}
    for split_id in due(session, now):
        status = run(session, config, split_id, now)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


def reverse(session: Session, config: Mapping[str, Any], order_id: int, now: dt.datetime | None = None) -> str | None:
    """Before a paid order's money goes back: take its split back (a done one is returned through
    the provider, a pending one cancelled). Its status afterwards; None when it had none.
    Raises payments.PaymentError when the provider cannot return it (the refund must wait)."""
    row = session.execute(select(OwnerSplit).where(OwnerSplit.order_id == order_id)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        return None
    if row.status in ("pending", "failed"):
        row.status = "cancelled"
        session.commit()
        return row.status
    if row.status != "done":
        return row.status
    split_id, value, split_ref = row.id, _value(row), row.split_ref or ""
    provider = payments.get(row.provider)
    session.commit()
    return_ref = provider.return_split(config, value, split_ref)
    row = session.get(OwnerSplit, split_id)
    assert row is not None
    row.status, row.return_ref, row.returned_at = "returned", return_ref, now or utcnow()
    session.commit()
    return row.status


# --------------------------------------------------------------------------
# What owners were sent, and reconciling it with the providers
# --------------------------------------------------------------------------

def sent_by_currency(session: Session, owner_id: int, statuses: tuple[str, ...] = ("done",)) -> dict[str, int]:
    """What the providers sent (or are sending) to an owner, per currency."""
    rows = session.execute(
        select(OwnerSplit.currency, func.sum(OwnerSplit.amount_minor))
        .join(PayoutAccount, PayoutAccount.id == OwnerSplit.account_id)
        .where(PayoutAccount.owner_id == owner_id, OwnerSplit.status.in_(statuses))
        .group_by(OwnerSplit.currency)
    ).all()
    return {currency: int(total) for currency, total in rows}


def of_order(session: Session, order_id: int) -> OwnerSplit | None:
    return session.execute(select(OwnerSplit).where(OwnerSplit.order_id == order_id)).scalar_one_or_none()


def of_owner(session: Session, owner_id: int, limit: int = 200) -> list[OwnerSplit]:
    return list(session.scalars(
        select(OwnerSplit).join(PayoutAccount, PayoutAccount.id == OwnerSplit.account_id)
        .where(PayoutAccount.owner_id == owner_id).order_by(OwnerSplit.id.desc()).limit(limit)))


def sent_for_project(session: Session, project_id: int) -> dict[str, int]:
    """A project's splits by status (minor units), for its public page."""
    rows = session.execute(
        select(OwnerSplit.status, func.sum(OwnerSplit.amount_minor)).join(OrderRow, OrderRow.id == OwnerSplit.order_id)
        .where(OrderRow.project_id == project_id).group_by(OwnerSplit.status)).all()
    return {status: int(total) for status, total in rows}


@dataclass(frozen=True)
class Mismatch:
    split_no: str
    problem: str

    def __str__(self) -> str:
        return f"{self.split_no}: {self.problem}"


def reconcile(session: Session, config: Mapping[str, Any], provider_name: str, day: dt.date) -> list[Mismatch]:
    """Our splits made through `provider_name` on `day` against the provider's own records: every
    difference (missing on either side, another amount, another status, another id)."""
    provider = payments.get(provider_name)
    theirs = {r.split_no: r for r in provider.split_records(config, day.isoformat())}
    start = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=provider.records_utc_offset)
    ours = {row.split_no: row for row in session.scalars(
        select(OwnerSplit).where(OwnerSplit.provider == provider_name, OwnerSplit.status.in_(("done", "returned")),
                                 OwnerSplit.done_at >= start, OwnerSplit.done_at < start + dt.timedelta(days=1)))}
    problems = []
    for number in sorted(set(ours) | set(theirs)):
        mine, record = ours.get(number), theirs.get(number)
        if record is None and mine is not None:
            problems.append(Mismatch(number, f"recorded here ({mine.amount_minor} {mine.currency}, {mine.status}) "
                                             f"but not in {provider.title}'s records"))
        elif mine is None and record is not None:
            problems.append(Mismatch(number, f"in {provider.title}'s records ({record.amount_minor} "
                                             f"{record.currency}, {record.status}) but not recorded here"))
        elif mine is not None and record is not None:
            if (record.amount_minor, record.currency) != (mine.amount_minor, mine.currency):
                problems.append(Mismatch(number, f"amount {mine.amount_minor} {mine.currency} here, "
                                                 f"{record.amount_minor} {record.currency} at {provider.title}"))
            if record.status != mine.status:
                problems.append(Mismatch(number, f"{mine.status} here, {record.status} at {provider.title}"))
            if record.split_id != mine.split_ref:
                problems.append(Mismatch(number, f"split id {mine.split_ref} here, {record.split_id} at "
                                                 f"{provider.title}"))
    return problems


def failed(session: Session) -> list[OwnerSplit]:
    return list(session.scalars(select(OwnerSplit).where(OwnerSplit.status == "failed").order_by(OwnerSplit.id)))


def owners_with_accounts(session: Session) -> list[tuple[ProjectOwner, list[PayoutAccount]]]:
    owners = session.scalars(select(ProjectOwner).order_by(ProjectOwner.name)).all()
    accounts = session.scalars(select(PayoutAccount).order_by(PayoutAccount.provider)).all()
    return [(o, [a for a in accounts if a.owner_id == o.id]) for o in owners]
