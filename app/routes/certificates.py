"""Public certificate pages and their images."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, make_response, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..models import Certificate, Order, Participant
from ..services import names, payments
from ..services.certificates import content, images
from ..services.live import boards
from ..services.register import registry
from ..services.sales import splits
from ..web import i18n, live, public_url
from ..web.htmx import render
from ..web.participants import current_participant, participant_token
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


@bp.get("/c/<token>")
def show(token: str):
    """The public page that proves a certificate: order, serials, project."""
    in_wechat = is_wechat(request.user_agent.string)
    # The page is the same for everyone but its buyer (a link shared in a chat, opened by many phones): kept
    # for a second under the event's stamp, which a payment, a hidden name or a revocation bumps.
    event_id, buyer = _event_of(token)
    visitor = participant_token()
    mine = visitor is not None and buyer is not None and hmac.compare_digest(visitor, buyer)
    copy, shared = live.shared_view("certificate", event_id, in_wechat, mine, token=False)
    if copy is not None:
        return copy
    cert = by_token(token)
    order = cert.order
    return live.keep_shared_view(render(
        "certificates/show.html",
        in_wechat=in_wechat,
        mine=mine,
        cert=content.build(cert, public_url, names_language=str(get_locale() or "en")),
        entry=registry.entry_for(db.session, cert.id, "retire"),
        rank=boards.rank_of_order(db.session, order),
        money_to=money_to_owner(order),
    ), shared)


def _event_of(token: str) -> tuple[int, str | None]:
    """The event and the buyer's participant token of the certificate at this token (neither ever
    changes), remembered per process; 404 if none."""
    known = current_app.extensions.setdefault("certificate_events", {})
    found = known.get(token)
    if found is None:
        if 16 <= len(token) <= 64:
            found = db.session.execute(
                select(Order.event_id, Participant.token).join(Certificate, Certificate.order_id == Order.id)
                .outerjoin(Participant, Participant.id == Order.participant_id)
                .where(Certificate.token == token)).one_or_none()
        if found is None:
            raise UnknownCertificate()
        if len(known) > 10_000:
            known.clear()
        known[token] = found = (found[0], found[1])
    return found


@bp.get("/my/certificates")
def mine():
    """This browser's certificates (its participant cookie; no account): the way back for a returning
    visitor. Private to the browser, so never stored by a shared cache."""
    participant = current_participant()
    owned = (content.of_participant(db.session, participant.id, str(get_locale() or "en"))
             if participant is not None else [])
    response = make_response(render("certificates/mine.html", owned=owned))
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def money_to_owner(order) -> dict:
    """Where the buyer's money went: the owner's share, and the provider's split once it is made."""
    split = splits.of_order(db.session, order.id)
    shown_in = str(get_locale() or "en")
    return {"share": order.owner_minor, "owner": names.pick(order.project.owner, "name", shown_in),
            "project": names.pick(order.project, "name", shown_in),
            "split": split if split is not None and split.status == "done" else None,
            "provider": payments.get(split.provider).title if split is not None else ""}


def png(cert: Certificate, shape: str) -> Response:
    # Drawn in the language of the checkout, or the one asked for with ?lang= (the page asks for its own).
    language = i18n.normalize(request.args.get("lang")) or cert.language
    facts = content.build(cert, public_url, language)
    # The image's version (its drawing, fonts, words and data) is in the validator: after a deploy that
    # changes the drawing, a cache revalidating gets the new picture, not a 304 for the old one.
    etag = f"{cert.token}-{shape}-{cert.status}-{language}-{images.version(facts.artwork())[:16]}"
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    # Read only: the image was stored when the certificate was issued (images.py says when it is drawn here).
    body = images.png(db.session, facts, shape)
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
