"""Place lookup and search over airportsdata plus places_extra.csv."""

from __future__ import annotations

import time

import pytest

from app.services.footprint import places


def test_chengdu_resolves_three_ways():
    shuangliu, tianfu, city = places.lookup("CTU"), places.lookup("tfu"), places.lookup("Chengdu")
    assert (shuangliu.kind, shuangliu.name) == ("airport", "Chengdu Shuangliu International Airport")
    assert (tianfu.kind, tianfu.code, tianfu.country) == ("airport", "TFU", "CN")
    assert (city.kind, city.name, city.country) == ("city", "Chengdu", "CN")
    assert (city.lat, city.lon) == (shuangliu.lat, shuangliu.lon)  # a city sits at its main airport


def test_lookup_by_exact_name_slug_and_case():
    assert places.lookup("chengdu shuangliu international airport").code == "CTU"
    assert places.lookup("chengdu-cn").kind == "city"
    assert places.lookup("  pek ").code == "PEK"
    assert places.by_code("beijing-south-station").name == "Beijing South Railway Station"


def test_lookup_misses_return_none():
    assert places.lookup("Atlantis") is None
    assert places.lookup("") is None
    assert places.lookup("Chengd") is None  # lookup is exact; search is for prefixes
    assert places.by_code("") is None


def test_shared_city_name_prefers_the_bigger_city():
    assert places.lookup("London").country == "GB"


def test_stations_and_extra_cities_come_from_the_csv():
    for code in ("chengdu-east-station", "beijing-south-station", "shanghai-hongqiao-station",
                 "chongqing-north-station", "xian-north-station"):
        station = places.by_code(code)
        assert station.kind == "station" and station.country == "CN"
    xian = places.lookup("xi'an")
    assert xian.kind == "city" and abs(xian.lat - 34.265) < 0.01


def test_heliports_are_skipped():
    assert places.by_code("HLR") is None  # Yoakum-Defrenn Army Heliport in airportsdata
    assert places.by_code("LHR") is not None


def test_search_puts_cities_first_then_stations_then_airports():
    found = places.search("Chengdu")
    assert [p.code for p in found[:4]] == ["chengdu-cn", "chengdu-east-station", "CTU", "TFU"]


def test_search_exact_code_comes_first():
    assert places.search("ctu")[0].code == "CTU"
    assert places.search("SHA")[0].code == "SHA"


def test_search_finds_substrings_and_ignores_case():
    codes = {p.code for p in places.search("hongqiao")}
    assert {"SHA", "shanghai-hongqiao-station"} <= codes
    assert places.search("LONDON")[0].code == "london-gb"


def test_search_limit_and_empty_query():
    assert len(places.search("a", limit=3)) == 3
    assert places.search("") == []
    assert places.search("   ") == []
    assert places.search("qqqqzzzz") == []
    assert places.search("lon", limit=0) == []


def test_search_is_fast_once_warm():
    places.warm_up()
    queries = ["c", "ch", "chengdu", "ctu", "new york", "hongqiao", "international", "zzzz", "be", "ma"]
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for q in queries:
            places.search(q)
    per_search_ms = (time.perf_counter() - start) * 1000 / (rounds * len(queries))
    assert per_search_ms < 5


@pytest.mark.parametrize("code", ["CN", "cn", "AR", "PH"])
def test_is_country(code):
    assert places.is_country(code)


@pytest.mark.parametrize("code", ["", "XX", "CHN", "China"])
def test_is_not_country(code):
    assert not places.is_country(code)
