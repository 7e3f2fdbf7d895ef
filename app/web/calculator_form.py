"""The calculator form (web layer): one form for every scenario (travel legs, hotel nights, meals,
a shopping basket, home energy), the live total, the projects with the exact
price. Its form posts to checkout; htmx keeps the total live.

Which sections a scenario shows, and in which order, is data (the scenario
registry, services/scenarios.py); a section that already holds values is
shown whatever the scenario, so nothing that is counted is ever hidden."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app, has_request_context, session, url_for
from flask_babel import get_locale, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Event
from ..services import footprint, integers, languages, names, scenarios
from ..services.footprint import labels, places
from ..services.sales import checkout, money, orders
from .htmx import render

MAX_LEGS = 10
# Item codes -> translated labels: the msgids live in services/footprint/labels.py, resolved per request.
MODE_LABELS = {code: _l(msgid) for code, msgid in labels.MODES.items()}
CABIN_LABELS = {code: _l(msgid) for code, msgid in labels.CABINS.items()}
FUEL_LABELS = {code: _l(msgid) for code, msgid in labels.FUELS.items()}
MEAL_LABELS = {code: _l(msgid) for code, msgid in labels.MEALS.items()}
# Shown only when the form already holds them (an API-era kind, or a diet sent by the life page).
EXTRA_MEAL_LABELS = {code: _l(msgid) for code, msgid in {**labels.LEGACY_MEALS, **labels.DIETS}.items()}
BASKET_LABELS = {code: _l(msgid) for code, msgid in labels.BASKET.items()}
# Shown before "more": what a basket most often holds, and the big emitters.
BASKET_FIRST = ("pork", "beef", "poultry", "fish_farmed", "eggs", "milk", "rice", "tofu")
GRID_LABELS = {code: _l(msgid) for code, msgid in labels.GRIDS.items()}
# The grid pickers' option groups: China and its regional grids, then the provinces (carbondot-3).
GRID_GROUPS = (
    (_l("China and its regional grids"),
     {code: GRID_LABELS[code] for code, _ in footprint.GRIDS if footprint.province(code) is None}),
    (_l("Provinces"), {code: GRID_LABELS[code] for code, _ in footprint.GRIDS if footprint.province(code)}),
)

# An optional section (folded until opened) shows this line; which sections a scenario shows, and in which
# order, is the scenario registry's (services/scenarios.py).
SECTION_SUMMARIES = {
    "travel": _l("Add your trip here (optional)"),
    "meals": _l("Add your meals (optional)"),
}


@dataclass(frozen=True)
class Section:
    name: str
    optional: bool  # folded in a <details> unless open
    open: bool


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
    errors: dict[str, str] = field(default_factory=dict)  # by engine field name ("legs[0].from")
    form_errors: dict[str, str] = field(default_factory=dict)  # the same, by form field ("legs-0-from")
    sections: list[Section] = field(default_factory=list)
    quote: checkout.Quote | None = None  # the one calculation: the page shows it, the checkout takes it


def venue(event: Event, language: str | None = None) -> str:
    """The default destination as the visitor reads it: the venue's name (in the page's language, see
    app/services/names.py) where it has coordinates, else its city or station."""
    if event.venue_lat is not None and event.venue_lon is not None:
        code = language or (str(get_locale() or languages.SOURCE) if has_request_context() else languages.SOURCE)
        return names.pick(event, "venue_name", code) or names.pick(event, "city", code)
    return event.venue_code or event.city


def event_grid(event: Event) -> str:
    """The grid an event's electricity starts at: its venue's province (by its coordinates, else by its place
    name), else the national average (carbondot-3)."""
    lat, lon = event.venue_lat, event.venue_lon
    if lat is None or lon is None:
        place = places.lookup(event.venue_code or event.city) if (event.venue_code or event.city) else None
        lat, lon = (place.lat, place.lon) if place is not None and place.country == event.country else (None, None)
    return footprint.venue_grid(event.country, lat, lon)


def placed(legs: list[dict], event: Event) -> list[dict]:
    """The legs with the venue's name, wherever typed, placed at the venue's coordinates (the field shows the name)."""
    if event.venue_lat is None or event.venue_lon is None:
        return legs
    shown = {places.fold(venue(event, code)) for code in languages.codes()}  # typed in any language
    at = places.venue_text(venue(event), event.venue_lat, event.venue_lon)
    return [{**leg, **{end: at for end in ("from", "to") if places.fold(leg[end]) in shown}} for leg in legs]


def blank_leg(event: Event) -> dict:
    return {"mode": "flight", "from": "", "to": venue(event), "distance_km": "", "cabin": "economy",
            "fuel": "unknown", "occupants": "1", "return": True, "trips": "", "country": ""}


def read_legs(form: MultiDict, event: Event) -> list[dict]:
    """The legs as typed, including blank ones, after add/remove actions."""
    count = integers.int_or_none(form.get("leg_count"))  # a hidden field: anything else is one leg
    count = 1 if count is None else min(count, MAX_LEGS)
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
            # Set by the life page: the same journey made several times, within a country.
            "trips": form.get(p + "trips", "").strip(),
            "country": form.get(p + "country", "").strip(),
        })
    action = form.get("action", "")
    if action == "add_leg" and len(legs) < MAX_LEGS:
        new = blank_leg(event)
        if legs:
            new["to"] = legs[-1]["to"]
        legs.append(new)
    elif action.startswith("remove_leg-"):
        index = integers.int_or_none(action.removeprefix("remove_leg-"))
        if index is not None and index < len(legs):
            legs.pop(index)
    return legs


def _counted(leg: dict) -> bool:
    # A leg with no start and no distance has not been filled in yet.
    return leg["mode"] in ("walk", "bike") or bool(leg["from"]) or bool(leg["distance_km"])


LEG_NUMBERS = ("distance_km", "occupants", "trips")


def typed_number(text: str) -> str:
    """A number as the visitor typed it in the page's language ("1,200" in en) as the engine reads it
    ("1200"); see integers.plain_number. The field keeps showing what was typed."""
    if not text:
        return text
    return integers.plain_number(text, str(get_locale() or "en") if has_request_context() else "en")


def to_engine_input(legs: list[dict], form: MultiDict, grid: str = "CN") -> dict:
    """The public footprint JSON shape (the same as POST /api/v1/footprint), numbers read in the page's
    language."""
    counted = [{k: typed_number(v) if k in LEG_NUMBERS else v for k, v in leg.items() if v not in ("", None)}
               for leg in legs if _counted(leg)]
    data: dict = {"legs": counted}
    nights = typed_number(form.get("hotel-nights", "").strip())
    if nights and nights != "0":
        data["hotel_nights"] = [{"country": form.get("hotel-country", "CN"), "nights": nights}]
    meals = [
        {"kind": kind, "count": typed_number(count)}
        for kind in footprint.MEAL_CODES  # the form's meals, and the life page's diets
        if (count := form.get(f"meals-{kind}", "").strip())
    ]
    if meals:
        data["meals"] = meals
    basket = [
        {"category": category, "amount": typed_number(amount)}
        for category, _label in footprint.BASKET_CATEGORIES
        if (amount := form.get(f"basket-{category}", "").strip())
    ]
    if basket:
        data["basket"] = basket
    energy = []
    if electricity := typed_number(form.get("energy-electricity", "").strip()):
        energy.append({"kind": "electricity", "amount": electricity, "grid": form.get("energy-grid") or grid})
    if gas := typed_number(form.get("energy-gas", "").strip()):
        energy.append({"kind": "natural_gas", "amount": gas, "unit": form.get("energy-gas-unit") or "kWh"})
    if energy:
        data["energy"] = energy
    if form.get("rf_shown"):
        data["radiative_forcing"] = form.get("radiative_forcing") == "on"
    return data


def form_for(data: dict) -> MultiDict:
    """Calculator form fields that give back engine input `data` (to_engine_input's inverse).

    The life page posts these as hidden fields, so its footprint goes through
    the very same calculate() and checkout as any visitor's.
    """
    legs = data.get("legs", [])
    items = [("leg_count", str(len(legs)))]
    for i, leg in enumerate(legs):
        for key, value in leg.items():
            if key == "return":
                if value is True:
                    items.append((f"legs-{i}-return", "on"))
            else:
                items.append((f"legs-{i}-{key}", str(value)))
    for stay in data.get("hotel_nights", [])[:1]:
        items += [("hotel-nights", str(stay["nights"])), ("hotel-country", str(stay["country"]))]
    items += [(f"meals-{m['kind']}", str(m["count"])) for m in data.get("meals", [])]
    items += [(f"basket-{b['category']}", str(b["amount"])) for b in data.get("basket", [])]
    for use in data.get("energy", []):
        if use["kind"] == "electricity":
            items += [("energy-electricity", str(use["amount"])), ("energy-grid", str(use.get("grid", "CN")))]
        else:
            items += [("energy-gas", str(use["amount"])), ("energy-gas-unit", str(use.get("unit", "kWh")))]
    if "radiative_forcing" in data:
        items.append(("rf_shown", "1"))
        if data["radiative_forcing"]:
            items.append(("radiative_forcing", "on"))
    return MultiDict(items)


_ROW = re.compile(r"^(legs|meals|basket|energy|hotel_nights)\[(\d+)\]\.(\w+)$")


def form_field(engine_field: str, data: dict, legs: list[dict]) -> str:
    """The form field behind an engine field name: "meals[1].count" -> "meals-fish"."""
    match = _ROW.match(engine_field)
    if not match:
        return engine_field
    kind, index, key = match.group(1), int(match.group(2)), match.group(3)
    try:
        if kind == "legs":
            rows = [i for i, leg in enumerate(legs) if _counted(leg)]
            return f"legs-{rows[index]}-{key}"
        if kind == "hotel_nights":
            return f"hotel-{key}"
        row = data[kind][index]
    except (IndexError, KeyError):
        return engine_field
    if kind == "meals":
        return f"meals-{row['kind']}"
    if kind == "basket":
        return f"basket-{row['category']}"
    if key == "grid":
        return "energy-grid"
    return "energy-electricity" if row.get("kind") == "electricity" else "energy-gas"


def sections_for(event: Event, form: MultiDict, legs: list[dict], data: dict) -> list[Section]:
    """The scenario's sections, plus any other section that holds values (never hide what is counted)."""
    action = form.get("action", "")
    filled = {
        "travel": any(_counted(leg) for leg in legs) or action == "add_leg" or action.startswith("remove_leg-"),
        "hotel": "hotel_nights" in data,
        "meals": "meals" in data,
        "basket": "basket" in data,
        "energy": "energy" in data,
    }
    listed = scenarios.get(event.scenario).sections
    sections = [Section(name, optional, not optional or filled[name]) for name, optional in listed]
    shown = {name for name, _optional in listed}
    sections += [Section(name, False, True) for name in scenarios.SECTIONS if name not in shown and filled[name]]
    return sections


def calculate(event: Event, form: MultiDict) -> Calculation:
    legs = read_legs(form, event) if form else [blank_leg(event)]
    grid = event_grid(event) if form.get("energy-electricity") else "CN"  # the venue's province unless one is picked
    calc = Calculation(form=form, legs=legs, data=to_engine_input(placed(legs, event), form, grid))
    calc.sections = sections_for(event, form, legs, calc.data)
    take(calc, quote_for(event, calc.data), lambda engine_field: form_field(engine_field, calc.data, legs))
    chosen = form.get("project", "")
    chosen_id = integers.id_or_none(chosen)
    ids = [o["project"].id for o in calc.offers if o["available"]]
    if chosen_id is not None and chosen_id in ids:
        calc.selected_project = chosen_id
    else:
        refused = next((o for o in calc.offers if o["project"].id == chosen_id), None)
        if refused is not None and refused["reason"] == "buyer_limit" and calc.kg:
            calc.errors["project"] = _(
                "One buyer may hold at most %(kg)s of that project at once. Please choose another.",
                kg=f"{refused['limit_kg']}\u00a0kg")
        elif chosen.strip() and chosen_id is None and calc.kg:
            calc.errors["project"] = _("Choose one of the projects listed.")
        elif chosen and calc.kg:
            calc.errors["project"] = _(
                "That project does not have enough credits left for your footprint. Please choose another."
            )
        calc.selected_project = ids[0] if ids else None
    return calc


# Not part of what the visitor typed: never carried in a URL.
NOT_STATE = ("csrf_token", "action", "e", "lang")  # lang picks the page's language, not an input
# Who the visitor is: never in a URL either (access logs, browser history, a shared link), but kept in the
# session for the event (remember_identity), and read back from a failed order by "Try again".
PERSONAL = ("display_name", "organization", "show_on_board")
RETRY = "retry"  # "Try again" names the failed order (its public id), whose name the page takes back
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
IDENTITY = "calc_identity"  # the session key


def state(form: MultiDict) -> list[tuple[str, str]]:
    """What the visitor typed, as URL query pairs (no CSRF token, no button, no blanks, nothing personal)."""
    return [(k, v) for k, v in form.items(multi=True)
            if k not in NOT_STATE and k not in PERSONAL and v.strip() != ""][:200]


def remember_identity(slug: str, form: MultiDict) -> None:
    """Keep the name, organization and board consent typed on the calculator of event `slug` in the
    session (not in the URL), so that Back, reload, a project's details and a language switch find them."""
    if "display_name" not in form and "organization" not in form:
        return  # not the calculator's form
    kept = {"e": slug, "display_name": form.get("display_name", "")[:60],
            "organization": form.get("organization", "")[:80], "show_on_board": form.get("show_on_board") == "on"}
    if session.get(IDENTITY) != kept:
        session[IDENTITY] = kept


def recall_identity(calc: Calculation, slug: str) -> bool:
    """Fill the identity kept for event `slug` (remember_identity) into `calc`; False when none is kept."""
    kept = session.get(IDENTITY)
    if not isinstance(kept, dict) or kept.get("e") != slug:
        return False
    calc.form = MultiDict(calc.form)
    calc.form["display_name"] = str(kept.get("display_name", ""))[:60]
    calc.form["organization"] = str(kept.get("organization", ""))[:80]
    if kept.get("show_on_board"):
        calc.form["show_on_board"] = "on"
    return True


def calculator_url(slug: str, form: MultiDict) -> str:
    """The calculator page holding `form`: Back, reload and "Try again" come back to it."""
    pairs = state(form)
    url = url_for("calculator.calculate_page", slug=slug)
    return f"{url}?{urlencode(pairs)}" if pairs else url


def details_url(slug: str, project_id: int, form: MultiDict) -> str:
    """A project's page, carrying the calculation so that its Back link restores it."""
    return f"{url_for('public.project', project_id=project_id)}?{urlencode([('e', slug), *state(form)])}"


def back_url(args: MultiDict) -> str | None:
    """The calculator a project page was opened from (its `e` slug and the state), or None."""
    slug = args.get("e", "")
    return calculator_url(slug, args) if SLUG.match(slug) else None


def retry_form(order) -> MultiDict:
    """The calculator form that gives back a saved order ("Try again" after a failed payment): its
    footprint inputs and project, and the order itself (`retry`), whose name, organization and consent
    the calculator takes back for the order's own browser (prefill_from_order): a URL never holds them."""
    form = form_for(order.footprint.inputs) if order.footprint else MultiDict()
    form["project"] = str(order.project_id)
    form[RETRY] = order.public_id
    return form


def prefill_from_order(calc: Calculation, order, participant_id: int | None) -> bool:
    """The name, organization and consent of `order` (a failed or abandoned checkout), when it is this
    browser's own; False otherwise."""
    if order is None or participant_id is None or order.participant_id != participant_id:
        return False
    calc.form = MultiDict(calc.form)
    calc.form["display_name"] = order.display_name or ""
    calc.form["organization"] = order.organization or ""
    if order.show_on_board:
        calc.form["show_on_board"] = "on"
    return True


def prefill_identity(calc: Calculation, participant_id: int | None) -> Calculation:
    """Name, organization and board consent from the visitor's last paid order, where the
    form does not hold them yet (an unpaid checkout never counts)."""
    order = orders.last_paid_visitor_order(db.session, participant_id)
    if order is None or any(k in calc.form for k in ("display_name", "organization", "show_on_board")):
        return calc
    calc.form = MultiDict(calc.form)
    calc.form["display_name"] = order.display_name
    calc.form["organization"] = order.organization
    if order.show_on_board:
        calc.form["show_on_board"] = "on"
    return calc


def quote_for(event: Event, data: dict, share: bool = True) -> checkout.Quote:
    """The checkout service's calculation of engine input `data` at the event: the footprint, whole
    kilograms and every project priced (with the per-buyer share, except for an organizer's operations)."""
    cfg = current_app.config
    return checkout.quote(db.session, event, fee_percent=cfg["PLATFORM_FEE_PERCENT"], footprint_inputs=data,
                          share_percent=cfg["HOLD_SHARE_PERCENT"] if share else None)


def take(calc: Calculation, quote: checkout.Quote, field_for) -> None:
    """Show the quote: the result, whole kilograms and offers, or the engine's error by engine field
    and by form field (`field_for` maps one to the other)."""
    calc.quote, calc.result, calc.kg, calc.offers = quote, quote.result, quote.kg, quote.offers
    if quote.error is not None:
        exc = calc.error = quote.error
        # The engine speaks English (the API's messages stay English); other pages show their own words.
        message = exc.message if str(get_locale()) == "en" else gettext(labels.field_error(exc.field))
        calc.errors[exc.field] = message
        calc.form_errors[field_for(exc.field)] = message


# --------------------------------------------------------------------------
# The organizer's operations: one more scenario of the same calculation
# --------------------------------------------------------------------------

OPERATIONS_BASKET_FIRST = ("coffee", "milk", "bananas", "apples", "wheat_bread", "rice")


def operations_input(form: MultiDict) -> tuple[dict, dict[str, str]]:
    """The venue's electricity, gas, catering and supplies as engine input, and which
    form field each row came from."""
    data: dict[str, list] = {"energy": [], "meals": [], "basket": []}
    where: dict[str, str] = {}
    if form.get("electricity"):
        where[f"energy[{len(data['energy'])}]"] = "electricity"
        data["energy"].append({"kind": "electricity", "amount": form["electricity"], "grid": form.get("grid") or "CN"})
    if form.get("gas"):
        where[f"energy[{len(data['energy'])}]"] = "gas"
        data["energy"].append({"kind": "natural_gas", "amount": form["gas"], "unit": form.get("gas_unit") or "kWh"})
    for kind, _label in footprint.MEAL_KINDS:
        if form.get(f"meals-{kind}"):
            where[f"meals[{len(data['meals'])}]"] = f"meals-{kind}"
            data["meals"].append({"kind": kind, "count": form[f"meals-{kind}"]})
    for category, _label in footprint.BASKET_CATEGORIES:
        if form.get(f"basket-{category}"):
            where[f"basket[{len(data['basket'])}]"] = f"basket-{category}"
            data["basket"].append({"category": category, "amount": form[f"basket-{category}"]})
    return {k: v for k, v in data.items() if v}, where


def calculate_operations(event: Event, form: MultiDict) -> Calculation:
    """The operations scenario: errors by form field (plus "form" and "project"), offers
    without the per-buyer share, the chosen project or the first one available."""
    fields = MultiDict({k: (form.get(k) or "").strip()[:40] for k in form if k != "csrf_token"})
    if not fields.get("grid"):  # the venue's province, else national (carbondot-3)
        fields["grid"] = event_grid(event)
    data, where = operations_input(MultiDict({k: typed_number(v) for k, v in fields.items()}))
    calc = Calculation(form=fields, legs=[], data=data)
    # Nothing entered yet (empty data): no total, no error.
    take(calc, quote_for(event, data, share=False), lambda engine_field: where.get(engine_field.split(".")[0], "form"))
    available = [o["project"].id for o in calc.offers if o["available"]]
    chosen = fields.get("project", "")
    calc.selected_project = next((pid for pid in available if str(pid) == chosen), available[0] if available else None)
    return calc


def page(event: Event, calc: Calculation, status: int = 200, block=None, oob: bool = False):
    """The calculator page, or `block` of it for htmx; `oob`: the summary bar's total rides along
    (hx-swap-oob) with a live total."""
    return render(
        "calculator/calculate.html",
        block=block,
        status=status,
        event=event,
        calc=calc,
        oob=oob,
        # The language switch posts the form (the answers stay): see components/language_switcher.html.
        switch_form=url_for("calculator.recalculate", slug=event.slug),
        modes=MODE_LABELS,
        cabins=CABIN_LABELS,
        fuels=FUEL_LABELS,
        hotel_countries=labels.hotel_countries(str(get_locale()), gettext),
        meal_kinds=MEAL_LABELS,
        extra_meal_kinds=EXTRA_MEAL_LABELS,
        gas_units=footprint.gas_units(event.country),
        energy_units={code: _l(msgid) for code, msgid in labels.ENERGY_UNITS.items()},
        basket_labels=BASKET_LABELS,
        basket_first=BASKET_FIRST,
        grids=GRID_GROUPS,
        default_grid=event_grid(event),
        summaries=SECTION_SUMMARIES,
        intro=gettext(scenarios.get(event.scenario).intro),
        comparisons=footprint.comparisons(calc.result.total_kg) if calc.result and calc.kg else [],
        currency=money.currency(event.currency),
        project_url=lambda project_id: details_url(event.slug, project_id, calc.form),
    )
