"""What a certificate says, built once from its database rows.

The public page, the PNG (both shapes), the JSON API and the benches all read a
certificate through `build`: who neutralized how much, where, through which
project, with which serials, when, and the links that prove it. Nothing else
assembles these facts, so the page, the image and the API cannot disagree.

No Flask here: the caller passes `public_url(endpoint, **values)` (the web
layer's absolute URLs, as checkout.Settings does), because the link printed in
the QR code must be the same wherever the certificate is drawn.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Certificate, Event, Order
from .. import names, zones
from ..footprint import life
from ..sales.ledger import format_serial
from .artwork import CertificateData


@dataclass(frozen=True)
class SerialRange:
    batch: str  # the batch's serial prefix
    first: str  # printed serials, e.g. CDCER-2021-0000120501
    last: str
    kg: int


@dataclass(frozen=True)
class CertificateContent:
    token: str
    number: str
    status: str  # "valid" or "revoked"
    revoked_reason: str
    language: str  # the language the image is drawn in
    name: str  # as given at checkout; "" for an anonymous visitor
    organization: str
    event_slug: str
    event_name: str
    organizer: str  # the event's organization, which issues the certificate with CarbonDot
    everyday: bool  # bought on the life page: no event is printed
    kg: int  # retired, what the certificate proves
    footprint_kg: int  # what was asked (the footprint); kg may be more (a currency's minimum charge)
    project_id: int
    project_name: str
    project_standard: str
    project_kind: str
    project_place: str
    project_vintage: int
    amount_minor: int
    currency: str
    demo_payment: bool
    serials: tuple[SerialRange, ...]
    issued_at: dt.datetime  # UTC, naive as stored
    timezone: str  # the venue's IANA zone: the date printed is the venue's day (services/zones.py)
    footprint_items: tuple[dict, ...]  # how the footprint was calculated (empty without one)
    methodology: str
    page_url: str
    image_url: str
    preview_url: str
    # "Sponsored by X": an attendee's certificate paid from a sponsor's pool (sponsors.sponsor_name_of); "".
    sponsor: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def above_footprint_kg(self) -> int:
        """Kilograms retired beyond the footprint (the minimum charge bought them); 0 when none.
        The retired `kg` is the one figure the page, the image and the API lead with."""
        return max(0, self.kg - self.footprint_kg)

    def artwork(self) -> CertificateData:
        """What the image is drawn from: exactly these values, nothing else from the rows."""
        return CertificateData(
            number=self.number,
            name=self.name,
            organization=self.organization,
            event_name="" if self.everyday else self.event_name,  # never "at Life carbon footprint"
            kg=self.kg,
            project_name=self.project_name,
            project_standard=self.project_standard,
            serials=tuple(f"{s.first} \u2013 {s.last}" for s in self.serials),
            issued_on=zones.local_date(self.issued_at, self.timezone),
            url=self.page_url,
            language=self.language,
            demo=self.demo_payment,
            organizer="" if self.everyday else self.organizer,
            sponsor=self.sponsor,
        )


def build(cert: Certificate, public_url: Callable[..., str], language: str | None = None,
          names_language: str | None = None) -> CertificateContent:
    """The certificate's content, drawn in `language` (default: the language of its checkout). The
    event's and project's names are picked in `names_language` (default: that same language;
    app/services/names.py falls back to English)."""
    order = cert.order
    event, project, footprint = order.event, order.project, order.footprint
    named = names_language or language or cert.language
    return CertificateContent(
        token=cert.token,
        number=cert.number,
        status=cert.status,
        revoked_reason=cert.revoked_reason or "",
        language=language or cert.language,
        name=order.display_name or "",
        organization=order.organization or "",
        event_slug=event.slug,
        event_name=names.pick(event, "name", named),
        organizer=names.pick(event.organization, "name", named),
        everyday=event.slug == life.EVENT_SLUG,
        kg=order.credits_kg,
        footprint_kg=order.kg,
        project_id=project.id,
        project_name=names.pick(project, "name", named),
        project_standard=project.standard,
        project_kind=names.pick(project, "kind", named),
        project_place=names.pick(project, "place", named),
        project_vintage=project.vintage,
        amount_minor=order.amount_minor,
        currency=order.currency,
        demo_payment=order.provider == "demo",
        serials=tuple(
            SerialRange(
                batch=r.batch.serial_prefix,
                first=format_serial(r.batch.serial_prefix, r.first_serial),
                last=format_serial(r.batch.serial_prefix, r.last_serial),
                kg=r.kg,
            )
            for r in order.retirements
        ),
        issued_at=cert.issued_at,
        timezone=zones.zone_of(event).key,
        footprint_items=tuple(footprint.result.get("items", ())) if footprint else (),
        methodology=footprint.methodology if footprint else "",
        page_url=public_url("certificates.show", token=cert.token),
        image_url=public_url("certificates.image", token=cert.token),
        preview_url=public_url("certificates.preview", token=cert.token),
        sponsor=order.sponsor_pool.sponsor_name if order.sponsor_pool is not None and order.kind == "visitor" else "",
    )


@dataclass(frozen=True)
class Owned:
    """One line of a visitor's own certificates."""

    token: str
    number: str
    status: str
    event_name: str
    everyday: bool
    kg: int  # retired
    issued_at: dt.datetime
    timezone: str  # the event's zone, to show issued_at in


def of_participant(session: Session, participant_id: int, language: str | None = None) -> list[Owned]:
    """Every certificate a participant (one browser, no account) bought, newest first, revoked ones too;
    the event's name in `language`."""
    rows = session.execute(
        select(Certificate.token, Certificate.number, Certificate.status, Event, Event.slug, Order.credits_kg,
               Certificate.issued_at, Event.timezone, Event.country)
        .join(Order, Order.id == Certificate.order_id)
        .join(Event, Event.id == Order.event_id)
        .where(Order.participant_id == participant_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return [Owned(token, number, status, names.pick(event, "name", language), slug == life.EVENT_SLUG, int(kg),
                  issued_at, timezone or zones.default_for(country))
            for token, number, status, event, slug, kg, issued_at, timezone, country in rows]
