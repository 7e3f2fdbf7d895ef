"""Names and texts in several languages, as data: the one place that picks a row's text for a language.

An event (name, venue, description, city), an organization (name), a project (name, type, place,
description) and a project owner (name) keep their default, English text in their own columns, and
the other languages in their `names` column, by language code then field:
``{"zh": {"name": "首届…", "venue_name": "…"}, ...}``.

The fallback order, for every field: the asked language, then English, which is the column itself.
So zh -> en, fil -> en, en -> the column; a language never falls back to another non-English one.
An event's city has one more step before English: the place data's own name in that language
(app/data/place_names.csv gives 成都 for Chengdu), so a city shows in the page language even when
the organizer entered none.

Flask-free: the web layer (`app/web/template_helpers.py`, filter `named`), the certificate, the
posters, the API and the commands all call `pick`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_

from ..models import Event
from . import languages
from .footprint import places

# The fields each table keeps per language; the key is the table name.
FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("name", "venue_name", "description", "city"),
    "organization": ("name",),
    "project": ("name", "kind", "place", "description"),
    "project_owner": ("name",),
}
LIMITS = {"name": 200, "venue_name": 200, "description": 2000, "city": 120, "kind": 80, "place": 200}


def fields_of(row: Any) -> tuple[str, ...]:
    return FIELDS[row.__tablename__]


def other_languages() -> tuple[str, ...]:
    """The languages kept in `names` (every registered one but English, which the columns hold)."""
    return tuple(code for code in languages.codes() if code != languages.SOURCE)


def fallback(language: str | None) -> tuple[str, ...]:
    """The languages tried, in order, for a text asked in `language`: itself, then English."""
    code = languages.normalize(language) or languages.SOURCE
    return (code,) if code == languages.SOURCE else (code, languages.SOURCE)


def entered(row: Any, field: str, language: str) -> str:
    """The text entered for exactly this language ("" if none); English is the column."""
    if language == languages.SOURCE:
        return getattr(row, field) or ""
    return str(((row.names or {}).get(language) or {}).get(field) or "")


def pick(row: Any, field: str, language: str | None) -> str:
    """The row's `field` in `language`, following the fallback order above."""
    if row is None:
        return ""
    for code in fallback(language):
        if row.__tablename__ == "event" and field == "city" and code != languages.SOURCE:
            text = entered(row, field, code) or place_name(row.city, code)
        else:
            text = entered(row, field, code)
        if text:
            return text
    return ""


def place_name(city: str, language: str) -> str:
    """A city's name in `language` from the place data ("" when the data has none)."""
    if not city:
        return ""
    place = places.lookup(city)
    if place is None or place.label(language) == place.name:
        return ""
    return place.label(language)


def every_language(row: Any) -> dict[str, dict[str, str]]:
    """Each registered language's picked texts (after fallback), e.g. for the API's `names` object."""
    return {code: {field: pick(row, field, code) for field in fields_of(row)} for code in languages.codes()}


def cleaned(row: Any, entries: Mapping[str, Mapping[str, str | None]]) -> dict[str, dict[str, str]]:
    """`entries` ({language: {field: text}}) kept to known languages and fields, spaces squeezed in
    one-line fields, empty texts dropped (an empty text means "fall back")."""
    kept: dict[str, dict[str, str]] = {}
    allowed = fields_of(row)
    for code, texts in entries.items():
        if code not in other_languages():
            continue
        for field, text in texts.items():
            if field not in allowed or not text:
                continue
            text = text.strip() if field == "description" else " ".join(text.split())
            if text:
                kept.setdefault(code, {})[field] = text[:LIMITS[field]]
    return kept


def set_names(row: Any, entries: Mapping[str, Mapping[str, str | None]], *, replace: bool = True) -> None:
    """Store `entries` on the row: replacing every other-language text (a form posts them all), or,
    with replace=False, only the fields given (the CLI sets one at a time; an empty one is removed)."""
    new = cleaned(row, entries)
    if not replace:
        merged = {code: dict(texts) for code, texts in (row.names or {}).items()}
        for code, texts in entries.items():
            for field, text in texts.items():
                if not (text or "").strip():
                    merged.get(code, {}).pop(field, None)
        for code, texts in new.items():
            merged.setdefault(code, {}).update(texts)
        new = {code: texts for code, texts in merged.items() if texts}
    row.names = new  # a new dict: the column does not track changes inside one


def search_events(stmt: Select, query: str) -> Select:
    """Narrow a select of events to those whose name, venue or city holds `query` in any language, or
    whose city is the place `query` names (成都 finds Chengdu). The `names` JSON is searched as text,
    so recheck each row with `event_matches` (a query like "name" also matches the JSON's keys)."""
    like = f"%{query}%"
    found: list[ColumnElement[bool]] = [Event.name.ilike(like), Event.city.ilike(like), Event.venue_name.ilike(like),
             cast(Event.names, Text).ilike(like)]
    place = places.lookup(query)
    if place is not None and place.kind == "city":
        found.append(func.lower(Event.city) == place.name.lower())
    return stmt.where(or_(*found))


def event_matches(event: Any, query: str) -> bool:
    """Whether an event is found by `query`: in its name, venue or city in any language, or as its city."""
    if matches(event, query, ("name", "venue_name", "city")):
        return True
    place = places.lookup(query)
    return place is not None and place.kind == "city" and (event.city or "").casefold() == place.name.casefold()


def matches(row: Any, query: str, fields: tuple[str, ...] | None = None) -> bool:
    """Whether `query` (case-folded) occurs in any of the row's texts, in any language."""
    q = query.casefold()
    wanted = fields or fields_of(row)
    for field in wanted:
        if q in (getattr(row, field) or "").casefold():
            return True
    return any(q in str(t).casefold() for by_field in (row.names or {}).values()
               for f, t in by_field.items() if f in wanted)
