"""Public certificate pages and their images."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..models import Certificate
from ..services.certificates import artwork as certs
from ..services.certificates import images
from ..services.footprint import life
from ..services.live import boards
from ..services.register import registry
from ..web import i18n, public_url, serial_ranges
from ..web.htmx import render
from ..web.participants import current_participant
from ..web.user_agents import is_wechat

bp = Blueprint("certificates", __name__)


class UnknownCertificate(NotFound):
    """No certificate at this token: said plainly, not as a generic 404."""


@bp.errorhandler(UnknownCertificate)
def unknown_certificate(_exc):
    return render("public/error.html", status=404, code=404, message=_(
        "No certificate exists at this link. Check that it was copied whole: certificate links are long on "
        "purpose, so that nobody can guess them."))


def by_token(token: str) -> Certificate:
    cert = None
    if 16 <= len(token) <= 64:
        cert = db.session.execute(select(Certificate).where(Certificate.token == token)).scalar_one_or_none()
    if cert is None:
        raise UnknownCertificate()
    return cert


def certificate_data(cert: Certificate, language: str | None = None) -> certs.CertificateData:
    order = cert.order
    return certs.CertificateData(
        number=cert.number,
        name=order.display_name,
        organization=order.organization,
        event_name="" if order.event.slug == life.EVENT_SLUG else order.event.name,  # not "at Life carbon footprint"
        kg=order.credits_kg,
        project_name=order.project.name,
        project_standard=order.project.standard,
        serials=tuple(f"{s['first']} – {s['last']}" for s in serial_ranges(cert)),
        issued_on=cert.issued_at.date(),
        url=public_url("certificates.show", token=cert.token),
        language=language or cert.language,
    )


@bp.get("/c/<token>")
def show(token: str):
    """The public page that proves a certificate: order, serials, project."""
    cert = by_token(token)
    order = cert.order
    participant = current_participant()
    return render(
        "certificates/show.html",
        in_wechat=is_wechat(request.user_agent.string),
        mine=participant is not None and participant.id == order.participant_id,
        everyday=order.event.slug == life.EVENT_SLUG,
        cert=cert,
        order=order,
        serials=serial_ranges(cert),
        entry=registry.entry_for(db.session, cert.id, "retire"),
        rank=boards.rank_at_event(db.session, order.event_id, order.participant_id),
        page_url=public_url("certificates.show", token=token),
        image_url=public_url("certificates.image", token=token),
        preview_url=public_url("certificates.preview", token=token),
    )


def png(cert: Certificate, shape: str) -> Response:
    # Drawn in the language of the checkout, or the one asked for with ?lang= (the page asks for its own).
    language = i18n.normalize(request.args.get("lang")) or cert.language
    etag = f"{cert.token}-{shape}-{cert.status}-{language}"
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    body = images.png(db.session, cert.token, cert.status, certificate_data(cert, language), shape)
    db.session.commit()  # a new render is stored for every server
    response = Response(body, mimetype="image/png")
    response.set_etag(etag)
    # A certificate never changes once issued (revocation changes the ETag).
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/c/<token>.png")
def image(token: str):
    """The portrait certificate image for feeds and chats."""
    return png(by_token(token), "portrait")


@bp.get("/c/<token>/preview.png")
def preview(token: str):
    """The wide image for link previews."""
    return png(by_token(token), "wide")
