"""The event report for the organizer's page, its PDF and the public summary: one
`report.EventReport` from the service, with this site's register checkpoint and
addresses, and the PDF in the event's own language."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, utcnow
from ..services.certificates import posters
from ..services.footprint import event_estimate
from ..services.live import report, report_pdf
from ..services.sales import sponsors
from . import latest_checkpoint, public_url, template_helpers


def site_url() -> str:
    """This site's address, as the register's verifier is given it."""
    return (current_app.config.get("BASE_URL") or request.host_url).rstrip("/")


def estimate(event: Event) -> list[report.EstimateLine]:
    """The organizer's estimate by category, labels in the current language."""
    return [report.EstimateLine(label=_(line.label), kg=line.kg, source=template_helpers.factor_sources(line))
            for line in event_estimate.estimate_lines(db.session, event)]


def sponsor_lines(event: Event) -> list[report.SponsorLine]:
    """What each sponsor's pool neutralized: attendees' redemptions and a kept balance."""
    return [report.SponsorLine(name=line.pool.sponsor_name, kg=line.redeemed_kg + line.kept_kg)
            for line in sponsors.pools_of_event(db.session, event.id)]


def build(event: Event) -> report.EventReport:
    """The report as of now."""
    checkpoint = latest_checkpoint()
    return report.build(
        db.session, event, checkpoint_origin=checkpoint.body.decode().split("\n", 1)[0],
        checkpoint_size=checkpoint.size, checkpoint_root_hex=checkpoint.root.hex(),
        public_url=public_url("public.event", slug=event.slug), site_url=site_url(), now=utcnow(),
        estimate=estimate(event), sponsors=sponsor_lines(event), language=str(get_locale() or event.language))


def pdf(event: Event) -> bytes:
    """The report's PDF, every text in the event's language."""
    with force_locale(event.language):
        data = build(event)
        formats = report_pdf.Formats(tonnes=template_helpers.tonnes, kg=template_helpers.kg,
                                     money=template_helpers.money, day=template_helpers.day,
                                     moment=lambda value: template_helpers.local(value, event))
        return report_pdf.render(data, _, formats)


def qr(url: str) -> dict:
    """The public page's QR code as an SVG path, for the report page."""
    path, size = posters.qr_svg_path(url)
    return {"path": path, "size": size}
