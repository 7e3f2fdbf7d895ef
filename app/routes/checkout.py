"""Checkout: create the order (holding the credits), pay, and wait for the
confirmation. Only a confirmed payment fulfils; the return page only reads."""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import csrf, db, limiter
from ..htmx import redirect_to, render
from ..models import Footprint, Order, Project, utcnow
from ..participants import ensure_participant
from ..services import footprint, ledger, money, orders, payments
from .calculator import calculate, page
from .public import live_event

bp = Blueprint("checkout", __name__)


def order_settings() -> orders.Settings:
    cfg = current_app.config
    return orders.Settings(
        hold_minutes=cfg["HOLD_MINUTES"], fee_percent=cfg["PLATFORM_FEE_PERCENT"], max_kg=cfg["MAX_ORDER_KG"]
    )


def demo_mode() -> bool:
    return not current_app.config["STRIPE_SECRET_KEY"]


def save_footprint(result: footprint.FootprintResult, data: dict, participant_id: int | None, event_id: int):
    row = Footprint(
        participant_id=participant_id,
        event_id=event_id,
        inputs=data,
        result=result.to_dict(),
        total_kg=result.total_kg.quantize(Decimal("0.001")),
        methodology=result.methodology,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


STRIPE_GRACE = dt.timedelta(minutes=5)  # a payment finished at the last second still finds its hold


def stripe_config() -> payments.StripeConfig:
    cfg = current_app.config
    return payments.StripeConfig(cfg["STRIPE_SECRET_KEY"], cfg["STRIPE_WEBHOOK_SECRET"], cfg["STRIPE_API_BASE"])


def stripe_checkout_url(order: Order) -> str:
    """The order's hosted Checkout page, created once (idempotent per order).

    No transaction stays open across a call to Stripe: on SQLite that would
    hold the database's write lock for the length of a network round trip.
    """
    from .certificates import public_url

    cfg = stripe_config()
    public_id, payment_ref = order.public_id, order.payment_ref
    if payment_ref:
        db.session.commit()
        existing = payments.retrieve_session(cfg, payment_ref)
        order = orders.by_public_id(db.session, public_id)
        if existing.status == "open" and existing.url:
            return existing.url
        apply_session(order, existing)
        return url_for("checkout.order_status", public_id=public_id)
    # Stripe sessions live at least 30 minutes; the hold outlives the session a little.
    expires = int(time.time()) + max(current_app.config["HOLD_MINUTES"], 30) * 60 + 60
    params = dict(
        order_public_id=public_id,
        amount_minor=order.amount_minor,
        currency=order.currency,
        product_name=_("Carbon credits: %(t)s CO₂e from %(project)s", t=f"{order.kg / 1000:g} t",
                       project=order.project.name),
        description=_("Retired for you at %(event)s", event=order.event.name),
        success_url=public_url("checkout.order_status", public_id=public_id),
        cancel_url=public_url("checkout.cancel", public_id=public_id),
        expires_at=expires,
    )
    db.session.commit()
    session = payments.create_checkout(cfg, **params)
    order = orders.by_public_id(db.session, public_id)
    now = utcnow()
    until = now + dt.timedelta(seconds=expires - int(time.time())) + STRIPE_GRACE
    try:
        ledger.extend_hold(db.session, order, until, now)
    except ledger.LedgerError:
        # The hold lapsed and its credits went elsewhere while Stripe answered:
        # never send the visitor to pay for credits we cannot retire.
        db.session.rollback()
        return url_for("checkout.order_status", public_id=public_id)
    order.payment_ref = session.id
    db.session.commit()
    return session.url


def apply_session(order: Order, session: payments.Session) -> str:
    """Turn a verified Checkout Session (webhook or lookup) into a ledger outcome."""
    if order.payment_ref and order.payment_ref != session.id:
        current_app.logger.error("Session %s does not belong to order %s", session.id, order.public_id)
        return order.status
    if session.amount_total is not None and (
        session.amount_total != order.amount_minor or session.currency != order.currency
    ):
        current_app.logger.error("Amount mismatch for order %s: %s %s", order.public_id,
                                 session.amount_total, session.currency)
        return order.status
    order.payment_ref = order.payment_ref or session.id
    if session.payment_status in ("paid", "no_payment_required"):
        outcome = "paid"
    elif session.status == "expired":
        outcome = "expired"
    else:
        return order.status  # still open, or paid by a slow method that has not cleared
    status = orders.settle(db.session, order, outcome, now=utcnow())
    db.session.commit()
    if status == "refund_due" and session.payment_intent:
        refund_late_payment(order, session.payment_intent)
    return order.status


def refund_late_payment(order: Order, payment_intent: str) -> None:
    try:
        order.refund_ref = payments.refund(stripe_config(), payment_intent, order.public_id)
    except payments.PaymentError:
        current_app.logger.exception("Refund failed for %s; it stays refund_due", order.public_id)
        return
    order.status = "refunded"
    db.session.commit()


@bp.get("/pay/<public_id>")
def pay(public_id: str):
    """The stable payment link (kiosk QR, API `payment_url`): to the payment page."""
    order = order_or_404(public_id)
    if order.status != "pending":
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    if order.hold_expires_at <= utcnow():
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    if order.payment_provider == "demo":
        if not demo_mode():
            abort(404)
        return redirect_to(url_for("checkout.demo_page", public_id=public_id))
    if demo_mode():
        abort(404)
    try:
        return redirect_to(stripe_checkout_url(order))
    except payments.PaymentError:
        current_app.logger.exception("Could not open a checkout for %s", public_id)
        return render("checkout/status.html", block="status", status=502, order=order, expired=False,
                      provider_down=True, retry_url=url_for("checkout.pay", public_id=public_id),
                      amount=money.format_money(order.amount_minor, order.currency))


@bp.get("/pay/<public_id>/cancel")
def cancel(public_id: str):
    """Stripe's cancel URL: back from the payment page without paying."""
    order = order_or_404(public_id)
    return render("checkout/status.html", block="status", order=order, expired=False, cancelled=True,
                  retry_url=url_for("checkout.pay", public_id=public_id),
                  amount=money.format_money(order.amount_minor, order.currency))


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed notices: completed, async succeeded/failed, expired."""
    if demo_mode():
        abort(404)
    try:
        event = payments.parse_webhook(stripe_config(), request.get_data(), request.headers.get("Stripe-Signature"))
    except payments.BadSignature:
        return jsonify(error={"code": "bad_signature", "message": "Signature did not verify."}), 400
    if event is None:
        return jsonify(received=True, handled=False)
    order = orders.by_public_id(db.session, event.session.order_public_id or "")
    if order is None:
        current_app.logger.warning("Webhook %s for unknown order %s", event.id, event.session.order_public_id)
        return jsonify(received=True, handled=False)
    session = event.session
    if event.type == "checkout.session.async_payment_succeeded":
        session = payments.Session(**{**session.__dict__, "payment_status": "paid"})
    elif event.type == "checkout.session.async_payment_failed":
        status = orders.settle(db.session, order, "failed", now=utcnow())
        db.session.commit()
        return jsonify(received=True, handled=True, status=status)
    elif event.type == "checkout.session.expired":
        session = payments.Session(**{**session.__dict__, "status": "expired", "payment_status": "unpaid"})
    return jsonify(received=True, handled=True, status=apply_session(order, session))


@bp.post("/e/<slug>/checkout")
@limiter.limit(lambda: current_app.config["CHECKOUT_RATE_LIMIT"])  # like the API's write budget
def start(slug: str):
    """Price the footprint, hold the credits and send the visitor to pay."""
    event = live_event(slug)
    calc = calculate(event, request.form)
    if calc.error is None and calc.kg == 0:
        calc.errors["legs"] = _("Add at least one trip or a hotel night to neutralize.")
    if calc.selected_project is None and not calc.errors:
        calc.errors["project"] = _("No project has enough credits left for this footprint.")
    if calc.errors:
        return page(event, calc, status=422, block="form_body")

    project = db.session.get(Project, calc.selected_project)
    participant = ensure_participant()
    saved = save_footprint(calc.result, calc.data, participant.id, event.id)
    try:
        order = orders.start(
            db.session,
            event=event,
            project=project,
            participant=participant,
            kg=calc.kg,
            footprint=saved,
            display_name=request.form.get("display_name"),
            organization=request.form.get("organization"),
            show_on_board=request.form.get("show_on_board") == "on",
            provider="demo" if demo_mode() else "stripe",
            settings=order_settings(),
            now=utcnow(),
            language=str(get_locale() or "en"),
        )
    except (orders.OrderError, ledger.SoldOut) as exc:
        db.session.rollback()
        calc = calculate(event, request.form)  # fresh stock after the rollback
        calc.errors[getattr(exc, "field", None) or "project"] = exc.message
        return page(event, calc, status=422, block="form_body")
    db.session.commit()
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))


def order_or_404(public_id: str) -> Order:
    order = orders.by_public_id(db.session, public_id)
    if order is None:
        abort(404)
    return order


@bp.get("/pay/<public_id>/demo")
def demo_page(public_id: str):
    """The clearly labelled demo payment page (only without a Stripe key)."""
    if not demo_mode():
        abort(404)
    order = order_or_404(public_id)
    if order.status != "pending":
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    return render("checkout/demo.html", order=order)


@bp.post("/pay/<public_id>/demo")
def demo_pay(public_id: str):
    """Confirm or fail a demo payment through the same fulfilment as real ones."""
    if not demo_mode():
        abort(404)
    order = order_or_404(public_id)
    outcome = request.form.get("outcome")
    if outcome not in ("paid", "failed"):
        abort(400)
    apply_demo_outcome(order, outcome)
    return redirect_to(url_for("checkout.order_status", public_id=public_id))


def apply_demo_outcome(order: Order, outcome: str) -> str:
    """The demo gateway's 'webhook': shared by the demo page and the JSON API."""
    status = orders.settle(db.session, order, outcome, now=utcnow())
    db.session.commit()
    return status


@bp.get("/orders/<public_id>")
def order_status(public_id: str):
    """The return page: waits live until the payment is confirmed."""
    order = order_or_404(public_id)
    if order.status == "pending" and order.payment_provider == "stripe" and order.payment_ref and not demo_mode():
        # A slow webhook must never leave a paid visitor waiting: ask Stripe too
        # (with no transaction open across the network call).
        payment_ref = order.payment_ref
        db.session.commit()
        try:
            found = payments.retrieve_session(stripe_config(), payment_ref)
            apply_session(order_or_404(public_id), found)
        except payments.PaymentError:
            current_app.logger.warning("Session lookup failed for %s; waiting for the webhook", public_id)
    if order.status == "paid" and order.certificate:
        return redirect_to(url_for("certificates.show", token=order.certificate.token))
    expired = order.status == "pending" and order.hold_expires_at <= utcnow()
    return render(
        "checkout/status.html",
        block="status",
        order=order,
        expired=expired,
        retry_url=url_for("calculator.calculate_page", slug=order.event.slug),
        amount=money.format_money(order.amount_minor, order.currency),
    )

