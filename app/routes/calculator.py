"""The calculator pages: the form and its live total (htmx), place suggestions.
The form itself (sections, labels, parsing, offers) is app/calculator_form.py."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from werkzeug.datastructures import MultiDict

from .. import htmx
from ..calculator_form import calculate, page, prefill_identity
from ..htmx import redirect_to, render
from ..services import life, places
from ..participants import current_participant
from ..web import live_event

bp = Blueprint("calculator", __name__)


@bp.get("/e/<slug>/calculate")
def calculate_page(slug: str):
    """The calculator for the event's scenario, with the venue pre-filled as the destination."""
    event = live_event(slug)
    if event.slug == life.EVENT_SLUG:
        return redirect_to(url_for("life.life"))  # everyday life has its own calculator
    participant = current_participant()
    return page(event, prefill_identity(calculate(event, MultiDict()), participant and participant.id))


@bp.post("/e/<slug>/calculate")
def recalculate(slug: str):
    """Recalculate: the live total for htmx, the whole page for a plain form; 422 for bad input."""
    event = live_event(slug)
    calc = calculate(event, request.form)
    block = "form_body" if htmx.target() == "calc-body" else "result"
    return page(event, calc, status=422 if calc.error else 200, block=block)


@bp.get("/places")
def place_search():
    """Place suggestions for a datalist, as the visitor types (htmx)."""
    name = htmx.trigger_name() or "q"
    query = (request.args.get(name) or request.args.get("q") or "").strip()[:60]
    found = places.search(query, limit=8) if len(query) >= 2 else []
    return render("calculator/places.html", places=found)
