"""The data model: events, projects and their credit batches, participants,
footprints, orders, retirements, certificates and board totals.

Money is integer minor units; credits are whole kilograms (one serial = 1 kg).
Constraints in the database back the ledger's rules, so that no interleaving
of requests can oversell a batch or overlap two serial ranges.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import event as sa_event
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from ..services import scenarios
from .base import utcnow

EVENT_STATUSES = ("draft", "live", "archived")
# refund_due: paid at the provider after its hold lapsed and the credits were gone;
# refunded: that payment was returned. Neither ever retires credits.
ORDER_STATUSES = ("pending", "paid", "failed", "cancelled", "expired", "refund_due", "refunded")


class Names(TypeDecorator):
    """Names in other languages, {language: {field: text}} (app/services/names.py), as JSON text with the characters
    themselves, so that SQL `LIKE` finds 论坛. Assign a new dict: changes inside one are not tracked."""
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else {}




class Event(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    names: Mapped[dict] = mapped_column(Names, default=dict, server_default="{}")  # name, venue, text, city
    venue_code: Mapped[str] = mapped_column(String(40), default="")  # a place code for the calculator
    venue_lat: Mapped[float | None]
    venue_lon: Mapped[float | None]
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="CN")
    # The venue's IANA time zone ("Asia/Shanghai"); "" means the country's usual one (services/zones.py).
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(10), default="live")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", name="fk_event_organization"), index=True
    )
    expected_attendance: Mapped[int | None]
    color: Mapped[str] = mapped_column(String(7), default="#0f5132", server_default="#0f5132")
    # The event's default language: its kiosk and posters speak it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # The organizer chose to show the report's summary at /e/<slug>/report.
    report_published: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The organizer closed the venue kiosk: it takes no walk-ups until reopened.
    kiosk_closed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship(back_populates="events")
    # Projects on offer; none chosen means every active project in the event's currency.
    projects: Mapped[list[Project]] = relationship(secondary="event_project", order_by="Project.id")

    __table_args__ = (
        # The scenarios registry (services/scenarios.py) at import; a new scenario needs a migration too.
        CheckConstraint(f"scenario IN {scenarios.codes()!r}", name="event_scenario"),
        CheckConstraint(f"status IN {EVENT_STATUSES!r}", name="event_status"),
        Index("ix_event_status_starts", "status", "starts_on"),
    )


event_project = db.Table(
    "event_project",
    db.Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    db.Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)

ROLES = ("operator", "organizer", "owner")


class Organization(db.Model):
    """A company or body that runs events (and may neutralize their operations)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    names: Mapped[dict] = mapped_column(Names, default=dict, server_default="{}")  # name per language
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    events: Mapped[list[Event]] = relationship(back_populates="organization")
    members: Mapped[list[User]] = relationship(secondary="membership", back_populates="organizations")


class User(db.Model):
    """An account: operator (admin), organizer (member of organizations) or project owner."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(10), default="organizer")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("project_owner.id"))  # for role "owner"
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Part of every session's and remember-me cookie's id: raising it (sign-out, new
    # password) ends every session signed in before.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    organizations: Mapped[list[Organization]] = relationship(secondary="membership", back_populates="members")

    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="user_role"),)

    # Flask-Login's protocol, spelled out so models need no Flask-Login import.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version or 0}"


membership = db.Table(
    "membership",
    db.Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    db.Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
)


class OrganizationInvite(db.Model):
    """A link that lets one person join an organization: only its token's SHA-256
    is kept, it works once and lapses after a while."""

    __tablename__ = "organization_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(60), default="", server_default="")  # who it is for
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class ProjectOwner(db.Model):
    """The company that reduces emissions and is owed the money."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    names: Mapped[dict] = mapped_column(Names, default=dict, server_default="{}")  # name per language
    country: Mapped[str] = mapped_column(String(2), default="CN")
    # The owner's statement is served at an unguessable link until owner accounts exist.
    statement_token: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("statement_token", name="uq_project_owner_statement_token"),)


