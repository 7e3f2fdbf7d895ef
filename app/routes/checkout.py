"""Checkout: create the order (holding the credits), pay, and wait for the
confirmation. Only a confirmed payment fulfils; the return page only reads.
The order's rules live in app/services/sales/checkout.py."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from ..extensions import db, limiter
from ..models import Order, Project, utcnow
from ..services import payments
from ..services.certificates import posters
from ..services.payments import alipay, wechat_pay
from ..services.sales import checkout, ledger, money, orders, paying, sponsor_checkout, sponsors
from ..web import (
    WECHAT_OPENID,
    checkout_settings,
    client_key,
    language,
    live_event,
    payer,
    provider_notice,
    scanned_poster,
)
from ..web.calculator_form import calculate, calculator_url, page, retry_form
from ..web.forms import error_message
from ..web.htmx import redirect_to, render
from ..web.limits import per_venue, per_visitor
from ..web.participants import ensure_participant
from ..web.serving import generic_http_error

bp = Blueprint("checkout", __name__)


@bp.get("/pay/<public_id>")
def pay(public_id: str):
    """The stable payment link (kiosk QR, API `payment_url`): the ways to pay, best first. With one
    way to pay, straight to it; on a desktop the best wallet's QR code is shown at once."""
    order = order_or_404(public_id)
    if not checkout.payable(order):
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    who = payer()
    options = paying.payment_options(checkout_settings(), order, who)
    if not options or not payments.is_available(order.provider, current_app.config):
        abort(404)
    if len(options) == 1 and not options[0].qr:
        return go_pay(order, options[0], who)
    chosen = next((o for o in options if o.name == order.provider and order.payment_ref), options[0])
    code = None
    if chosen.qr:
        try:
            found = paying.payment_link(db.session, checkout_settings(), order, who, chosen.name)
        except payments.PaymentError:
            return provider_down(order)
        if found is None:
            return redirect_to(url_for("checkout.order_status", public_id=public_id))
        code = qr(found.qr or "")
    return render("checkout/pay.html", order=_read(public_id), options=options, chosen=chosen, code=code,
                  amount=money.format_money(order.amount_minor, order.currency))


@bp.post("/pay/<public_id>/with/<provider>")
def pay_with(public_id: str, provider: str):
    """The payer's choice among the ways to pay (it closes a payment opened another way first)."""
    order = order_or_404(public_id)
    if not checkout.payable(order):
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    who = payer()
    option = next((o for o in paying.payment_options(checkout_settings(), order, who) if o.name == provider), None)
    if option is None:
        abort(404)
    return go_pay(order, option, who)


def go_pay(order: Order, option: payments.Option, who: payments.Payer):
    """To the chosen way to pay; inside WeChat, by WeChat's OAuth first (JSAPI pays as an openid)."""
    if option.flow == payments.JSAPI and not who.openid:
        state = oauth_states().dumps(order.public_id)
        return redirect_to(wechat_pay.oauth_url(payments.settings_from(current_app.config),
                                                url_for("checkout.wechat_oauth", _external=True), state))
    return open_payment(order, option.name)


@bp.get("/pay/wechat/oauth")
def wechat_oauth():
    """WeChat's OAuth comes back here with a code: the payer's openid, then the JSAPI payment."""
    try:
        public_id = oauth_states().loads(request.args.get("state", ""), max_age=OAUTH_SECONDS)
    except BadData:
        abort(400, description=_("This payment link has expired. Go back and choose how to pay again."))
    order = order_or_404(public_id)
    try:
        session[WECHAT_OPENID] = wechat_pay.openid(payments.settings_from(current_app.config),
                                                   request.args.get("code", ""))
    except payments.PaymentError:
        current_app.logger.exception("WeChat OAuth failed for %s", public_id)
        return provider_down(order)
    return open_payment(order, wechat_pay.PROVIDER.name)


OAUTH_SECONDS = 600


def oauth_states() -> URLSafeTimedSerializer:
    """The OAuth round trip's state names the order, signed: nobody else's order comes back."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wechat-oauth")


def open_payment(order: Order, provider: str):
    """Open (or reopen) the order's payment through `provider` for this payer, and go to it."""
    public_id = order.public_id
    try:
        found = paying.payment_link(db.session, checkout_settings(), order, payer(), provider)
    except payments.Unavailable:
        abort(404)
    except payments.PaymentError:
        current_app.logger.exception("Could not open a %s payment for %s", provider, public_id)
        return provider_down(order)
    if found is None:
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    if found.bridge:
        others = len(paying.payment_options(checkout_settings(), order, payer())) > 1
        return render("checkout/pay.html", order=_read(public_id), bridge=found.bridge, options=[], others=others,
                      amount=money.format_money(order.amount_minor, order.currency))
    if found.qr:
        return redirect_to(url_for("checkout.pay", public_id=public_id))  # the page shows the open code
    return redirect_to(found.url or url_for(found.page, public_id=public_id))


