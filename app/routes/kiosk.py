"""The venue kiosk: a shared touch screen that keeps nothing. Its home shows the
event's live totals and board; a finger-first calculator starts the order through
the checkout service; the handoff page hands the order to the visitor's own phone
(a QR code of a random single-use link, handoffs.start_at_kiosk) and celebrates once it is paid.

The kiosk sets no cookie (no session, no CSRF token, no participant, no language
cookie): its form posts are exempt from CSRF like the JSON API and rate limited
like it; the walk-up visitor's language travels in the URL (?lang=) and the idle
reset returns to the event's language. The phone side (/k/<token>) is an ordinary
page: it takes the name and consent, adopts the order's participant and pays. The
first phone to send it claims the order; any other phone is refused, and the link is
dead once the order is paid. Kiosk and phone address the order only by the token.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from ..extensions import csrf, db, limiter
from ..models import Event, Order, Project, utcnow
from ..services import integers, payments
from ..services.certificates import posters
from ..services.footprint import kiosk, places
from ..services.live import boards, schedule
from ..services.sales import checkout, ledger, money, orders, paying
from ..services.sales import handoff as handoffs  # the view named handoff is the kiosk page
from ..web import checkout_settings, client_key, htmx, http_error_message, i18n, live_event, outage, public_url
from ..web.calculator_form import quote_for
from ..web.forms import error_message
from ..web.htmx import redirect_to, render
from ..web.limits import per_venue
from ..web.participants import adopt_participant, current_participant

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
    down = outage.is_outage(exc)
    if down:
        outage.prepare_page(exc)
        exc = ServiceUnavailable()
    elif not isinstance(exc, HTTPException):
        current_app.logger.exception("Unhandled kiosk error")
        db.session.rollback()
        exc = InternalServerError()
    slug = (request.view_args or {}).get("slug")
    back = url_for("kiosk.home", slug=slug) if slug else url_for("public.home")
    response = render("kiosk/error.html", status=exc.code or 500, code=exc.code,
                      message=http_error_message(exc), back=back)  # in the kiosk's language (i18n.select_locale)
    return outage.retry_after(response) if down else response


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
    keep = {k: v for k, v in source.items() if k in ("mode", "from", "return", "nights", "km", "project", "q")}
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
    """The kiosk's home: live totals and board, and the way in (none once the event is archived)."""
    event = live_event(slug)
    return kiosk_page("kiosk/home.html", event, block="live", totals=boards.event_totals(db.session, event.id),
                      board=boards.event_board(db.session, event.id, limit=6), open=kiosk.takes_walkups(event),
                      ended=schedule.ended(event, utcnow().date()))


def closed(event: Event):
    """An archived event's kiosk takes no walk-ups: its pages send them home, which says so."""
    return redirect_to(url_for("kiosk.home", slug=event.slug, **kiosk_lang_args(event)))


@bp.get("/kiosk/<slug>/calculate")
def calculate(slug: str):
    """The walk-up calculator: tiles, an on-screen search, a stepper; total and price as they change."""
    event = live_event(slug)
    if not kiosk.takes_walkups(event):
        return closed(event)
    walkup = kiosk.parse(request.args)
    query = "".join(ch for ch in request.args.get("q", "").upper() if ch in KEYS + " ")[:20]
    return kiosk_page("kiosk/calculate.html", event, **walkup_context(event, walkup), query=query,
                      searching="q" in request.args, keys=KEYS,
                      found=places.search(query.strip(), limit=5) if len(query.strip()) >= 2 else [])


def walkup_context(event: Event, walkup: kiosk.Walkup, source=None) -> dict:
    """The walk-up calculator's view: its one calculation (the quote the order takes), the projects
    that can be bought (the chosen one, else the first), and links that change one choice."""
    source = request.args if source is None else source
    quote = quote_for(event, kiosk.engine_input(event, walkup))
    error = quote.error.message if quote.error is not None else None
    local = kiosk.is_local(event, walkup)
    if local and walkup.mode and walkup.mode not in kiosk.LOCAL_MODES:
        error = _("Within the city, choose the metro, a bus, a taxi, a car, a bike or walking.")
    offers = [o for o in quote.offers if o["available"]] if quote.kg else []
    chosen = integers.id_or_none(source.get("project"))
    offer = next((o for o in offers if o["project"].id == chosen), offers[0] if offers else None)
    lang = kiosk_language(event)
    lang_args = {} if lang == event.language else {"lang": lang}
    project_args = {"project": offer["project"].id} if offer is not None and chosen else {}

    def to(q: str | None = None, project: int | None = None, **changes) -> str:
        """The calculator with one choice changed (`q`, even empty, opens the on-screen search)."""
        return url_for("kiosk.calculate", slug=event.slug, **walkup.args(**changes), **lang_args,
                       **({"project": project} if project else project_args), **({} if q is None else {"q": q}))

    return dict(walkup=walkup, quote=quote, result=quote.result, kg=quote.kg, offer=offer, offers=offers,
                error=error, modes=kiosk.MODES, local_modes=kiosk.LOCAL_MODES, to=to, origins=kiosk.origins(event),
                venue=kiosk.venue(event), local=local, typical_km=kiosk.TYPICAL_KM, max_km=kiosk.MAX_LOCAL_KM,
                max_nights=kiosk.MAX_NIGHTS)


