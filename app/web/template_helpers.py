"""Jinja filters and globals: formatting only, no business rules."""
from __future__ import annotations

import re
from decimal import Decimal

from babel import dates as babel_dates
from babel.numbers import format_compact_decimal, format_decimal
from flask import Flask, current_app
from flask_babel import format_date, get_locale, get_translations, gettext, ngettext
from markupsafe import Markup

from ..services import footprint, payments, zones
from ..services import languages as _languages
from ..services import names as _names
from ..services.footprint import labels, methodology
from ..services.footprint import places as _places
from ..services.sales import money as _money
from . import live


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


_LOCAL_FORMATS = {"day": ("medium", None), "time": (None, "HH:mm"), "moment": ("medium", "HH:mm"),
                  "short": ("MM-dd", "HH:mm"), "date": ("yyyy-MM-dd", None)}


def local(value, where=None, style: str = "moment", tag: bool = False):
    """A stored UTC moment as the venue reads it: the one way a page shows a time.

    `where` is an event (its zone, else its country's usual one), a zone name, or None (UTC, for a page
    with no event); `style` is 'moment' ('Dec 4, 2026 14:05 (UTC+8)'), 'time' ('14:05 (UTC+8)'),
    'short' ('12-04 14:05'), 'day' or 'date' (the venue's calendar day). Moments carry the offset, since
    a visitor's phone may be in another zone. With `tag`, wrapped in <time datetime="...Z"> keeping UTC
    for machines."""
    if value is None:
        return ""
    moment = zones.local(value, where)
    day_format, time_format = _LOCAL_FORMATS[style]
    parts = []
    if day_format:
        parts.append(babel_dates.format_date(moment, format=day_format, locale=_locale()))
    if time_format:
        parts.append(babel_dates.format_time(moment, format=time_format, tzinfo=moment.tzinfo, locale=_locale()))
    text = " ".join(parts)
    if time_format and style != "short":
        text += f" ({zones.offset_label(moment)})"
    if not tag:
        return text
    return Markup('<time datetime="{}">{}</time>').format(zones.utc_iso(value), text)


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


def number(value, digits: int | None = None) -> str:
    """A data figure in the page's locale: every digit it has (0.22928, 6,371), or `digits` decimals."""
    pattern = "#,##0.##########" if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(Decimal(str(value)), format=pattern, locale=_locale())


def ingredient(code: str) -> str:
    """A meal portion's ingredient: 'fish farmed' on English pages (as the data says it), else its label."""
    msgid = labels.BASKET.get(code)
    return code.replace("_", " ") if _locale() == "en" or not msgid else gettext(msgid).lower()


def figures(f) -> str:
    """A change's figures (methodology.Figures) in the page's language: '463.2 千克 和 465.3 千克'."""
    unit = "%(n)s t" if f.unit == "t" else "%(n)s kg"
    shown = {k: gettext(unit, n=number(v, max(-v.as_tuple().exponent, 0))) for k, v in f.values.items()}
    return (f.words if f.words == "%(a)s" else gettext(f.words)) % shown


def data_cell(english: str, file: str, key: str, column: str) -> str:
    """A data file's text (a note, a basis) in the page's language, with its {number:...} written out;
    the English where data_translations.csv has none for this English (tests flag that)."""
    text = methodology.translated(file, key, column, english, _locale())
    return data_text(english if text is None else text)


def factor_name(f) -> str:
    """A factor's name for people in the page's language (labels.factor_name); its id where it has none."""
    return labels.factor_name(f.id, _locale(), gettext) or f.id


def comparison_unit(c) -> str:
    """One unit of a comparison basis ('day of an average ...'; '1 天…' elsewhere, from labels.COMPARISONS)."""
    forms = labels.COMPARISONS.get(c.id)
    if _locale() == "en" or forms is None:
        return c.what
    return get_translations().ungettext(*forms, 1) % {"n": number(1)}


def factor_source(f) -> str:
    """A factor's source: a title as published, our own wording in the page's language
    (data_translations.csv), a computed factor's worded from the sources of its rows."""
    derived = methodology.derived_source(f.id)
    if derived is None:
        return data_cell(f.source, "factors.csv", f.id, "source")
    msgid, rows = derived
    return gettext(msgid, **{k: factor_source(footprint.factor(i)) for k, i in rows.items()})


def cite(f) -> str:
    """A factor as an estimate line names it, in the page's language: value, unit, source, year."""
    return gettext("%(value)s %(unit)s (%(source)s, %(year)s)", value=number(f.value), unit=unit_label(f.unit),
                   source=factor_source(f), year=f.year)


def factor_sources(line) -> str:
    """Every factor of an estimate line (event_estimate.EstimateLine), cited in the page's language."""
    # Translators: what separates two factors cited one after the other.
    return gettext("; ").join(cite(f) for f in line.factors) if line.factors else line.factor_source


def factor_note(f) -> str:
    """A factor's note in the page's language: factors computed in code are worded from their figures."""
    if _locale() == "en":
        return f.note
    derived = methodology.derived_note(f.id)
    if derived is None:
        return data_cell(f.note, "factors.csv", f.id, "note")
    msgid, figures = derived
    if "portions" in figures:
        parts = " + ".join(f"{number(g)} g {ingredient(i)} × {number(v)}" for g, i, v in figures["portions"])
        return gettext(msgid, portions=parts, value=number(figures["value"]))
    return gettext(msgid, **{k: number(v) for k, v in figures.items()})


def day(value) -> str:
    """A date for the page's locale: 'Sep 7, 2021', '2021年9月7日', 'Set 7, 2021'."""
    return format_date(value, format="medium")


def named(row, field: str = "name") -> str:
    """A row's name or text in the page's language (app/services/names.py: the language, then English)."""
    return _names.pick(row, field, _locale())


def name_languages() -> list:
    """The languages a name is entered in beside English, for the side-by-side fields."""
    return [_languages.get(code) for code in _names.other_languages()]


def register(app: Flask) -> None:
    app.jinja_env.filters["named"] = named
    app.jinja_env.globals["name_languages"] = name_languages  # a global: macros imported without context see it
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["comparison"] = comparison
    app.jinja_env.filters["data_text"] = data_text
    app.jinja_env.filters["tonnes"] = tonnes
    app.jinja_env.filters["kg"] = kg
    app.jinja_env.filters["whole_kg"] = whole_kg
    app.jinja_env.filters["item_label"] = item_label
    app.jinja_env.filters["unit_label"] = unit_label
    app.jinja_env.filters["shown_status"] = shown_status
    app.jinja_env.globals["co2e"] = co2e
    app.jinja_env.globals["hole"] = live.hole  # where a shared page's copy holds the visitor's own part
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["place_name"] = place_name
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["ingredient"] = ingredient
    app.jinja_env.filters["data_cell"] = data_cell
    app.jinja_env.filters["figures"] = figures
    app.jinja_env.filters["factor_note"] = factor_note
    app.jinja_env.filters["factor_name"] = factor_name
    app.jinja_env.filters["factor_source"] = factor_source
    app.jinja_env.filters["factor_sources"] = factor_sources
    app.jinja_env.filters["comparison_unit"] = comparison_unit

    @app.context_processor
    def _globals():
        return {
            "demo_payments": payments.is_available("demo", current_app.config),
            "current_locale": str(get_locale() or "en"),
        }
