"""Issue #24 item 2: times in the venue's zone (services/zones.py)."""
from __future__ import annotations

import csv
import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from app.services import zones
from app.services.certificates import numbers


def test_every_zone_in_the_table_exists_and_each_country_has_one_default():
    with zones.DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert len(rows) > 300
    defaults: dict[str, int] = {}
    for row in rows:
        ZoneInfo(row["zone"])  # raises for a name the tz database does not know
        defaults[row["country"]] = defaults.get(row["country"], 0) + int(row["default"])
    assert set(defaults.values()) == {1}


def test_country_defaults():
    assert zones.default_for("CN") == "Asia/Shanghai"  # Chengdu
    assert zones.default_for("ph") == "Asia/Manila"
    assert zones.default_for("AU") == "Australia/Sydney"  # not zone.tab's first (Lord Howe)
    assert zones.default_for("") == "UTC"
    assert zones.default_for("ZZ") == "UTC"
    assert zones.for_country("CN") == ("Asia/Shanghai", "Asia/Urumqi")
    assert zones.for_country("US")[0] == "America/New_York"


def test_an_event_without_its_own_zone_uses_its_countrys():
    moment = dt.datetime(2026, 12, 3, 22, 5)  # naive UTC, as stored
    chengdu = SimpleNamespace(timezone="", country="CN")
    assert zones.local(moment, chengdu) == dt.datetime(2026, 12, 4, 6, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert zones.local_date(moment, chengdu) == dt.date(2026, 12, 4)  # the venue's day, not UTC's Dec 3
    assert zones.local_date(moment, None) == dt.date(2026, 12, 3)
    urumqi = SimpleNamespace(timezone="Asia/Urumqi", country="CN")
    assert zones.local(moment, urumqi).hour == 4
    assert zones.local(moment, "America/St_Johns").utcoffset() == -dt.timedelta(hours=3, minutes=30)
    assert zones.local(moment, "Not/AZone").utcoffset() == dt.timedelta(0)


def test_offset_labels_and_utc_form():
    moment = dt.datetime(2026, 12, 3, 22, 5)
    assert zones.offset_label(zones.local(moment, "Asia/Shanghai")) == "UTC+8"
    assert zones.offset_label(zones.local(moment, "America/St_Johns")) == "UTC-3:30"
    assert zones.offset_label(zones.local(moment, "Asia/Kolkata")) == "UTC+5:30"
    assert zones.offset_label(zones.local(moment, None)) == "UTC"
    assert zones.utc_iso(moment) == "2026-12-03T22:05:00Z"
    assert zones.utc_iso(zones.local(moment, "Asia/Shanghai")) == "2026-12-03T22:05:00Z"


def test_the_certificate_date_is_the_venues_day():
    day = zones.local_date(dt.datetime(2026, 12, 3, 22, 5), "Asia/Shanghai")
    assert numbers.format_date(day, "zh") == "2026年12月4日"