class Payout(db.Model):
    """Money transferred to a project owner, recorded by an operator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("project_owner.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(120), default="")
    paid_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("amount_minor > 0", name="payout_amount_positive"),)


class Project(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("project_owner.id"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(80))  # e.g. "Hydropower", "Forestry"
    place: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    standard: Mapped[str] = mapped_column(String(80))  # e.g. "CCER", "Verra VCS"
    vintage: Mapped[int]
    price_per_tonne_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    price_source: Mapped[str] = mapped_column(String(200), default="")
    price_year: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    names: Mapped[dict] = mapped_column(Names, default=dict, server_default="{}")  # name, kind, place, text
    image: Mapped[str] = mapped_column(String(200), default="")  # path under static/
    active: Mapped[bool] = mapped_column(default=True)

    owner: Mapped[ProjectOwner] = relationship()
    batches: Mapped[list[CreditBatch]] = relationship(back_populates="project", order_by="CreditBatch.id")

    __table_args__ = (CheckConstraint("price_per_tonne_minor > 0", name="project_price_positive"),)


class CreditBatch(db.Model):
    """Issued credits: serials first_serial .. first_serial + quantity - 1, one per kg.

    Retirements take serials in order from the start, so `retired_kg` is also
    the offset of the next free serial.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    vintage: Mapped[int]
    serial_prefix: Mapped[str] = mapped_column(String(40))
    first_serial: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    retired_kg: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="batches")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="batch_quantity_positive"),
        CheckConstraint("first_serial >= 0", name="batch_first_serial"),
        CheckConstraint("retired_kg >= 0 AND retired_kg <= quantity", name="batch_not_oversold"),
        UniqueConstraint("serial_prefix", "first_serial", name="uq_batch_prefix_first"),
    )