@bp.post("/kiosk/<slug>/order")
@csrf.exempt
@per_venue(limiter)  # a kiosk keeps no cookie: its walk-ups count only at venue scale
def order(slug: str):
    """Start the walk-up visitor's order (through the checkout service) and hand it to their phone."""
    event = live_event(slug)
    if not kiosk.takes_walkups(event):
        return closed(event)
    context = walkup_context(event, kiosk.parse(request.form), request.form)
    project_id = integers.id_or_none(request.form.get("project"))
    project = db.session.get(Project, project_id) if project_id else None
    req = checkout.OrderRequest(kind="kiosk", event=event, project=project, quote=context["quote"],
                                participant=handoffs.kiosk_participant(db.session), language=kiosk_language(event),
                                client_key=client_key(), user_agent=request.user_agent.string)
    try:
        started = handoffs.start_at_kiosk(db.session, checkout_settings(), req)
    except (checkout.NothingToBuy, checkout.NoProject):  # nothing chosen yet, or no such project
        return kiosk_page("kiosk/calculate.html", event, status=422, query="", found=[], keys=KEYS,
                          searching=False, **context)
    except (orders.OrderError, ledger.LedgerError) as exc:  # sold out, or a hold rule (cap, share)
        return kiosk_page("kiosk/calculate.html", event, status=422, query="", found=[], keys=KEYS,
                          searching=False, **(context | {"error": error_message(exc)}))
    return redirect_to(url_for("kiosk.handoff", slug=slug, token=started.handoff_token,
                               **({"lang": req.language} if req.language != event.language else {})))


@bp.get("/kiosk/<slug>/handoff/<token>")
def handoff(slug: str, token: str):
    """"Pay": a wallet's payment code to scan (WeChat Pay Native, Alipay precreate) where the server
    takes wallets, and the order's phone link (card, a name on the board); it watches the order and
    celebrates once paid."""
    event, found = handoff_at(slug, token)
    found = checkout.refresh_from_provider(db.session, checkout_settings(), found.public_id)
    waiting = checkout.payable(found)
    seen = "claimed" if found.handoff_claimed_at is not None else "open"
    if htmx.is_htmx() and (not waiting or request.args.get("seen", seen) != seen):
        response = htmx.client_redirect(request.full_path)
        response.headers["HX-Refresh"] = "true"  # the celebration (or the lapse) is a page of its own
        return response
    if htmx.is_htmx():
        return "", 204  # nothing changed: the codes on the screen stay as they are
    return kiosk_page("kiosk/handoff.html", event, block="watch", order=found, waiting=waiting, token=token,
                      seen=seen, idle=current_app.config["KIOSK_IDLE_SECONDS"] * (3 if waiting else 1),
                      **handoff_codes(found, token))


@bp.post("/kiosk/<slug>/handoff/<token>/with/<provider>")
@csrf.exempt  # the kiosk keeps no cookie; the random token in the path is the capability
def handoff_with(slug: str, token: str, provider: str):
    """Show another wallet's code instead (the open one is closed first)."""
    event, found = handoff_at(slug, token)
    if checkout.payable(found) and found.handoff_claimed_at is None and provider in wallet_names(found):
        try:
            paying.payment_link(db.session, checkout_settings(), found, KIOSK_PAYER, provider)
        except payments.PaymentError:
            current_app.logger.exception("Could not open a %s payment at the kiosk", provider)
    return redirect_to(url_for("kiosk.handoff", slug=slug, token=token, **kiosk_lang_args(event)))


@bp.post("/kiosk/<slug>/handoff/<token>/cancel")
@csrf.exempt  # the kiosk keeps no cookie; the random token in the path is the capability
def handoff_cancel(slug: str, token: str):
    """"Cancel": close the open wallet payment and release the held credits now (unless a phone has
    the order or it was paid meanwhile), then go home."""
    event, found = handoff_at(slug, token)
    try:
        handoffs.cancel_at_kiosk(db.session, checkout_settings(), found)
    except payments.PaymentError:  # the provider did not answer: the hold lapses on its own
        db.session.rollback()
        current_app.logger.exception("Could not close the payment of a cancelled kiosk order")
    return redirect_to(url_for("kiosk.home", slug=slug, **kiosk_lang_args(event)))


