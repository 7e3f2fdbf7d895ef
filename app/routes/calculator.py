"""The calculator: travel legs and hotel nights, the live total, the projects
with the exact price. Its form posts to checkout; htmx keeps the total live."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..htmx import render
from ..models import Event, utcnow
from ..services import footprint, ledger, money, orders, places
from .public import live_event

bp = Blueprint("calculator", __name__)

MAX_LEGS = 10
MODE_LABELS = {
    "flight": _l("Flight"),
    "rail_hsr": _l("High-speed rail"),
    "rail": _l("Train"),
    "metro": _l("Metro"),
    "bus": _l("Bus"),
    "coach": _l("Coach"),
    "taxi": _l("Taxi"),
    "car": _l("Car"),
    "motorbike": _l("Motorbike"),
    "ferry": _l("Ferry"),
    "walk": _l("Walking"),
    "bike": _l("Cycling"),
}
CABIN_LABELS = {
    "economy": _l("Economy"),
    "premium_economy": _l("Premium economy"),
    "business": _l("Business"),
    "first": _l("First"),
}
FUEL_LABELS = {
    "unknown": _l("Don't know"),
    "petrol": _l("Petrol"),
    "diesel": _l("Diesel"),
    "hybrid": _l("Hybrid"),
    "plug_in_hybrid": _l("Plug-in hybrid"),
    "electric": _l("Electric"),
}


@dataclass
class Calculation:
    """Everything the calculator page shows, built once per request."""

    form: MultiDict
    legs: list[dict]
    data: dict
    result: footprint.FootprintResult | None = None
    error: footprint.FootprintError | None = None
    kg: int = 0
    offers: list[dict] = field(default_factory=list)
    selected_project: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def blank_leg(event: Event) -> dict:
    return {"mode": "flight", "from": "", "to": event.venue_code or event.city, "distance_km": "", "cabin": "economy",
            "fuel": "unknown", "occupants": "1", "return": True}


def read_legs(form: MultiDict, event: Event) -> list[dict]:
    """The legs as typed, including blank ones, after add/remove actions."""
    try:
        count = max(0, min(int(form.get("leg_count", "1")), MAX_LEGS))
    except ValueError:
        count = 1
    legs = []
    for i in range(count):
        p = f"legs-{i}-"
        legs.append({
            "mode": form.get(p + "mode", "flight"),
            "from": form.get(p + "from", "").strip(),
            "to": form.get(p + "to", "").strip(),
            "distance_km": form.get(p + "distance_km", "").strip(),
            "cabin": form.get(p + "cabin", "economy"),
            "fuel": form.get(p + "fuel", "unknown"),
            "occupants": form.get(p + "occupants", "1").strip(),
            "return": form.get(p + "return") == "on",
        })
    action = form.get("action", "")
    if action == "add_leg" and len(legs) < MAX_LEGS:
        new = blank_leg(event)
        if legs:
            new["to"] = legs[-1]["to"]
        legs.append(new)
    elif action.startswith("remove_leg-"):
        index = action.removeprefix("remove_leg-")
        if index.isdigit() and int(index) < len(legs):
            legs.pop(int(index))
    return legs


def to_engine_input(legs: list[dict], form: MultiDict) -> dict:
    """The public footprint JSON shape (the same as POST /api/v1/footprint)."""
    counted = [
        {k: v for k, v in leg.items() if v not in ("", None)}
        for leg in legs
        # A leg with no start and no distance has not been filled in yet.
        if leg["mode"] in ("walk", "bike") or leg["from"] or leg["distance_km"]
    ]
    data: dict = {"legs": counted}
    nights = form.get("hotel-nights", "").strip()
    if nights and nights != "0":
        data["hotel_nights"] = [{"country": form.get("hotel-country", "CN"), "nights": nights}]
    if form.get("rf_shown"):
        data["radiative_forcing"] = form.get("radiative_forcing") == "on"
    return data


def calculate(event: Event, form: MultiDict) -> Calculation:
    legs = read_legs(form, event) if form else [blank_leg(event)]
    calc = Calculation(form=form, legs=legs, data=to_engine_input(legs, form))
    try:
        calc.result = footprint.estimate(calc.data)
    except footprint.FootprintError as exc:
        calc.error = exc
        calc.errors[exc.field] = exc.message
    if calc.result is not None and calc.result.total_kg > 0:
        calc.kg = money.kg_to_buy(calc.result.total_kg)
    calc.offers = offers_for(event, calc.kg)
    chosen = form.get("project", "")
    ids = [o["project"].id for o in calc.offers if o["available"]]
    if chosen.isdigit() and int(chosen) in ids:
        calc.selected_project = int(chosen)
    else:
        if chosen and calc.kg:
            calc.errors["project"] = _(
                "That project does not have enough credits left for your footprint. Please choose another."
            )
        calc.selected_project = ids[0] if ids else None
    return calc


def offers_for(event: Event, kg: int) -> list[dict]:
    """Each project on offer with credits left, money passed on and the exact price."""
    projects = orders.offered_projects(db.session, event)
    stock = ledger.stock(db.session, [p.id for p in projects], utcnow())
    passed = orders.owner_totals(db.session, [p.id for p in projects])
    fee = current_app.config["PLATFORM_FEE_PERCENT"]
    offers = []
    for project in projects:
        left = stock[project.id].left_kg
        offers.append({
            "project": project,
            "left_kg": left,
            "passed_minor": passed.get(project.id, 0),
            "price": money.price(kg, project.price_per_tonne_minor, project.currency, fee) if kg else None,
            "available": left >= max(kg, 1),
        })
    return offers


def page(event: Event, calc: Calculation, status: int = 200, block=None):
    return render(
        "calculator/calculate.html",
        block=block,
        status=status,
        event=event,
        calc=calc,
        modes=MODE_LABELS,
        cabins=CABIN_LABELS,
        fuels=FUEL_LABELS,
        hotel_countries=footprint.HOTEL_COUNTRIES,
        comparisons=footprint.comparisons(calc.result.total_kg) if calc.result and calc.kg else [],
        currency=money.currency(event.currency),
    )


@bp.get("/e/<slug>/calculate")
def calculate_page(slug: str):
    """The calculator, with the venue pre-filled as the destination."""
    event = live_event(slug)
    return page(event, calculate(event, MultiDict()))


@bp.post("/e/<slug>/calculate")
def recalculate(slug: str):
    """Recalculate: the live total for htmx, the whole page for a plain form."""
    event = live_event(slug)
    calc = calculate(event, request.form)
    target = request.headers.get("HX-Target", "")
    block = "form_body" if target == "calc-body" else "result"
    return page(event, calc, block=block)


@bp.get("/places")
def place_search():
    """Place suggestions for a datalist, as the visitor types (htmx)."""
    name = request.headers.get("HX-Trigger-Name") or "q"
    query = (request.args.get(name) or request.args.get("q") or "").strip()[:60]
    found = places.search(query, limit=8) if len(query) >= 2 else []
    return render("calculator/places.html", places=found)

