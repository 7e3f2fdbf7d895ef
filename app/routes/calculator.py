"""The calculator pages: the form and its live total (htmx), place suggestions.
The form itself (sections, labels, parsing, offers) is app/web/calculator_form.py."""
from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Blueprint, g, request, url_for
from markupsafe import escape
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Event
from ..services.footprint import life, places
from ..services.sales import orders
from ..web import htmx, live, live_event
from ..web.calculator_form import (
    RETRY,
    calculate,
    calculator_url,
    page,
    prefill_from_order,
    prefill_identity,
    recall_identity,
    remember_identity,
    state,
)
from ..web.htmx import redirect_to, render
from ..web.participants import current_participant, participant_token

bp = Blueprint("calculator", __name__)


@bp.get("/e/<slug>/calculate")
def calculate_page(slug: str):
    """The calculator for the event's scenario, with the venue pre-filled as the destination
    (or what the URL carries: Back, reload and "Try again" keep the visitor's input)."""
    # A phone at the door: this second's copy, with its own CSRF token and the visitor's name in its holes.
    copy, shared = (live.shared_view("calculator", live.event_id(slug), holes=_identity_holes(slug))
                    if slug != life.EVENT_SLUG and RETRY not in request.args else (None, None))
    if copy is not None:
        return copy
    event = live_event(slug)
    if event.slug == life.EVENT_SLUG:
        return redirect_to(url_for("life.life"))  # everyday life has its own calculator
    args = MultiDict(state(request.args))  # a URL may carry what the visitor typed (never who they are)
    retry = args.poplist(RETRY)[:1]
    args.poplist("sponsor_code")  # a sponsor card's link (/s/<code>) fills only the code field, no answers
    calc = calculate(event, args)
    if shared is None:
        # Who the visitor is: the failed order "Try again" names, else what this browser typed here last
        # (the session), else its last paid order.
        participant = current_participant()
        participant_id = participant and participant.id
        retried = bool(retry) and prefill_from_order(calc, orders.by_public_id(db.session, retry[0][:64]),
                                                     participant_id)
        if not retried and not recall_identity(calc, event.slug):
            calc = prefill_identity(calc, participant_id)
    return live.keep_shared_view(page(event, calc), shared)


def _identity_holes(slug: str) -> dict:
    """The calculator's holes: who the visitor is, from what this browser typed here last (the session),
    else its last paid order; read once per answer."""
    def identity() -> MultiDict:
        if "calculator_identity" not in g:
            kept = SimpleNamespace(form=MultiDict())
            if not recall_identity(kept, slug) and (token := participant_token()):
                live.read_only()
                last = orders.last_paid_identity(db.session, token)  # as prefill_identity, in one statement
                if last is not None:
                    kept.form = MultiDict({"display_name": last[0], "organization": last[1],
                                           **({"show_on_board": "on"} if last[2] else {})})
            g.calculator_identity = kept.form
        return g.calculator_identity

    return {"display_name": lambda: escape(identity().get("display_name", "")),
            "organization": lambda: escape(identity().get("organization", "")),
            "show_on_board": lambda: "checked" if identity().get("show_on_board") else ""}


@bp.post("/e/<slug>/calculate")
def recalculate(slug: str):
    """Recalculate: the live total for htmx (its URL in the address bar), a redirect to the
    calculator's URL for a plain form; the page with 422 for bad input."""
    event = live_event(slug)
    calc = calculate(event, request.form)
    remember_identity(slug, request.form)
    action = request.form.get("action", "update")
    if action == "language" or (not htmx.is_htmx() and not calc.errors and action == "update"):
        # A plain form: a URL that Back can reload. The language switch (?lang=, which also sets the cookie)
        # posts the answers and comes back to them in that language, errors and all.
        return redirect_to(calculator_url(slug, request.form))
    block = "form_body" if htmx.target() == "calc-body" else ["result", "bar_total"]
    response = page(event, calc, status=422 if calc.error else 200, block=block,
                    oob=htmx.is_htmx() and block != "form_body")
    return htmx.replace_url(response, calculator_url(slug, request.form)) if htmx.is_htmx() else response


@bp.get("/places")
def place_search():
    """Place suggestions for a datalist, as the visitor types (htmx). On an event's page (htmx names
    the page in HX-Current-URL) places in the venue's country and near it come first."""
    name = htmx.trigger_name() or "q"
    query = (request.args.get(name) or request.args.get("q") or "").strip()[:60]
    # Two letters narrow Latin names enough; one Han character (沪, 蓉) is already a word.
    found = places.search(query, limit=8, near=_venue_of_page()) if len(query) >= (2 if query.isascii() else 1) else []
    return render("calculator/places.html", places=found)


_EVENT_PAGE = re.compile(r"^/e/([A-Za-z0-9-]{1,80})(?:/|$)")


def _venue_of_page() -> places.Place | None:
    """The venue of the event whose page asks for suggestions, if it is one."""
    match = _EVENT_PAGE.match(urlsplit(request.headers.get("HX-Current-URL", "")).path)
    if not match:
        return None
    venue = db.session.execute(select(Event.venue_code).where(Event.slug == match[1])).scalar_one_or_none()
    return places.lookup(venue) if venue else None