KIOSK_PAYER = payments.Payer(device=payments.KIOSK)


def handoff_at(slug: str, token: str) -> tuple[Event, Order]:
    event = live_event(slug)
    found = handoffs.handoff_order(db.session, token)
    if found is None or found.event_id != event.id:
        abort(404)
    return event, found


def kiosk_lang_args(event: Event) -> dict:
    lang = kiosk_language(event)
    return {} if lang == event.language else {"lang": lang}


def wallet_names(found: Order) -> list[str]:
    """The wallets whose codes the kiosk can show for the order (best first)."""
    return [o.name for o in paying.payment_options(checkout_settings(), found, KIOSK_PAYER) if o.qr]


def handoff_codes(found: Order, token: str) -> dict:
    if found.status == "paid" and found.certificate:
        return {"certificate_qr": qr(public_url("certificates.show", token=found.certificate.token))}
    if found.handoff_claimed_at is not None:  # a phone has it: no code left to scan
        return {"claimed": True}
    codes = {"phone_qr": qr(public_url("kiosk.phone", token=token)),
             "amount": money.format_money(found.amount_minor, found.currency)}
    wallets = wallet_names(found)
    if wallets and checkout.payable(found):
        shown = found.provider if found.provider in wallets and found.payment_ref else wallets[0]
        try:
            opened = paying.payment_link(db.session, checkout_settings(), found, KIOSK_PAYER, shown)
        except payments.PaymentError:
            current_app.logger.exception("Could not open a %s payment at the kiosk", shown)
            opened = None
        if opened is not None and opened.qr:
            codes.update(wallet_qr=qr(opened.qr), wallet=payments.get(shown),
                         other_wallets=[payments.get(name) for name in wallets if name != shown])
    return codes


# --------------------------------------------------------------------------
# The phone side of the handoff: an ordinary page, on the visitor's own phone
# --------------------------------------------------------------------------

def handoff_or_404(token: str) -> Order:
    found = handoffs.handoff_order(db.session, token)
    if found is None:
        abort(404)
    return found


def this_phone() -> int | None:
    """The participant this phone holds (the one it adopted when it claimed an order), if any."""
    participant = current_participant()
    return participant.id if participant else None


# A refused phone sees why: 409 when another phone has the order, 410 when the link is dead.
REFUSED_STATUS = {"taken": 409, "paid": 410, "lapsed": 410}


def phone_page(found: Order, state: str, errors: dict | None = None, status: int | None = None):
    return render("kiosk/phone.html", status=status or REFUSED_STATUS.get(state, 200), order=found, state=state,
                  errors=errors or {}, amount=money.format_money(found.amount_minor, found.currency))


@bp.get("/k/<token>")
def phone(token: str):
    """The kiosk order on the visitor's phone: add a name and consent, then pay."""
    found = handoff_or_404(token)
    state = handoffs.handoff_state(found, this_phone())
    if state == "paid" and found.participant_id == this_phone():
        return redirect_to(url_for("checkout.order_status", public_id=found.public_id,  # the payer's own order
                                   lang=str(get_locale())))
    return phone_page(found, state)


@bp.post("/k/<token>")
def phone_claim(token: str):
    """Keep the name and consent, claim the order for this phone (adopt its participant), go to pay."""
    found = handoff_or_404(token)
    try:
        handoffs.claim_handoff(db.session, found, phone_participant_id=this_phone(),
                               display_name=request.form.get("display_name"),
                               organization=request.form.get("organization"),
                               show_on_board=request.form.get("show_on_board") == "on")
    except orders.OrderError as exc:
        db.session.rollback()
        state = {"handoff_taken": "taken", "handoff_paid": "paid", "handoff_lapsed": "lapsed"}.get(exc.code, "open")
        return phone_page(found, state, errors={exc.field: error_message(exc)}, status=None if state != "open" else 422)
    adopt_participant(found.participant)
    # The phone keeps the kiosk's language (i18n.kiosk_locale): ?lang= on the next page remembers it.
    return redirect_to(url_for("checkout.pay", public_id=found.public_id, lang=str(get_locale())))


@bp.errorhandler(429)
def too_many(exc):
    """The venue's budget is spent: the walk-up keeps their answers and reads why, in their language."""
    if request.endpoint != "kiosk.order":
        return kiosk_error(exc)
    event = live_event(request.view_args["slug"])
    context = walkup_context(event, kiosk.parse(request.form), request.form)
    with force_locale(kiosk_language(event)):
        message = _("Many people are ordering at once. Wait a minute, then tap again: your answers are kept.")
    response = kiosk_page("kiosk/calculate.html", event, status=429, query="", found=[], keys=KEYS,
                          searching=False, **(context | {"error": message}))
    return response  # Flask-Limiter adds Retry-After

