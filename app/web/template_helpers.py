"""Jinja filters and globals: formatting only, no business rules."""
from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_compact_decimal, format_decimal
from flask import Flask, current_app
from flask_babel import format_date, format_time, get_locale, get_translations, gettext, ngettext

from ..services import payments
from ..services.footprint import labels
from ..services.footprint import places as _places
from ..services.sales import money as _money


def _locale() -> str:
    return str(get_locale() or "en")


def tonnes(kg) -> str:
    """420 -> '0.42 t' ('0.42 吨' in Chinese); whole kg stay exact up to 3 decimals."""
    t = (Decimal(kg) / 1000).quantize(Decimal("0.001"))
    number = format_decimal(t, format="#,##0.###", locale=_locale())
    return gettext("%(n)s t", n=number)


def kg(value) -> str:
    d = Decimal(value)
    pattern = "#,##0" if d >= 100 else "#,##0.0"
    return gettext("%(n)s kg", n=format_decimal(d, format=pattern, locale=_locale()))  # 千克 in Chinese


def whole_kg(value) -> str:
    """A whole number of kilograms: '1,200 kg', '1,200 千克' (GLOSSARY.md: one unit style per page)."""
    return gettext("%(n)s kg", n=format_decimal(int(value), format="#,##0", locale=_locale()))


def money(amount_minor: int, currency_code: str) -> str:
    """The one money formatter for pages: money.format_money in the page's locale."""
    return _money.format_money(amount_minor, currency_code, _locale())


def moment(value) -> str:
    """A UTC date and time for the page's locale: 'Dec 1, 2026 22:23', '2026年12月1日 22:23'."""
    return f"{format_date(value, format='medium')} {format_time(value, format='HH:mm')}"


def comparison(c) -> str:
    """A footprint comparison ('= 119 trees growing for a year') in the page's language."""
    forms = labels.COMPARISONS.get(c.code)
    if forms is None:
        return c.label  # a comparison without a translated label yet (tests/unit/test_labels.py flags it)
    value = Decimal(c.value)
    if value > 0:
        number = format_decimal(value, format="#,##0" if value >= 10 else "#,##0.0", locale=_locale())
    else:
        number = gettext(labels.LESS_THAN, n=format_decimal(Decimal("0.1"), locale=_locale()))
    # gettext's plural rules count whole things; a fraction is counted as 0 (English: "0.5 trees").
    return ngettext(*forms, int(value) if value == value.to_integral_value() else 0, n=number)


_NUMBER = re.compile(r"\{number:(\d+)\}")


def data_text(text: str) -> str:
    """A data file's text with each {number:1352400000000} written in the page's language:
    '1.3524 trillion' in English, '1.3524万亿' in Chinese (never a Chinese unit on an English page)."""
    def number(m: re.Match[str]) -> str:
        digits = m.group(1).rstrip("0")
        value = int(m.group(1))
        # Keep every significant digit the source gave, and no more.
        return format_compact_decimal(value, format_type="long", locale=_locale(),
                                      fraction_digits=max(len(digits) - 1, 0))
    return _NUMBER.sub(number, text)


def _chinese_name(p) -> str:
    """A place's Chinese name from place_names.csv (an airport's is its city's), or ""."""
    if p is not None and p.kind == "airport" and p.city:
        p = _places.by_code(f"{_places.slug(p.city)}-{p.country.lower()}") or p
    return p.name_zh if p is not None else ""


def _place(part) -> str:
    """A journey end for the page: its Chinese name on Chinese pages where the code (or an airport's
    city) has one in place_names.csv, else the English label the engine stored (a code for airports)."""
    if _locale() == "zh" and (name := _chinese_name(_places.by_code(part["code"]))):
        return name
    return part["label"]


def place_name(p) -> str:
    """A place for a tile or heading in the page's language: on Chinese pages its Chinese name
    (an airport's city name and code, "北京 PEK"), else its name."""
    if _locale() == "zh" and (name := _chinese_name(p)):
        return f"{name} {p.code.upper()}" if p.kind == "airport" else name
    return p.name


def _plural(singular: str, plural: str, n: int, **variables) -> str:
    """ngettext taking every placeholder, %(num)s too (Flask-Babel's fills %(num)s itself, unformatted)."""
    return get_translations().ungettext(singular, plural, n) % variables


def co2e() -> str:
    """"CO₂e", explained the first time a page shows it ("CO₂e（二氧化碳当量）", GLOSSARY.md), plain after that."""
    from flask import has_request_context, request

    if not has_request_context():
        return "CO₂e"
    if request.environ.get("carbondot.co2e_explained"):  # per request (`g` may outlive one in tests)
        return "CO₂e"
    request.environ["carbondot.co2e_explained"] = True
    return gettext("CO₂e (carbon dioxide equivalent)")


def country_name(code: str) -> str:
    """A country code as the country's name in the page's language (CLDR): 'ET' -> '埃塞俄比亚'."""
    return labels.country(code, _locale(), gettext) if code else ""


def shown_status(event) -> str:
    """An event's status as an organizer reads it: a live event whose last day has passed is "ended"."""
    from ..models import utcnow
    from ..services.live import schedule

    return "ended" if event.status == "live" and schedule.ended(event, utcnow().date()) else event.status


def unit_label(unit: str) -> str:
    """A data file's unit in the page's language (labels.UNITS), else as the data writes it."""
    from flask_babel import gettext

    from ..services.footprint import labels

    msgid = labels.UNITS.get(unit)
    return gettext(msgid) if msgid else unit


def item_label(item) -> str:
    """A footprint line item's label in the page's language (LineItem or its stored dict).

    English pages, and items stored before the engine kept `parts`, show the engine's English label.
    """
    is_dict = isinstance(item, dict)
    label = item["label"] if is_dict else item.label
    parts = item.get("parts") if is_dict else item.parts
    locale = _locale()
    if not parts or locale == "en":
        return label
    def number(value):
        return format_decimal(Decimal(str(value)), format="#,##0.#", locale=locale)

    try:
        return labels.line_item(parts, locale, _place, gettext, number, _plural)
    except (KeyError, TypeError, ValueError):  # parts from a newer or older engine than this page knows
        return label


def day(value) -> str:
    """A date for the page's locale: 'Sep 7, 2021', '2021年9月7日', 'Set 7, 2021'."""
    return format_date(value, format="medium")


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["comparison"] = comparison
    app.jinja_env.filters["data_text"] = data_text
    app.jinja_env.filters["tonnes"] = tonnes
    app.jinja_env.filters["kg"] = kg
    app.jinja_env.filters["whole_kg"] = whole_kg
    app.jinja_env.filters["item_label"] = item_label
    app.jinja_env.filters["unit_label"] = unit_label
    app.jinja_env.filters["shown_status"] = shown_status
    app.jinja_env.globals["co2e"] = co2e
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["place_name"] = place_name

    @app.context_processor
    def _globals():
        return {
            "demo_payments": payments.is_available("demo", current_app.config),
            "current_locale": str(get_locale() or "en"),
        }
