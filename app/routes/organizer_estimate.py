"""The organizer's whole-event footprint: the estimate by category, its coverage and the operations'
top-up order (app/services/footprint/event_estimate.py). Its routes join the organizer blueprint."""
from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _

from ..extensions import db, limiter
from ..models import Event
from ..services import footprint
from ..services.footprint import event_estimate
from ..services.live import dashboard
from ..services.sales import checkout, ledger, money, orders
from ..web import checkout_settings, htmx, language
from ..web.calculator_form import GRID_LABELS, MEAL_LABELS
from ..web.htmx import redirect_to, render
from ..web.limits import per_account
from ..web.participants import ensure_participant
from .organizer import bp, event_or_404

# --------------------------------------------------------------------------
# The whole event's footprint: the estimate, its coverage, the operations' top-up
# --------------------------------------------------------------------------

def estimate_page(ev: Event, values: dict[str, str], errors: dict[str, str] | None = None, status: int = 200,
                  form_error: str | None = None, preview: list[event_estimate.EstimateLine] | None = None,
                  block: str | None = None):
    """The estimate form with `values` (as typed or as stored), the estimate by category (the saved one, or
    `preview`: what is typed, not saved yet) and its coverage."""
    lines = event_estimate.estimate_lines(db.session, ev) if preview is None else preview
    cov = event_estimate.coverage(db.session, ev)
    top_up = event_estimate.operations_top_up_kg(cov)
    quote = checkout.quote(db.session, ev, fee_percent=current_app.config["PLATFORM_FEE_PERCENT"],
                           kg=top_up) if top_up else None
    available = [o["project"].id for o in quote.offers if o["available"]] if quote else []
    return render(
        "organizer/estimate.html", block=block, status=status, event=ev, values=values, errors=errors or {},
        form_error=form_error, lines=lines, preview=preview is not None, lines_total=sum(line.kg for line in lines),
        coverage=cov, top_up_kg=top_up, quote=quote,
        selected_project=available[0] if available else None,
        groups=event_estimate.GROUPS, staff_groups=event_estimate.STAFF_GROUPS, grids=GRID_LABELS,
        meal_kinds=MEAL_LABELS, meal_codes=[code for code, _label in footprint.MEAL_KINDS],
        operations_categories=event_estimate.OPERATIONS_CATEGORIES, done=dashboard.operations_orders(db.session, ev.id),
        minimum=money.currency(ev.currency),
    )


@bp.get("/events/<int:event_id>/estimate")
def estimate(event_id: int):
    """The whole event's footprint: attendance, venue, catering, waste, water, paper, freight, staff travel."""
    ev = event_or_404(event_id)
    return estimate_page(ev, event_estimate.stored_inputs(db.session, ev) or {})


@bp.post("/events/<int:event_id>/estimate")
def save_estimate(event_id: int):
    """Keep the estimate (paid orders never change); 422 with every bad field named."""
    ev = event_or_404(event_id)
    typed = {name: (request.form.get(name) or "").strip()[:40] for name in event_estimate.FIELDS}
    try:
        inputs = event_estimate.clean(request.form, frozenset(GRID_LABELS))
    except event_estimate.EstimateError as exc:
        return estimate_page(ev, typed, {k: _(v) for k, v in exc.errors.items()}, status=422)
    event_estimate.save(db.session, ev, inputs)
    db.session.commit()
    flash(_("Estimate saved."))
    return redirect_to(url_for("organizer.estimate", event_id=ev.id))


@bp.post("/events/<int:event_id>/estimate/preview")
def preview_estimate(event_id: int):
    """The estimate of what is typed, not saved: the lines for htmx as the organizer types, the whole page for
    a plain form; 422 with every bad field named."""
    ev = event_or_404(event_id)
    typed = {name: (request.form.get(name) or "").strip()[:40] for name in event_estimate.FIELDS}
    block = "lines" if htmx.target() == "estimate-lines" else None
    try:
        inputs = event_estimate.clean(request.form, frozenset(GRID_LABELS))
    except event_estimate.EstimateError as exc:
        return estimate_page(ev, typed, {k: _(v) for k, v in exc.errors.items()}, status=422, preview=[],
                             block=block)
    return estimate_page(ev, typed, preview=event_estimate.lines_for(inputs, ev.country), block=block)


@bp.post("/events/<int:event_id>/estimate/neutralize")
@per_account(limiter, "OPERATIONS_RATE_LIMIT")
def neutralize_estimate(event_id: int):
    """Neutralize the operations in the estimate, less what operations orders already retired: the first
    order, or a top-up after the estimate grew (paid orders are never changed)."""
    ev = event_or_404(event_id)
    values = event_estimate.stored_inputs(db.session, ev) or {}
    kg = event_estimate.operations_top_up_kg(event_estimate.coverage(db.session, ev))
    if ev.status != "live":
        return estimate_page(ev, values, status=422, form_error=_("Make the event live before neutralizing its "
                                                                   "operations."))
    if kg <= 0:
        return estimate_page(ev, values, status=422, form_error=_("The operations in the estimate are already "
                                                                   "neutralized."))
    quote = checkout.quote(db.session, ev, fee_percent=current_app.config["PLATFORM_FEE_PERCENT"], kg=kg)
    chosen = request.form.get("project", "")
    offer = next((o for o in quote.offers if str(o["project"].id) == chosen and o["available"]), None)
    offer = offer or next((o for o in quote.offers if o["available"]), None)
    value = checkout.OrderRequest(
        kind="operations", event=ev, quote=quote, project=offer["project"] if offer else None,
        participant=ensure_participant(), display_name=ev.organization.name[: orders.NAME_MAX], organization="",
        organization_id=ev.organization.id, language=language(), user_agent=request.user_agent.string)
    try:
        order = checkout.start(db.session, checkout_settings(), value)
    except checkout.NoProject:
        return estimate_page(ev, values, status=422,
                             form_error=_("No project on offer has enough credits left for this footprint."))
    except (orders.OrderError, ledger.SoldOut) as exc:
        return estimate_page(ev, values, status=422, form_error=exc.message)
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))


