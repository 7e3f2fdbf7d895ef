"""What several blueprints share, in the web layer: absolute public URLs, the
payment providers' configuration, the checkout service's settings, the live-event lookup, serial ranges for
display. Route modules import this, never each other."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, jsonify, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import jobs
from ..extensions import csrf, db, login_manager
from ..models import Event
from ..services import payments
from ..services.errors import DomainError
from ..services.live import sources
from ..services.register import registry, signing
from ..services.sales import checkout


def guard(*roles: str) -> None:
    """For a blueprint's before_request: signed in, with one of `roles`, or refused."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(403, description=_("This page is for another kind of account."))


def http_error_message(exc) -> str:
    """An HTTP error's sentence for a page, from the catalogue: werkzeug's own descriptions are English, so
    only a description our code gave (already translated, e.g. abort(403, description=_(...))) is kept."""
    own = exc.description if exc.description and exc.description != type(exc).description else None
    messages = {
        400: _("We could not read that request. Go back and try again."),
        401: _("Please sign in first."),
        403: _("You may not open this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        409: _("Someone changed this at the same time. Go back and try again."),
        410: _("This link no longer works."),
        413: _("That was too much to send at once. Send less and try again."),
        415: _("We could not read that request. Go back and try again."),
        422: _("We could not use that input. Go back and check it."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again."),
        503: _("We are briefly unavailable. Please try again in a minute."),
    }
    if own and exc.code not in (404, 405, 429, 500, 503):
        return own
    return messages.get(exc.code or 500) or (_("We could not do that. Go back and try again.")
                                             if (exc.code or 500) < 500 else messages[500])


def public_url(endpoint: str, **values) -> str:
    """Absolute URL from BASE_URL (what posters and QR codes carry), else the request's host."""
    base = current_app.config["BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def payment_config() -> dict:
    """The payment providers' configuration keys (STRIPE_SECRET_KEY, ...): what the services are given."""
    return payments.settings_from(current_app.config)


def provider_notice(view):
    """A payment provider's notice endpoint (a webhook): no CSRF token, and a body in the provider's
    own format, verified by the provider's module rather than by our JSON checks (validation.py)."""
    view.provider_notice = True
    return csrf.exempt(view)


WECHAT_OPENID = "wechat_openid"  # the session key of the payer's openid (WeChat Pay JSAPI, after OAuth)


def payer(kiosk: bool = False) -> payments.Payer:
    """Who is paying from this request: the device (by the browser, or the kiosk's screen), the
    address WeChat Pay's H5 checks, and the openid WeChat's OAuth gave this browser."""
    return payments.Payer(device=payments.device_of(request.user_agent.string, kiosk),
                          client_ip=request.remote_addr or "", openid=session.get(WECHAT_OPENID, ""))


def checkout_settings() -> checkout.Settings:
    """The checkout service's settings for this app and request."""
    cfg = current_app.config
    return checkout.Settings(
        hold_minutes=cfg["HOLD_MINUTES"],
        fee_percent=cfg["PLATFORM_FEE_PERCENT"],
        max_kg=cfg["MAX_ORDER_KG"],
        visitor_max_kg=cfg["VISITOR_MAX_KG"],
        hold_share_percent=cfg["HOLD_SHARE_PERCENT"],
        hold_pool_percent=cfg["HOLD_POOL_PERCENT"],
        payment_config=payment_config(),
        public_url=public_url,
        translate=_,
        nudge_split=jobs.nudge_split,
    )


def client_key() -> str:
    """The client's address as an opaque key (a keyed hash: the address itself is never stored)."""
    address = (request.remote_addr or "").encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), address, hashlib.sha256).hexdigest()[:32]


def language() -> str:
    return str(get_locale() or "en")


def live_event(slug: str) -> Event:
    """The event a poster points at, or 404; archived events still show their page."""
    event = db.session.execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()
    if event is None or event.status == "draft":
        abort(404)
    return event


SCANNED_POSTERS = "posters"  # the session key: event id -> the poster whose QR code the visitor scanned


def remember_poster(event_id: int, poster: str) -> None:
    """Keep which poster brought this visitor to the event, for the order they start (live/sources.py)."""
    seen = dict(session.get(SCANNED_POSTERS) or {})
    seen[str(event_id)] = poster
    session[SCANNED_POSTERS] = dict(list(seen.items())[-8:])  # a few events at most: the cookie stays small


def scanned_poster(event_id: int) -> str | None:
    """The poster this visitor scanned for the event, if any."""
    return sources.poster_source((session.get(SCANNED_POSTERS) or {}).get(str(event_id)))


def register(app: Flask) -> None:
    """Request hardening for every blueprint: input checks (validation.py), and 405
    Allow, HSTS and ProxyFix (serving.py)."""
    from . import serving, validation

    validation.register(app)
    serving.register(app)


def api_error(status: int, code: str, message: str, field: str | None = None, **extra):
    return jsonify(error={"code": code, "message": message, "field": field, **extra}), status


def error_json(exc: DomainError, status: int = 422, field: str | None = None, **extra):
    """Any service refusal as the API's JSON error (what show_error is for forms)."""
    return api_error(status, exc.code, exc.message, field or exc.field, **extra)


def signing_seed() -> bytes:
    """REGISTRY_SIGNING_KEY, else (outside production) the key kept in instance/."""
    text = current_app.config.get("REGISTRY_SIGNING_KEY") or ""
    if not text:
        text = signing.kept_key(Path(current_app.instance_path) / "registry-signing-key")
    return signing.seed(text)


def origin() -> str:
    """The checkpoint's origin line: REGISTRY_ORIGIN, else BASE_URL's (or this request's) host + /registry."""
    configured = current_app.config.get("REGISTRY_ORIGIN")
    if configured:
        return configured
    base = current_app.config.get("BASE_URL") or request.host_url
    parts = urlsplit(base)
    return f"{parts.netloc}{parts.path.rstrip('/')}/registry"


def latest_checkpoint() -> registry.Checkpoint:
    return registry.checkpoint(db.session, origin(), signing_seed())
