"""Place lookup and search over airports, cities and railway stations.

Airports come from airportsdata (IATA entries only, heliports skipped). Each
airport city with a name becomes a city place; a few stations and cities that
airportsdata lacks come from app/data/places_extra.csv. Chinese names and
alternate spellings (北京, 北京市, Ch'eng-tu) come from app/data/place_names.csv,
derived from GeoNames by scripts/build_place_names.py, and from app/data/place_aliases.csv,
kept by hand with a source per row (station names in Chinese, Peking, Canton, Xian).
A name several places share (Canton: Guangzhou, CN and Canton, US) resolves, given an
event's venue, to the one in the venue's country, then the nearest. The index is
built once, on first use, so importing this module costs nothing.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import airportsdata

EXTRA_CSV = Path(__file__).resolve().parents[2] / "data" / "places_extra.csv"
NAMES_CSV = Path(__file__).resolve().parents[2] / "data" / "place_names.csv"
ALIASES_CSV = NAMES_CSV.parent / "place_aliases.csv"
KINDS = ("airport", "city", "station")
# Search shows cities first, then stations, then airports.
_KIND_ORDER = {"city": 0, "station": 1, "airport": 2}


@dataclass(frozen=True)
class Place:
    """A point a journey can start or end at."""

    code: str  # IATA code for airports, a slug for cities and stations
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    kind: str  # "airport" | "city" | "station"
    name_zh: str = ""  # Simplified Chinese name, where GeoNames has one (cities)

    def label(self, locale: str = "en") -> str:
        """The name to show in a language: the Chinese name on Chinese pages, else the English one."""
        return self.name_zh if locale == "zh" and self.name_zh else self.name


@dataclass(frozen=True)
class _Index:
    places: tuple[Place, ...]  # in display rank: cities first, bigger cities first, then by name
    prefixes: tuple[tuple[str, int], ...]  # sorted (folded code/name/city, position in places)
    haystack: str  # "name\tcity\n" per place, in rank order, for substring search
    line_starts: tuple[int, ...]
    by_code: dict[str, int]  # folded code -> position in places
    by_name: dict[str, Place]
    named: dict[str, tuple[int, ...]]  # folded name or alias -> every place (position) that answers to it
    countries: frozenset[str]


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching ("Xi'an" ~ "xi'an")."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.casefold().strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _airports() -> list[Place]:
    places = []
    for code, row in airportsdata.load("IATA").items():
        if "heliport" in row["name"].lower():
            continue
        places.append(Place(code, row["name"], row["city"], row["country"], row["lat"], row["lon"], "airport"))
    return places


def _primary(airports: list[Place]) -> Place:
    """Pick the airport that stands for its city.

    airportsdata has no traffic figures, so prefer "International" in the name,
    then the airport nearest the middle of the city's airports (keeps a far-off
    airfield that shares the city name from placing the city).
    """
    lat = sum(a.lat for a in airports) / len(airports)
    lon = sum(a.lon for a in airports) / len(airports)
    return min(airports, key=lambda a: ("international" not in a.name.lower(), (a.lat - lat) ** 2 + (a.lon - lon) ** 2))


def _cities(airports: list[Place]) -> dict[str, tuple[Place, int]]:
    groups: dict[tuple[str, str], list[Place]] = {}
    for a in airports:
        if a.city:
            groups.setdefault((a.city, a.country), []).append(a)
    cities = {}
    for (city, country), members in groups.items():
        hub = _primary(members)
        code = f"{slug(city)}-{country.lower()}"
        cities[code] = (Place(code, city, city, country, hub.lat, hub.lon, "city"), len(members))
    return cities


def _extras() -> list[Place]:
    with EXTRA_CSV.open(encoding="utf-8", newline="") as f:
        return [
            Place(r["code"], r["name"], r["city"], r["country"], float(r["lat"]), float(r["lon"]), r["kind"])
            for r in csv.DictReader(f)
        ]


def _names() -> dict[str, tuple[str, tuple[str, ...]]]:
    """code -> (Chinese display name, alternate names) from place_names.csv, then place_aliases.csv (its zh
    replaces the derived one, its aliases add to them); comment lines skipped."""
    names: dict[str, tuple[str, tuple[str, ...]]] = {}
    for path in (NAMES_CSV, ALIASES_CSV):
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(line for line in f if not line.startswith("#")):
                zh, aliases = names.get(r["code"], ("", ()))
                extra = tuple(a for a in r["aliases"].split("|") if a and a not in aliases)
                names[r["code"]] = (r["zh"] or zh, aliases + extra)
    return names


@cache
def _index() -> _Index:
    airports = _airports()
    cities = _cities(airports)
    weight = {code: n for code, (_, n) in cities.items()}
    merged: dict[str, Place] = {p.code: p for p in airports}
    merged.update({code: p for code, (p, _) in cities.items()})
    for p in _extras():  # extras win over derived entries with the same code
        merged[p.code] = p
        if p.kind == "city":
            weight.setdefault(p.code, 1)
    names = _names()
    for code, (zh, _aliases) in names.items():
        if code in merged and zh:
            merged[code] = replace(merged[code], name_zh=zh)

    ranked = tuple(
        sorted(merged.values(), key=lambda p: (_KIND_ORDER[p.kind], -weight.get(p.code, 0), p.name, p.code))
    )
    aliases = {code: extra for code, (_zh, extra) in names.items()}
    prefixes = sorted(
        (fold(key), i) for i, p in enumerate(ranked) for key in {p.code, p.name, p.city, *aliases.get(p.code, ())}
        if key
    )
    lines = [f"{fold(p.name)}\t{fold(p.city)}\t{p.name_zh}\n" for p in ranked]
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    by_name: dict[str, Place] = {}
    for p in ranked:  # first in rank wins a shared name
        by_name.setdefault(fold(p.name), p)
    for p in ranked:  # alternate names never take a name from a place that has it as its own
        for alias in aliases.get(p.code, ()):
            by_name.setdefault(fold(alias), p)
    named: dict[str, list[int]] = {}
    for i, p in enumerate(ranked):
        for key in {fold(p.name), fold(p.city) if p.kind == "city" else "", *map(fold, aliases.get(p.code, ()))}:
            if key:
                named.setdefault(key, []).append(i)
    return _Index(
        places=ranked,
        prefixes=tuple(prefixes),
        haystack="".join(lines),
        line_starts=tuple(starts),
        by_code={p.code.casefold(): i for i, p in enumerate(ranked)},
        by_name=by_name,
        named={key: tuple(found) for key, found in named.items()},
        countries=frozenset(p.country for p in ranked),
    )


def by_code(code: str) -> Place | None:
    """The place with this IATA code (any case) or slug, or None."""
    if not code:
        return None
    idx = _index()
    pos = idx.by_code.get(code.strip().casefold())
    return None if pos is None else idx.places[pos]


def lookup(text: str, near: Place | None = None) -> Place | None:
    """Resolve what a visitor typed: an IATA code, a slug, or an exact place name or alias.

    An exact name shared by several places resolves, given `near` (an event's venue), to the one
    in its country, then the nearest ("Canton" at a venue in Shenzhen is Guangzhou); without it,
    to the city first, then the one with most airports ("London" is London, GB, not London, Ontario).
    """
    if not text or not text.strip():
        return None
    found = by_code(text)
    if found is None and near is not None:
        idx = _index()
        shared = idx.named.get(fold(text), ())
        if len(shared) > 1:
            found = idx.places[min(shared, key=lambda i: _closeness(idx.places[i], near))]
    return found or _index().by_name.get(fold(text)) or at_coordinates(text)


def _closeness(place: Place, near: Place) -> tuple[bool, float]:
    """How a place ranks for a venue: in the venue's country first, then nearest."""
    return place.country != near.country, great_circle_km(place, near, 6371.0)


_AT = re.compile(r"^(?P<name>[^@]*?)\s*@\s*(?P<lat>[-+]?\d{1,2}(?:\.\d{1,7})?)\s*,"
                 r"\s*(?P<lon>[-+]?\d{1,3}(?:\.\d{1,7})?)$")


# A bare map pin, "30.57,104.06" (as a map app copies it; a Chinese comma too): a hotel or venue
# that is no city, airport or station.
_PIN = re.compile(r"^(?P<name>)(?P<lat>[-+]?\d{1,2}(?:\.\d{1,7})?)\s*[,，]\s*(?P<lon>[-+]?\d{1,3}(?:\.\d{1,7})?)$")


def at_coordinates(text: str) -> Place | None:
    """A place given by coordinates, "Mount Qingcheng Scenic Area @30.9007,103.5706" (an
    event's venue) or a bare map pin "30.57,104.06": its country is the nearest known place's."""
    match = _AT.match(text.strip()) or _PIN.match(text.strip())
    if not match:
        return None
    lat, lon = float(match["lat"]), float(match["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    name = match["name"].strip() or f"{_degrees(lat)}, {_degrees(lon)}"
    scale = math.cos(math.radians(lat))
    near = min(_index().places, key=lambda p: (p.lat - lat) ** 2 + ((p.lon - lon) * scale) ** 2)
    return Place(code=f"@{_degrees(lat)},{_degrees(lon)}", name=name, city=near.city, country=near.country,
                 lat=lat, lon=lon, kind="venue")


def _degrees(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def venue_text(name: str, lat: float, lon: float) -> str:
    """How a venue with coordinates is written in a form field (at_coordinates reads it back)."""
    return f"{name} @{_degrees(lat)},{_degrees(lon)}"


def search(query: str, limit: int = 8, near: Place | None = None) -> list[Place]:
    """Places whose code, name or city starts with or contains the query.

    Ranking: exact code, then prefix matches, then substring matches; within a
    tier cities first, bigger cities first, then by name. Given `near` (an event's
    venue), places with exactly the name typed come first, in the venue's country
    first and then nearest ("Canton" at a Chinese venue: Guangzhou before Canton,
    US), and, kind by kind, prefix matches in the venue's country before the others. Prefixes
    come from a sorted list (bisect) and substrings from one string scanned in
    rank order, so a query touches only its matches and stays well under a millisecond.
    """
    q = fold(query)
    if not q or limit <= 0:
        return []
    pin = _PIN.match(query.strip()) and at_coordinates(query)
    if pin:  # a map pin is its own only suggestion
        return [pin]
    idx = _index()
    exact = idx.by_code.get(q)
    found = [] if exact is None else [exact]
    seen = set(found)

    lo = bisect.bisect_left(idx.prefixes, (q, -1))
    hi = bisect.bisect_left(idx.prefixes, (q + "\uffff", -1))
    starting = sorted({i for _, i in idx.prefixes[lo:hi]} - seen)
    if near is not None:
        same_name = {i: _closeness(idx.places[i], near) for i in idx.named.get(q, ()) if i not in seen}
        home = near.country
        by_kind_home_first = sorted(starting, key=lambda i: (_KIND_ORDER[idx.places[i].kind],
                                                             idx.places[i].country != home))
        starting = sorted(same_name, key=same_name.__getitem__) + [
            i for i in by_kind_home_first if i not in same_name]
    found += starting[: max(0, limit - len(found))]
    seen.update(found)

    pos = 0
    while len(found) < limit:
        pos = idx.haystack.find(q, pos)
        if pos < 0:
            break
        line = bisect.bisect_right(idx.line_starts, pos) - 1
        if line not in seen:
            seen.add(line)
            found.append(line)
        pos = idx.line_starts[line + 1] if line + 1 < len(idx.line_starts) else len(idx.haystack)
    return [idx.places[i] for i in found[:limit]]


def warm_up() -> None:
    """Build the index now (about half a second) instead of on the first search."""
    _index()


def countries() -> list[str]:
    """Every ISO 3166-1 alpha-2 code some known place uses (the countries a form may offer)."""
    return sorted(_index().countries)


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code that some known place uses."""
    return bool(code) and code.upper() in _index().countries


def great_circle_km(a: Place, b: Place, radius_km: float) -> float:
    """Haversine distance between two places on a sphere of the given radius."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * radius_km * math.asin(min(1.0, math.sqrt(h)))


BIG_CITIES_CSV = EXTRA_CSV.parent / "big_cities.csv"


@cache
def _big_cities() -> tuple[Place, ...]:
    with BIG_CITIES_CSV.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        found = (by_code(r["code"]) for r in rows)
        return tuple(p for p in found if p is not None)


def big_cities_near(lat: float, lon: float, limit: int = 8, min_km: float = 30) -> list[Place]:
    """The cities of a million people or more (app/data/big_cities.csv) nearest a point, nearest
    first, leaving out the point's own city (closer than `min_km`): a kiosk's one-touch origins."""
    here = Place("", "", "", "", lat, lon, "city")
    by_distance = sorted(((great_circle_km(here, p, 6371.0), p) for p in _big_cities()), key=lambda x: x[0])
    return [p for km, p in by_distance if km >= min_km][:limit]


def big_city_rank(place: Place) -> int:
    """A big city's position by population (0 is the biggest); past the end for any other place."""
    cities = _big_cities()
    return cities.index(place) if place in cities else len(cities)
