"""The life carbon footprint: home energy, car, flights and food for a year,
live against the China and world averages, and "neutralize a month or a year"
through the normal checkout of the life event."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask import Blueprint, abort, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import Event
from ..services import footprint
from ..services.footprint import labels, life
from ..services.sales import checkout, money
from ..web import htmx
from ..web.calculator_form import BASKET_LABELS, FUEL_LABELS, GRID_GROUPS, calculate, event_grid, form_for
from ..web.htmx import redirect_to, render

bp = Blueprint("life", __name__)

DIET_LABELS = {
    "red_meat": _l("Lots of meat, often beef or lamb"),
    "chicken": _l("Some meat, mostly pork or chicken"),
    "fish": _l("Fish, but no other meat"),
    "vegetarian": _l("Vegetarian"),
    "vegan": _l("Vegan"),
}
SHARE_LABELS = {"home": _l("Home energy"), "car": _l("Car"), "flights": _l("Flights"), "food": _l("Food")}
AVERAGE_LABELS = {"CN": _l("Average person in China"), "WORLD": _l("Average person in the world")}
RATIO_TEXTS = {
    "CN": _l("%(ratio)s× the average in China (%(year)s)."),
    "WORLD": _l("%(ratio)s× the world average (%(year)s)."),
}
PERIOD_TITLES = {"year": _l("Neutralize a year of your life"), "month": _l("Neutralize a month of your life")}


def life_event() -> Event | None:
    """The live event whose checkout sells life footprints (seeded as "life"), if any."""
    event = db.session.execute(select(Event).where(Event.slug == life.EVENT_SLUG)).scalar_one_or_none()
    return event if event is not None and event.status == "live" else None


def tonnes(kg: Decimal) -> Decimal:
    return (Decimal(kg) / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP)


def evaluate(form: MultiDict) -> dict:
    """Answers -> the engine's year and month results, the split and the averages (one pass per request)."""
    view: dict = {"form": form, "error": None, "year": None, "month": None}
    try:
        answers = life.parse_answers(form)
        view["year"] = footprint.estimate(life.engine_input(answers, "year"))
        view["month"] = footprint.estimate(life.engine_input(answers, "month"))
    except footprint.FootprintError as exc:
        view["error"] = exc
        view["error_message"] = life_error(exc)
        return view
    year_kg = view["year"].total_kg
    view["year_t"] = tonnes(year_kg)
    view["year_kg"] = checkout.kg_to_buy(view["year"])
    view["month_kg"] = checkout.kg_to_buy(view["month"])
    view["shares"] = life.breakdown(view["year"])
    top = max([view["year_t"], *(a.tonnes for a in life.averages())])
    view["scale"] = top * Decimal("1.05") or Decimal(1)
    view["averages"] = [
        {"average": a, "ratio": (view["year_t"] / a.tonnes).quantize(Decimal("0.1"), ROUND_HALF_UP)}
        for a in life.averages()
    ]
    return view


def default_grid(event: Event | None) -> str:
    """Where the province picker starts: the venue of the event the visitor came from (?event=slug),
    else the life event's, else the national average."""
    slug = (request.args.get("event") or "").strip()[:80]
    came_from = db.session.execute(select(Event).where(Event.slug == slug)).scalar_one_or_none() if slug else None
    start = came_from or event
    return event_grid(start) if start is not None else "CN"


def life_error(exc: footprint.FootprintError) -> str:
    """The life form's error in the page's language (the service's English stays on English pages)."""
    if str(get_locale()) == "en":
        return exc.message
    if exc.code in labels.LIFE_ERRORS:
        return gettext(labels.LIFE_ERRORS[exc.code], **{k: format_decimal(v, locale=str(get_locale()))
                                                         for k, v in exc.params.items()})
    return gettext(labels.field_error(exc.field or ""))


def life_page(form: MultiDict, status: int = 200, block: str | None = None):
    view = evaluate(form)
    if view["error"] is not None and status == 200:
        status = 422
    event = life_event()
    return render(
        "life/life.html",
        block=block,
        status=status,
        event=event,
        diets=DIET_LABELS,
        fuels=FUEL_LABELS,
        grids=GRID_GROUPS,
        # The province picker starts at the life event's venue (its province), else the national average.
        default_grid=default_grid(event),
        gas_units=life.GAS_UNITS,
        energy_units=dict(footprint.ENERGY_UNITS),
        basket=[(c, BASKET_LABELS[c]) for c in life.BASKET],
        share_labels=SHARE_LABELS,
        average_labels=AVERAGE_LABELS,
        ratio_texts=RATIO_TEXTS,
        all_averages=life.averages(),
        **view,
    )


@bp.route("/life", methods=["GET", "POST"], endpoint="life")
def life_view():
    """The life footprint: everyday answers, the annual tonnes live (htmx), the averages."""
    if request.method == "GET":
        return life_page(MultiDict())
    block = "result" if htmx.target() == "life-result" else None
    return life_page(request.form, block=block)


@bp.get("/life/neutralize")
def neutralize_again():
    """A reload of the project choice (the answers were posted, not kept): back to the life page."""
    return redirect_to(url_for("life.life"))


def period_calculation(event: Event, form: MultiDict, period: str):
    """The answers for one month or year as calculator fields, and their calculation (None when invalid)."""
    try:
        data = life.engine_input(life.parse_answers(form), period)
    except footprint.FootprintError:
        return None, None
    fields = form_for(data)
    return fields, calculate(event, fields)


@bp.post("/life/neutralize")
def neutralize():
    """The chosen month or year as calculator input for the life event: projects, exact price, pay."""
    event = life_event()
    if event is None:
        abort(404)
    period = request.form.get("period", "year")
    if period not in life.PERIODS:
        abort(400)
    fields, calc = period_calculation(event, request.form, period)
    if calc is None or calc.error is not None or calc.quote.nothing_to_buy:
        return life_page(request.form, status=422)
    return render(
        "life/neutralize.html",
        event=event,
        period=period,
        title=PERIOD_TITLES[period],
        fields=fields,
        calc=calc,
        comparisons=footprint.comparisons(calc.result.total_kg),
        currency=money.currency(event.currency),
    )