@bp.get("/pay/<public_id>/watch")
def watch(public_id: str):
    """The pay page's live check while a code waits to be scanned: once the order is no longer
    waiting, to its status page (then the certificate); meanwhile 204 (htmx swaps nothing)."""
    order_or_404(public_id)
    order = checkout.refresh_from_provider(db.session, checkout_settings(), public_id)
    if order is not None and checkout.payable(order):
        return "", 204
    return redirect_to(url_for("checkout.order_status", public_id=public_id))


def provider_down(order: Order):
    return render("checkout/status.html", block="status", status=502, order=order, expired=False,
                  provider_down=True, retry_url=url_for("checkout.pay", public_id=order.public_id),
                  amount=money.format_money(order.amount_minor, order.currency))


def _read(public_id: str) -> Order:
    order = orders.by_public_id(db.session, public_id)
    assert order is not None  # orders are never deleted
    return order


def qr(data: str) -> dict:
    """A payment code as an inline SVG QR code (macros/qr.html)."""
    path, size = posters.qr_svg_path(data)
    return {"path": path, "size": size, "url": data}


@bp.get("/pay/<public_id>/cancel")
def cancel(public_id: str):
    """The provider's cancel URL: back from the payment page without paying."""
    order = order_or_404(public_id)
    return render("checkout/status.html", block="status", order=order, expired=False, cancelled=True,
                  retry_url=url_for("checkout.pay", public_id=public_id),
                  amount=money.format_money(order.amount_minor, order.currency))


@bp.post("/pay/wechat/notify")
@provider_notice
def wechat_notify():
    """WeChat Pay's notices: signed with its platform key, the transaction encrypted (AES-256-GCM)."""
    return wallet_notice(wechat_pay.PROVIDER)


@bp.post("/pay/alipay/notify")
@provider_notice
def alipay_notify():
    """Alipay's asynchronous notices: a form signed RSA2; it wants the word `success` back."""
    return wallet_notice(alipay.PROVIDER)


def wallet_notice(provider: payments.PaymentProvider):
    try:
        checkout.receive_notice(db.session, checkout_settings(), provider.name, request.headers, request.get_data())
    except payments.Unavailable:  # a machine asks: a JSON answer, not the visitor's error page
        return jsonify(error={"code": "not_found", "message": f"This server does not take {provider.title} "
                                                              "payments."}), 404
    except payments.BadSignature as exc:
        current_app.logger.warning("Refused a %s notice from %s: %s", provider.name, request.remote_addr, exc)
        status, body, mimetype = provider.notice_reply(False)
        return Response(body, status=status, mimetype=mimetype)
    status, body, mimetype = provider.notice_reply(True)
    return Response(body, status=status, mimetype=mimetype)


@bp.post("/stripe/webhook")
@provider_notice
def stripe_webhook():
    """Stripe's signed notices: completed, async succeeded/failed, expired."""
    try:
        status = checkout.receive_notice(db.session, checkout_settings(), "stripe", request.headers,
                                         request.get_data())
    except payments.Unavailable:
        abort(404)
    except payments.BadSignature:
        return jsonify(error={"code": "bad_signature", "message": "Signature did not verify."}), 400
    if status is None:
        return jsonify(received=True, handled=False)
    return jsonify(received=True, handled=True, status=status)


@bp.post("/e/<slug>/checkout")
@per_visitor(limiter, "CHECKOUT_RATE_LIMIT")
@per_venue(limiter)
def start(slug: str):
    """Take the page's calculation, hold the credits and send the visitor to pay."""
    event = live_event(slug)
    calc = calculate(event, request.form)
    if request.form.get("sponsor_code", "").strip():
        return redeem(event, calc)
    if calc.errors:
        return page(event, calc, status=422, block="form_body")
    request_value = checkout.OrderRequest(
        kind="visitor", event=event, quote=calc.quote,
        project=db.session.get(Project, calc.selected_project) if calc.selected_project else None,
        participant=ensure_participant(), display_name=request.form.get("display_name"),
        organization=request.form.get("organization"), show_on_board=request.form.get("show_on_board") == "on",
        language=language(), client_key=client_key(), user_agent=request.user_agent.string,
        source=scanned_poster(event.id))
    try:
        order = checkout.start(db.session, checkout_settings(), request_value)
    except checkout.NothingToBuy:
        calc.errors["legs"] = _("Add at least one trip or a hotel night to neutralize.")
        return page(event, calc, status=422, block="form_body")
    except checkout.NoProject:
        calc.errors["project"] = _("No project has enough credits left for this footprint.")
        return page(event, calc, status=422, block="form_body")
    except (orders.OrderError, ledger.LedgerError) as exc:
        calc = calculate(event, request.form)  # fresh stock after the rollback
        calc.errors[exc.field if exc.field in ("display_name", "organization") else "project"] = error_message(exc)
        return page(event, calc, status=422, block="form_body")
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))