class Participant(db.Model):
    """A visitor, anonymous by default and bound to a browser cookie."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(60), default="")
    organization: Mapped[str] = mapped_column(String(80), default="")
    show_on_board: Mapped[bool] = mapped_column(default=False)
    name_hidden: Mapped[bool] = mapped_column(default=False)  # an operator hid the name on every board
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Footprint(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    inputs: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    total_kg: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    methodology: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EventEstimate(db.Model):
    """The organizer's estimate of the whole event's footprint: what they typed (field -> text), read by
    app.services.footprint.event_estimate. One row per event; saving again replaces the inputs (orders
    already paid are never changed: a larger operations footprint is neutralized by a top-up order)."""

    __tablename__ = "event_estimate"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE", name="fk_event_estimate_event"), primary_key=True,
        autoincrement=False)
    inputs: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Order(db.Model):
    """A checkout. While pending it holds `kg` of its project until hold_expires_at."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    footprint_id: Mapped[int | None] = mapped_column(ForeignKey("footprint.id"))
    kg: Mapped[int] = mapped_column(BigInteger)  # what was asked (the footprint, rounded up)
    # What the payment retires: kg, or more when the currency's minimum charge buys more
    # (money.price). Holds, retirements, certificates and boards count this.
    credits_kg: Mapped[int] = mapped_column(BigInteger, default=lambda ctx: ctx.get_current_parameters()["kg"])
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    owner_minor: Mapped[int] = mapped_column(BigInteger)
    platform_fee_minor: Mapped[int] = mapped_column(BigInteger)
    payment_fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    hold_expires_at: Mapped[dt.datetime]  # payable until then
    # False: payable but holding nothing (the project's hold pool was full); it retires at payment
    # if the credits are still free, and is refunded otherwise (app/services/sales/ledger.py).
    holds_credits: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    display_name: Mapped[str] = mapped_column(String(60), default="")
    organization: Mapped[str] = mapped_column(String(80), default="")
    show_on_board: Mapped[bool] = mapped_column(default=False)
    # The payment provider it pays through (app/services/payments: "stripe", "demo"), chosen when it starts;
    # only that provider's notices and lookups settle it.
    provider: Mapped[str] = mapped_column(String(20))
    # "visitor": a participant's own footprint; "operations": an organization
    # neutralizing its event's own operations (not on the people boards); "sponsor", "sponsor_own": sponsors.py.
    kind: Mapped[str] = mapped_column(String(12), default="visitor", server_default="visitor")
    sponsor_pool_id: Mapped[int | None] = mapped_column(  # paid from it (amount 0): a redemption or a kept balance
        ForeignKey("sponsor_pool.id", name="fk_orders_sponsor_pool"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", name="fk_orders_organization"))
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    payment_ref: Mapped[str | None] = mapped_column(String(255), unique=True)  # the provider's session id
    refund_ref: Mapped[str | None] = mapped_column(String(255))
    # Who holds credits, for the per-client share (checkout.client_key): a hash, never an address.
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # A kiosk order's phone handoff (handoff.start_at_kiosk): the SHA-256 of the random token in
    # the kiosk's QR code (never the token), and when the first phone claimed the order.
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_claimed_at: Mapped[dt.datetime | None]
    # Which poster's QR code brought the visitor ("a4", "a6", "screen"), when one did (sources.py).
    source: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[dt.datetime | None]

    event: Mapped[Event] = relationship()
    project: Mapped[Project] = relationship()
    participant: Mapped[Participant] = relationship()
    footprint: Mapped[Footprint | None] = relationship()
    sponsor_pool: Mapped[SponsorPool | None] = relationship(foreign_keys=[sponsor_pool_id])
    retirements: Mapped[list[Retirement]] = relationship(back_populates="order", order_by="Retirement.id")
    certificate: Mapped[Certificate | None] = relationship(back_populates="order")

    __table_args__ = (
        CheckConstraint("kg > 0", name="order_kg_positive"),
        CheckConstraint("amount_minor > 0 OR (sponsor_pool_id IS NOT NULL AND amount_minor = 0)",
                        name="order_amount_positive"),
        CheckConstraint("credits_kg >= kg", name="order_credits_cover_kg"),
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="order_status"),
        CheckConstraint("kind IN ('visitor', 'operations', 'sponsor', 'sponsor_own')", name="order_kind"),
        CheckConstraint("owner_minor + platform_fee_minor <= amount_minor", name="order_split"),
        # Held credits are summed per project over pending orders.
        Index("ix_order_project_status", "project_id", "status"),
        Index("ix_order_event_status", "event_id", "status"),
    )


class Retirement(db.Model):
    """Serials first..last of a batch, retired for one paid order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("credit_batch.id"))
    first_serial: Mapped[int] = mapped_column(BigInteger)
    last_serial: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="retirements")
    batch: Mapped[CreditBatch] = relationship()

    __table_args__ = (
        CheckConstraint("last_serial >= first_serial", name="retirement_range"),
        UniqueConstraint("batch_id", "first_serial", name="uq_retirement_first"),
        UniqueConstraint("batch_id", "last_serial", name="uq_retirement_last"),
    )

    @property
    def kg(self) -> int:
        return self.last_serial - self.first_serial + 1


class EventScan(db.Model):
    """How many times each of an event's posters was scanned (its QR code carries ?src=)."""

    __tablename__ = "event_scan"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(12), primary_key=True)
    scans: Mapped[int] = mapped_column(BigInteger, default=0)


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)  # one per order, enforced
    number: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="certificate")


