"""Footprint line items in the page's language: the calculator, the life page and the certificate
breakdown word each item from its structured parts; English pages and the API keep the engine's label."""
from __future__ import annotations

import pytest

from app.models import Footprint
from app.services import footprint

FLIGHT = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-from": "PEK", "legs-0-to": "CTU",
          "legs-0-return": "on", "hotel-nights": "2", "hotel-country": "CN"}
ENGLISH = "Flight PEK \u2192 CTU, economy, return"
TRANSLATED = {
    "zh": ["飞机 北京 → 成都，经济舱，往返", "酒店住宿2晚，中国"],
    "fil": ["Eroplano PEK → CTU, economy, balikan", "Hotel, 2 gabi, China"],
}


@pytest.mark.parametrize("lang", ["zh", "fil"])
def test_calculator_result_words_its_items_in_the_language(client, make_event, lang):
    make_event(slug="forum")
    html = client.post(f"/e/forum/calculate?lang={lang}", data=FLIGHT, follow_redirects=True).get_data(as_text=True)
    for label in TRANSLATED[lang]:
        assert label in html
    assert ENGLISH not in html and "Hotel, 2 nights" not in html
    english = client.post("/e/forum/calculate?lang=en", data=FLIGHT, follow_redirects=True).get_data(as_text=True)
    assert ENGLISH in english and "Hotel, 2 nights, China" in english


def test_the_api_keeps_the_english_label_and_adds_the_parts(client):
    body = {"legs": [{"mode": "flight", "from": "PEK", "to": "CTU", "return": True}],
            "hotel_nights": [{"country": "CN", "nights": 2}]}
    items = client.post("/api/v1/footprint", json=body, headers={"Accept-Language": "zh-CN"}).get_json()["items"]
    assert [it["label"] for it in items] == [ENGLISH, "Hotel, 2 nights, China"]
    assert items[0]["parts"] == {
        "kind": "journey", "mode": "flight", "cabin": "economy", "from": {"code": "PEK", "label": "PEK"},
        "to": {"code": "CTU", "label": "CTU"}, "return": True, "trips": 1.0,
    }
    assert items[1]["parts"] == {"kind": "hotel", "country": "CN", "nights": 2, "other_country_average": False}


LIFE = {"electricity": "200", "grid": "CN-EAST", "gas": "", "car_km": "", "car_fuel": "petrol",
        "flights_short": "", "flights_long": "", "food": "diet", "diet": "chicken"}


@pytest.mark.parametrize(("lang", "label"), [
    ("zh", "用电 2,400 kWh，华东电网"),
    ("fil", "Kuryente, 2,400 kWh, Grid ng East China"),
    ("en", "Electricity, 2,400 kWh, East China grid"),
])
def test_life_page_words_its_items_in_the_language(client, make_event, lang, label):
    make_event(slug="life", name="Life carbon footprint", scenario="other", venue_name="Everyday life",
               venue_code="", city="")
    html = client.post(f"/life?lang={lang}", data=LIFE).get_data(as_text=True)
    assert label in html
    neutralize = client.post(f"/life/neutralize?lang={lang}", data={**LIFE, "period": "year"})
    assert label in neutralize.get_data(as_text=True)


def _order_with_footprint(db, make_order, result: dict):
    order = make_order(kg=500)
    fp = Footprint(inputs={}, result=result, total_kg=result["total_kg"], methodology=result["methodology"])
    db.session.add(fp)
    db.session.flush()
    order.footprint_id = fp.id
    db.session.commit()
    return order


def test_certificate_breakdown_words_its_items_and_old_rows_keep_theirs(client, db, make_order):
    result = footprint.estimate({"legs": [{"mode": "flight", "from": "PEK", "to": "CTU", "return": True}]}).to_dict()
    token = _order_with_footprint(db, make_order, result).certificate.token
    zh = client.get(f"/c/{token}?lang=zh").get_data(as_text=True)
    assert "飞机 北京 → 成都，经济舱，往返" in zh and ENGLISH not in zh
    assert "Eroplano PEK → CTU, economy, balikan" in client.get(f"/c/{token}?lang=fil").get_data(as_text=True)
    assert ENGLISH in client.get(f"/c/{token}?lang=en").get_data(as_text=True)

    old = {**result, "items": [{k: v for k, v in it.items() if k != "parts"} for it in result["items"]]}
    old_token = _order_with_footprint(db, make_order, old).certificate.token
    assert ENGLISH in client.get(f"/c/{old_token}?lang=zh").get_data(as_text=True)  # stored before parts


def test_every_kind_of_item_is_worded_without_falling_back(app):
    from app.web.template_helpers import item_label

    result = footprint.estimate({
        "legs": [{"mode": "car", "distance_km": "12.5", "fuel": "unknown", "occupants": 2, "country": "CN",
                  "trips": 3},
                 {"mode": "taxi", "distance_km": "8", "occupants": 3},
                 {"mode": "rail_hsr", "from": "Chengdu", "to": "PEK"}],
        "hotel_nights": [{"country": "OTHER", "nights": 1}],
        "meals": [{"kind": "beef", "count": 2}], "basket": [{"category": "rice", "amount": "1.5"}],
        "energy": [{"kind": "natural_gas", "amount": "10", "unit": "m3"}],
    }).to_dict()
    with app.test_request_context("/?lang=zh"):
        labels = [item_label(it) for it in result["items"]]
    assert labels == [
        # Chinese unit words for mass and distance (GLOSSARY.md); energy keeps the meter's symbol.
        "汽车（燃料类型未知，2人同乘），在中国境内12.5 公里 × 3", "出租车（3人同乘），8 公里", "高铁 成都 → 北京",
        "酒店住宿1晚，其他国家/地区", "餐饮：牛肉 × 2", "购物：大米，1.5 千克", "天然气 10 m³",
    ]
