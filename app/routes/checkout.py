"""Checkout: create the order (holding the credits), pay, and wait for the
confirmation. Only a confirmed payment fulfils; the return page only reads."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import Footprint, Order, Project, utcnow
from ..participants import ensure_participant
from ..services import footprint, ledger, money, orders
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


@bp.get("/pay/<public_id>")
def pay(public_id: str):
    """The stable payment link (kiosk QR, API `payment_url`): to the payment page."""
    order = order_or_404(public_id)
    if order.status != "pending":
        return redirect_to(url_for("checkout.order_status", public_id=public_id))
    if order.payment_provider == "demo" and demo_mode():
        return redirect_to(url_for("checkout.demo_page", public_id=public_id))
    abort(404)  # the Stripe adapter (hosted Checkout) arrives with the ledger-and-payments work


@bp.post("/e/<slug>/checkout")
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


def apply_demo_outcome(order: Order, outcome: str) -> None:
    """The demo gateway's 'webhook': shared by the demo page and the JSON API."""
    try:
        if outcome == "paid":
            orders.fulfil(db.session, order, now=utcnow())
        else:
            ledger.release(db.session, order, "failed")
        db.session.commit()
    except ledger.LedgerError:
        db.session.rollback()
        raise


@bp.get("/orders/<public_id>")
def order_status(public_id: str):
    """The return page: waits live until the payment is confirmed."""
    order = order_or_404(public_id)
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

