"""Time zones: every moment is stored in UTC and shown in the venue's zone.

An event has an IANA zone (`Event.timezone`, e.g. "Asia/Shanghai"); one not chosen is its country's
usual zone (`app/data/country_zones.csv`, from the IANA tz database's zone.tab). `zone_of` is the one
way to find the zone of an event (or of a zone name, or of nothing: UTC), and `local` the one way to
turn a stored UTC moment into that zone; the pages' `local` filter (app/web/template_helpers.py) and
the certificate's date both go through them. The JSON API keeps UTC.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATA = Path(__file__).resolve().parents[1] / "data" / "country_zones.csv"
UTC = ZoneInfo("UTC")


@functools.cache
def _table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    zones: dict[str, list[str]] = {}
    defaults: dict[str, str] = {}
    with DATA.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            zones.setdefault(row["country"], []).append(row["zone"])
            if row["default"] == "1":
                defaults[row["country"]] = row["zone"]
    return {c: tuple(z) for c, z in zones.items()}, defaults


def for_country(country: str | None) -> tuple[str, ...]:
    """The zones of a country, its usual one first; () for an unknown code."""
    zones, defaults = _table()
    code = (country or "").upper()
    found = zones.get(code, ())
    first = defaults.get(code)
    return tuple([first, *(z for z in found if z != first)]) if first else found


def default_for(country: str | None) -> str:
    """The zone a venue in this country gets when none is chosen ('Asia/Shanghai' for CN); UTC if unknown."""
    return _table()[1].get((country or "").upper(), "UTC")


@functools.cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def is_zone(name: str | None) -> bool:
    return bool(name) and _zone(name or "") is not None


def zone_of(where: Any) -> ZoneInfo:
    """The zone to show a moment in: an event's (its own, else its country's usual one), a zone
    given by name, or UTC for nothing (a page with no event)."""
    if where is None or where == "":
        return UTC
    if isinstance(where, ZoneInfo):
        return where
    if isinstance(where, str):
        return _zone(where) or UTC
    name = getattr(where, "timezone", "") or default_for(getattr(where, "country", ""))
    return _zone(name) or UTC


def local(moment: dt.datetime, where: Any = None) -> dt.datetime:
    """A stored moment (naive UTC, as the database keeps it, or aware) in the zone of `where`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone_of(where))


def local_date(moment: dt.datetime, where: Any = None) -> dt.date:
    """The calendar day of a moment at the venue (a certificate's issue date)."""
    return local(moment, where).date()


def offset_label(moment: dt.datetime) -> str:
    """'UTC+8', 'UTC-3:30', 'UTC' for an aware moment: unambiguous in every language."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def utc_iso(moment: dt.datetime) -> str:
    """The machine-readable UTC form ('2026-12-04T06:05:00Z') for <time datetime> and the API."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"