def redeem(event, calc):
    """"Have a sponsor code?": the footprint neutralized from the sponsor's pool, no payment; the certificate.
    A bad, used or expired code, or a pool used up, says so beside the field (422) and changes nothing."""
    calc.errors.pop("project", None)  # the pool's project is the sponsor's choice
    if calc.errors:
        return page(event, calc, status=422, block="form_body")
    try:
        order = sponsor_checkout.redeem(
            db.session, checkout_settings(), event, ensure_participant(), request.form.get("sponsor_code"),
            calc.quote, display_name=request.form.get("display_name"),
            organization=request.form.get("organization"), show_on_board=request.form.get("show_on_board") == "on",
            language=language())
    except checkout.NothingToBuy:
        calc.errors["legs"] = _("Add at least one trip or a hotel night to neutralize.")
        return page(event, calc, status=422, block="form_body")
    except (orders.OrderError, sponsors.SponsorError, ledger.LedgerError) as exc:
        calc = calculate(event, request.form)
        calc.errors.pop("project", None)
        field = exc.field if exc.field in ("display_name", "organization") else "sponsor_code"
        calc.errors[field] = error_message(exc)
        return page(event, calc, status=422, block="form_body")
    assert order.certificate is not None
    return redirect_to(url_for("certificates.show", token=order.certificate.token))


@bp.get("/s/<code>")
def sponsor_code(code: str):
    """A sponsor card's QR code: the event's calculator with the code filled in (404 for an unknown code)."""
    row = sponsors.code_row(db.session, code)
    if row is None:
        abort(404)
    return redirect_to(url_for("calculator.calculate_page", slug=row.pool.order.event.slug,
                               sponsor_code=sponsors.printed(row.code)))


def order_or_404(public_id: str) -> Order:
    order = orders.by_public_id(db.session, public_id)
    if order is None:
        abort(404)
    return order


def demo_order_or_404(public_id: str) -> Order:
    """An order that pays through the demo, on a server that takes demo payments."""
    order = order_or_404(public_id)
    if order.provider != "demo" or not payments.is_available("demo", current_app.config):
        abort(404)
    return order


@bp.get("/pay/<public_id>/demo")
def demo_page(public_id: str):
    """The clearly labelled demo payment page (only on a server with no payment provider configured)."""
    order = demo_order_or_404(public_id)
    if order.status != "pending":
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    return render("checkout/demo.html", order=order)


@bp.post("/pay/<public_id>/demo")
def demo_pay(public_id: str):
    """Confirm or fail a demo payment through the same fulfilment as real ones."""
    order = demo_order_or_404(public_id)
    outcome = request.form.get("outcome")
    if outcome not in ("paid", "failed"):
        abort(400)
    try:
        checkout.apply_demo_outcome(db.session, checkout_settings(), order, outcome)
    except payments.Unavailable:
        abort(404)
    return redirect_to(url_for("checkout.order_status", public_id=public_id))


@bp.get("/orders/<public_id>")
def order_status(public_id: str):
    """The return page: waits live until the payment is confirmed."""
    order_or_404(public_id)
    order = checkout.refresh_from_provider(db.session, checkout_settings(), public_id)
    if order.status == "paid" and order.certificate:
        return redirect_to(url_for("certificates.show", token=order.certificate.token))
    if order.status == "paid" and order.kind == "sponsor":  # its codes, on the organizer's sponsors page
        return redirect_to(url_for("organizer.sponsors", event_id=order.event_id))
    expired = order.status == "pending" and order.hold_expires_at <= utcnow()
    return render(
        "checkout/status.html",
        block="status",
        order=order,
        expired=expired,
        retry_url=calculator_url(order.event.slug, retry_form(order)),
        amount=money.format_money(order.amount_minor, order.currency),
    )


@bp.errorhandler(429)
def too_many(exc):
    """A rate limit at the checkout keeps the visitor's form and says so in their language."""
    if request.endpoint != "checkout.start":
        return generic_http_error(exc)
    event = live_event(request.view_args["slug"])
    calc = calculate(event, request.form)
    calc.errors["project"] = _("Many checkouts are coming from here right now. Wait a minute, then tap "
                               "the button again: your answers are kept.")
    return page(event, calc, status=429, block="form_body")  # Flask-Limiter adds Retry-After
