"""The venue kiosk: a shared touch screen that keeps nothing. Its home shows the
event's live totals and board; a finger-first calculator starts the order through
the checkout service; the handoff page hands the order to the visitor's own phone
(a QR code of an unguessable link) and celebrates once it is paid.

The kiosk sets no cookie (no session, no CSRF token, no participant, no language
cookie): its form posts are exempt from CSRF like the JSON API and rate limited
like it; the walk-up visitor's language travels in the URL (?lang=) and the idle
reset returns to the event's language. The phone side (/k/<token>) is an ordinary
page: it takes the name and consent, adopts the order's participant and pays.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import csrf, db, limiter
from ..models import Event, Order, Project
from ..services import footprint
from ..services.certificates import posters
from ..services.footprint import kiosk, places
from ..services.live import boards
from ..services.sales import checkout, ledger, money, orders
from ..web import checkout_settings, client_key, htmx, i18n, live_event, public_url
from ..web.calculator_form import offers_for
from ..web.forms import error_message
from ..web.htmx import redirect_to, render
from ..web.participants import adopt_participant

bp = Blueprint("kiosk", __name__)

KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


PHONE_ENDPOINTS = ("kiosk.phone", "kiosk.phone_claim")  # the visitor's own phone: an ordinary page


@bp.after_request
def keep_nothing(response):
    """No kiosk response sets a cookie: the session is never saved (a CSRF token or a login would
    set it) and any other Set-Cookie is dropped. The phone's pages are ordinary pages."""
    if request.endpoint not in PHONE_ENDPOINTS:
        session.modified = False
        response.headers.remove("Set-Cookie")
    return response


@bp.errorhandler(Exception)
def kiosk_error(exc: Exception):
    """Kiosk errors on a page of their own: the site's error page carries a CSRF token (a session cookie)."""
    if not isinstance(exc, HTTPException):
        current_app.logger.exception("Unhandled kiosk error")
        db.session.rollback()
        exc = InternalServerError()
    messages = {404: _("We could not find that page."),
                429: _("Too many requests. Please wait a moment and try again."),
                500: _("Something went wrong on our side. Please try again.")}
    slug = (request.view_args or {}).get("slug")
    back = url_for("kiosk.home", slug=slug) if slug else url_for("public.home")
    return render("kiosk/error.html", status=exc.code or 500, code=exc.code,
                  message=messages.get(exc.code, exc.description), back=back)


def kiosk_language(event: Event) -> str:
    """The walk-up visitor's language (?lang=), else the event's."""
    chosen = request.args.get("lang") or request.form.get("lang")
    return chosen if chosen in current_app.config["LANGUAGES"] else event.language