class BoardTotal(db.Model):
    """A running total behind one board line, kept at fulfilment so boards and
    ranks are index range scans, never a scan of orders.

    scope/scope_id: "event" + event id, or "global" + 0.
    kind/key: "participant" + participant id (orders that showed no name) or participant id, ":"
    and a hash of the folded shown name and organization (one row per name, `boards.line_key`),
    "organization" + folded name, or "event" + event id (global scope only). A named participant
    row keeps its name in `label` and its organization in `organization`.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    scope_id: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(120), default="")
    organization: Mapped[str] = mapped_column(String(120), default="", server_default="")
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"))
    kg: Mapped[int] = mapped_column(BigInteger, default=0)
    first_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)  # an operator hid this line's name

    participant: Mapped[Participant | None] = relationship()

    __table_args__ = (
        CheckConstraint("scope IN ('event', 'global')", name="board_scope"),
        CheckConstraint("kind IN ('participant', 'organization', 'event')", name="board_kind"),
        UniqueConstraint("scope", "scope_id", "kind", "key", name="uq_board_line"),
    )


# Best first, earliest first among equals: a board is the first rows of this index.
Index("ix_board_rank", BoardTotal.scope, BoardTotal.scope_id, BoardTotal.kind, BoardTotal.kg.desc(),
      BoardTotal.first_at)


# The public retirement register (issue 17): an append-only RFC 9162 Merkle log.
# See app/services/register/registry.py. Nothing here is ever updated or deleted: the
# triggers below refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) in the
# database itself. No foreign keys: the register outlives what it records.
REGISTRY_KINDS = ("retire", "revoke")


class RegistryEntry(db.Model):
    """One leaf: exactly the canonical JSON bytes that are hashed (as UTF-8 text)."""

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(6))
    certificate_id: Mapped[int] = mapped_column(index=True)
    leaf: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("seq >= 0", name="registry_entry_seq"),
        CheckConstraint(f"kind IN {REGISTRY_KINDS!r}", name="registry_entry_kind"),
    )


class RegistryNode(db.Model):
    """The hash of the perfect subtree over leaves [idx * 2**level, (idx + 1) * 2**level)."""

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class RegistryHead(db.Model):
    """The single row (id 1) every append locks: the tree's size and root (hex)."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="registry_head_single"),)


REGISTRY_EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of b""
REGISTRY_APPEND_ONLY = "the public register is append-only"


def registry_trigger_ddl(dialect: str, table: str) -> list[str]:
    """Statements that make `table` append-only (registry_entry, registry_node; the migration uses them too)."""
    refuse = f"'{REGISTRY_APPEND_ONLY}'"
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION {refuse}; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION registry_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION registry_append_only()",
        ]
    return [f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, {refuse}); END"
            for op in ("UPDATE", "DELETE")]


def _registry_ddl(target, connection, **_kw):
    if target.name == "registry_head":
        connection.exec_driver_sql(
            f"INSERT INTO registry_head (id, size, root_hash) VALUES (1, 0, '{REGISTRY_EMPTY_ROOT}')")
    else:
        for statement in registry_trigger_ddl(connection.dialect.name, target.name):
            connection.exec_driver_sql(statement)


for _table in (RegistryEntry.__table__, RegistryNode.__table__, RegistryHead.__table__):
    sa_event.listen(_table, "after_create", _registry_ddl)


class LiveStamp(db.Model):
    """A version per event (scope_id = event id) and for the whole platform (scope_id 0).

    Bumped by app.services.live.stamps.bump whenever a board, a total or a dashboard
    may change; live fragments use it as their ETag and answer 304 from it alone.
    """
    __tablename__ = "live_stamp"
    scope_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class CertificateImage(db.Model):
    """A rendered certificate PNG, shared by every app server (app.services.certificates.images)."""
    __tablename__ = "certificate_image"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    shape: Mapped[str] = mapped_column(String(20), primary_key=True)  # shape:language
    version: Mapped[str] = mapped_column(String(40))  # images.version: everything that draws its pixels
    png: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# The money models live in models/money.py (this file stays under 600 lines); re-exported here.
from .money import (  # noqa: E402
    SPLIT_STATUSES,
    OwnerSplit,
    PaymentAttempt,
    PayoutAccount,
    SponsorCode,
    SponsorPool,
)

__all__ = [
    "SPLIT_STATUSES", "OwnerSplit", "PaymentAttempt", "PayoutAccount", "SponsorCode", "SponsorPool", "utcnow",
]
