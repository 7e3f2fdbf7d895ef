"""Sponsored attendees for the organizer (app/services/sales/sponsors.py): buy a sponsor's pool with codes,
print the cards, keep or refund the unused balance. Its routes join the organizer blueprint."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..extensions import db, limiter
from ..models import Event, Project, SponsorPool
from ..services import integers
from ..services.certificates import posters
from ..services.sales import checkout, ledger, orders, sponsor_checkout, sponsors
from ..web import checkout_settings, language, public_url
from ..web.forms import error_message
from ..web.htmx import redirect_to, render
from ..web.limits import per_account
from ..web.participants import ensure_participant
from .organizer import bp, event_or_404

# --------------------------------------------------------------------------
# Sponsored attendees (app/services/sales/sponsors.py)
# --------------------------------------------------------------------------

def sponsors_html(ev: Event, form: MultiDict | None = None, errors: dict[str, str] | None = None, status: int = 200):
    return render(
        "organizer/sponsors.html", status=status, event=ev, form=form or MultiDict(), errors=errors or {},
        projects=orders.offered_projects(db.session, ev), pools=sponsors.pools_of_event(db.session, ev.id),
        sponsored_kg=sponsors.sponsored_kg(db.session, ev), printed=sponsors.printed,
        max_codes=sponsors.MAX_CODES,
    )


def pool_or_404(ev: Event, pool_id: int) -> SponsorPool:
    pool = db.session.get(SponsorPool, pool_id)
    if pool is None or pool.event_id != ev.id or pool.status == "pending":
        abort(404)
    return pool


@bp.get("/events/<int:event_id>/sponsors", endpoint="sponsors")
def sponsors_index(event_id: int):
    """A sponsor prepays attendees' footprints: buy a pool with codes, see what was redeemed, keep or refund."""
    return sponsors_html(event_or_404(event_id))


@bp.post("/events/<int:event_id>/sponsors")
@per_account(limiter, "OPERATIONS_RATE_LIMIT")
def sponsors_buy(event_id: int):
    """Hold the sponsor's credits and pay through the normal checkout; the codes come with the payment."""
    ev = event_or_404(event_id)
    errors: dict[str, str] = {}
    kg = integers.int_or_none(request.form.get("kg", "").strip(), low=1)
    codes = integers.int_or_none(request.form.get("codes", "").strip(), low=1)
    if kg is None:
        errors["kg"] = _("Enter the kilograms to prepay, a whole number above zero.")
    if codes is None:
        errors["codes"] = _("Enter how many attendees the codes are for.")
    if ev.status != "live":
        errors["form"] = _("Make the event live before selling sponsor codes.")
    project = db.session.get(Project, integers.id_or_none(request.form.get("project")) or 0)
    if project is None:
        errors["project"] = _("Choose one of the projects listed.")
    if errors:
        return sponsors_html(ev, request.form, errors, status=422)
    settings = checkout_settings()
    value = checkout.OrderRequest(
        kind="sponsor", event=ev, kg=kg, project=project, participant=ensure_participant(),
        display_name=" ".join(request.form.get("sponsor_name", "").split())[: orders.NAME_MAX], organization="",
        organization_id=ev.organization.id, language=language(), user_agent=request.user_agent.string)
    try:
        order = sponsor_checkout.start(db.session, settings, value, sponsor_name=request.form.get("sponsor_name", ""),
                                       codes=codes or 0, open_code=request.form.get("mode") == "open")
    except (orders.OrderError, ledger.LedgerError, sponsors.SponsorError) as exc:
        field = exc.field if exc.field in ("kg", "codes", "sponsor_name", "project") else "form"
        return sponsors_html(ev, request.form, {field: error_message(exc)}, status=422)
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))


@bp.get("/events/<int:event_id>/sponsors/<int:pool_id>/cards")
def sponsor_cards(event_id: int, pool_id: int):
    """A printable page of cards, each with a code and its QR code (to /s/<code>)."""
    ev = event_or_404(event_id)
    pool = pool_or_404(ev, pool_id)
    cards = []
    for row in pool.codes:
        url = public_url("checkout.sponsor_code", code=row.code)
        path, size = posters.qr_svg_path(url)
        cards.append({"code": sponsors.printed(row.code), "qr": {"path": path, "size": size, "url": url},
                      "left": row.max_uses - row.uses, "max": row.max_uses})
    return render("organizer/sponsor_cards.html", event=ev, pool=pool, cards=cards)


@bp.post("/events/<int:event_id>/sponsors/<int:pool_id>/<any(keep, refund):action>")
def sponsor_close(event_id: int, pool_id: int, action: str):
    """Keep the unused balance as the sponsor's own neutralization, or refund its unused share (confirmed)."""
    ev = event_or_404(event_id)
    pool = pool_or_404(ev, pool_id)
    if request.form.get("confirm") != "yes":
        return sponsors_html(ev, errors={f"pool-{pool.id}": _("Tick the box to confirm: this cannot be undone.")},
                             status=422)
    try:
        if action == "keep":
            kept = sponsor_checkout.keep_balance(db.session, checkout_settings(), pool.id)
            assert kept.certificate is not None
            flash(_("Kept as the sponsor's own neutralization: certificate %(n)s.", n=kept.certificate.number))
        else:
            done = sponsor_checkout.refund_balance(db.session, checkout_settings(), pool.id)
            if done.refund_ref:
                flash(_("The unused part was refunded."))
            else:
                flash(_("The refund did not go through at the payment provider; it is listed for a refund by hand."))
    except (sponsors.SponsorError, ledger.LedgerError) as exc:
        return sponsors_html(ev, errors={f"pool-{pool.id}": error_message(exc)}, status=422)
    return redirect_to(url_for("organizer.sponsors", event_id=ev.id))