def kiosk_page(template: str, event: Event, block=None, status: int = 200, idle: int | None = None, **context):
    """Render a kiosk page in the visitor's language, with what every kiosk page needs."""
    lang = kiosk_language(event)
    lang_args = {} if lang == event.language else {"lang": lang}
    idle = idle or current_app.config["KIOSK_IDLE_SECONDS"]
    with force_locale(lang):
        response = render(template, block=block, status=status, event=event, lang=lang, lang_args=lang_args,
                          languages=switch_urls(event), idle=idle, home=url_for("kiosk.home", slug=event.slug),
                          **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def switch_urls(event: Event) -> dict[str, tuple[str, str]]:
    """Each language's name and this page in it (a form post's page is the calculator)."""
    get = request.method == "GET"
    source = request.args if get else request.form
    keep = {k: v for k, v in source.items() if k in ("mode", "from", "return", "nights", "q")}
    endpoint, view_args = ((request.endpoint, request.view_args or {}) if get
                           else ("kiosk.calculate", {"slug": event.slug}))
    return {lang.code: (lang.name, url_for(endpoint, **view_args, **keep,
                                           **({} if lang.code == event.language else {"lang": lang.code})))
            for lang in i18n.offered()}


def qr(url: str) -> dict:
    path, size = posters.qr_svg_path(url)
    return {"path": path, "size": size, "url": url, "readable": posters.readable_url(url)}


@bp.get("/kiosk/<slug>")
def home(slug: str):
    """The kiosk's home: live totals and board, and the way in."""
    event = live_event(slug)
    return kiosk_page("kiosk/home.html", event, block="live", totals=boards.event_totals(db.session, event.id),
                      board=boards.event_board(db.session, event.id, limit=6))


@bp.get("/kiosk/<slug>/calculate")
def calculate(slug: str):
    """The walk-up calculator: tiles, an on-screen search, a stepper; total and price as they change."""
    event = live_event(slug)
    walkup = kiosk.parse(request.args)
    query = "".join(ch for ch in request.args.get("q", "").upper() if ch in KEYS + " ")[:20]
    return kiosk_page("kiosk/calculate.html", event, **walkup_context(event, walkup), query=query,
                      searching="q" in request.args, keys=KEYS,
                      found=places.search(query.strip(), limit=5) if len(query.strip()) >= 2 else [])


def walkup_context(event: Event, walkup: kiosk.Walkup) -> dict:
    try:
        result, error = kiosk.estimate(event, walkup), None
    except footprint.FootprintError as exc:
        result, error = None, exc.message
    kg = money.kg_to_buy(result.total_kg) if result and result.total_kg > 0 else 0
    offer = next((o for o in offers_for(event, kg) if o["available"]), None) if kg else None
    lang = kiosk_language(event)
    lang_args = {} if lang == event.language else {"lang": lang}

    def to(q: str | None = None, **changes) -> str:
        """The calculator with one choice changed (`q`, even empty, opens the on-screen search)."""
        return url_for("kiosk.calculate", slug=event.slug, **walkup.args(**changes), **lang_args,
                       **({} if q is None else {"q": q}))

    return dict(walkup=walkup, result=result, kg=kg, offer=offer, error=error, modes=kiosk.MODES, to=to,
                origins=kiosk.origins(event), max_nights=kiosk.MAX_NIGHTS)


@bp.post("/kiosk/<slug>/order")
@csrf.exempt
@limiter.limit(lambda: current_app.config["API_WRITE_RATE_LIMIT"])
def order(slug: str):
    """Start the walk-up visitor's order (through the checkout service) and hand it to their phone."""
    event = live_event(slug)
    context = walkup_context(event, kiosk.parse(request.form))
    project = db.session.get(Project, int(request.form.get("project", "0") or 0)) \
        if (request.form.get("project") or "").isdigit() else None
    if not context["kg"] or project is None:
        return kiosk_page("kiosk/calculate.html", event, status=422, query="", found=[], keys=KEYS,
                          searching=False, **context)
    req = checkout.OrderRequest(kind="kiosk", event=event, project=project,
                                participant=checkout.kiosk_participant(db.session), footprint=context["result"],
                                footprint_inputs=kiosk.engine_input(event, context["walkup"]),
                                language=kiosk_language(event), client_key=client_key())
    try:
        started = checkout.start(db.session, checkout_settings(), req)
    except (orders.OrderError, ledger.LedgerError) as exc:  # sold out, or a hold rule (cap, share)
        return kiosk_page("kiosk/calculate.html", event, status=422, query="", found=[], keys=KEYS,
                          searching=False, **(context | {"error": error_message(exc)}))
    return redirect_to(url_for("kiosk.handoff", slug=slug, public_id=started.public_id,
                               **({"lang": req.language} if req.language != event.language else {})))


@bp.get("/kiosk/<slug>/handoff/<public_id>")
def handoff(slug: str, public_id: str):
    """"Pay on your phone": the order's QR code; it watches the order and celebrates once paid."""
    event = live_event(slug)
    found = checkout.refresh_from_provider(db.session, checkout_settings(), public_id)
    if found is None or found.event_id != event.id:
        abort(404)
    waiting = checkout.payable(found)
    if htmx.is_htmx() and not waiting:
        response = htmx.client_redirect(request.full_path)
        response.headers["HX-Refresh"] = "true"  # the celebration (or the lapse) is a page of its own
        return response
    return kiosk_page("kiosk/handoff.html", event, block="watch", order=found, waiting=waiting,
                      idle=current_app.config["KIOSK_IDLE_SECONDS"] * (3 if waiting else 1), **handoff_codes(found))


def handoff_codes(found: Order) -> dict:
    if found.status == "paid" and found.certificate:
        return {"certificate_qr": qr(public_url("certificates.show", token=found.certificate.token))}
    phone_url = public_url("kiosk.phone", token=checkout.handoff_token(current_app.config["SECRET_KEY"], found))
    return {"phone_qr": qr(phone_url), "amount": money.format_money(found.amount_minor, found.currency)}


# --------------------------------------------------------------------------
# The phone side of the handoff: an ordinary page, on the visitor's own phone
# --------------------------------------------------------------------------

def handoff_or_404(token: str) -> Order:
    found = checkout.handoff_order(db.session, current_app.config["SECRET_KEY"], token[:80])
    if found is None:
        abort(404)
    return found


@bp.get("/k/<token>")
def phone(token: str):
    """The kiosk order on the visitor's phone: add a name and consent, then pay."""
    found = handoff_or_404(token)
    if found.status == "paid":
        return redirect_to(url_for("checkout.order_status", public_id=found.public_id))
    lapsed = not checkout.payable(found)
    return render("kiosk/phone.html", status=410 if lapsed else 200, order=found, lapsed=lapsed, errors={},
                  amount=money.format_money(found.amount_minor, found.currency))


@bp.post("/k/<token>")
def phone_claim(token: str):
    """Keep the name and consent, adopt the order's participant on this phone, go to pay."""
    found = handoff_or_404(token)
    try:
        checkout.claim_handoff(db.session, found, display_name=request.form.get("display_name"),
                               organization=request.form.get("organization"),
                               show_on_board=request.form.get("show_on_board") == "on")
    except orders.OrderError as exc:
        db.session.rollback()
        lapsed = exc.code == "handoff_lapsed"
        return render("kiosk/phone.html", status=410 if lapsed else 422, order=found, lapsed=lapsed,
                      errors={exc.field: error_message(exc)},
                      amount=money.format_money(found.amount_minor, found.currency))
    adopt_participant(found.participant)
    return redirect_to(url_for("checkout.pay", public_id=found.public_id))
