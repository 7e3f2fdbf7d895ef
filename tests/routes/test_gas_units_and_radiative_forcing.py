"""Natural gas in the unit on the visitor's meter, and radiative forcing said and switchable, through the
API, the life page and the calculator."""
from sqlalchemy import func, select

from app.models import Order
from app.services import footprint


def test_api_takes_a_gas_unit_and_says_whether_flights_include_rf(client):
    body = {"legs": [{"mode": "flight", "from": "PEK", "to": "CTU"}],
            "energy": [{"kind": "natural_gas", "amount": 30, "unit": "m3"}], "radiative_forcing": False}
    answer = client.post("/api/v1/footprint", json=body)
    assert answer.status_code == 200
    flight, gas = answer.get_json()["items"]
    assert flight["radiative_forcing"] is False and flight["factor"]["id"] == "flight:international:economy:no_rf"
    assert "radiative_forcing" not in gas
    # 30 m3 x 2.06672 (DESNZ 2025, natural gas per cubic metre) = 62.0016 kg
    assert gas["kg"] == 62.002 and gas["factor"]["id"] == "natural_gas:m3"
    # PEK-CTU 1,556.066 km x 0.06449 (non-UK, economy, without RF) = 100.35069634 kg
    assert flight["kg"] == 100.351
    assert answer.get_json()["methodology"] == "carbondot-3 / DESNZ 2025 / MEE 2023"


def test_api_refuses_a_unit_for_electricity_and_changes_nothing(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    bad = {"energy": [{"kind": "electricity", "amount": 30, "unit": "m3"}]}
    answer = client.post("/api/v1/footprint", json=bad)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "energy[0].unit"
    order = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "footprint": bad})
    assert order.status_code == 422 and order.get_json()["error"]["field"] == "footprint.energy[0].unit"
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_life_page_offers_cubic_metres_first_and_an_rf_switch(client, htmx):
    html = client.get("/life").get_data(as_text=True)
    assert '<option value="m3" selected>m³</option>' in html
    assert html.index('value="m3"') < html.index('value="kWh"')
    assert 'name="radiative_forcing" checked' in html and 'name="rf_shown" value="1"' in html
    form = {"gas": "30", "gas_unit": "m3", "flights_short": "1", "rf_shown": "1", "food": "basket"}
    body = htmx.post("/life", data=form, headers={"HX-Target": "life-result"}).get_data(as_text=True)
    # A year: 360 m3 x 2.06672 = 744.0192 kg; one return flight without RF: 3,000 km x 0.06449 = 193.47 kg
    assert "Natural gas, 360 m³" in body and "without altitude effects (RF)" in body
    assert "incl. altitude effects (RF)" not in body
    body = htmx.post("/life", data={**form, "radiative_forcing": "on"},
                     headers={"HX-Target": "life-result"}).get_data(as_text=True)
    assert "incl. altitude effects (RF)" in body


def test_calculator_shows_rf_and_takes_a_gas_unit_and_taxi_riders(client, make_event):
    make_event(slug="hall", scenario="hotel")
    form = {"leg_count": "2", "legs-0-mode": "flight", "legs-0-from": "PEK", "legs-0-to": "CTU",
            "legs-1-mode": "taxi", "legs-1-distance_km": "10", "legs-1-occupants": "2",
            "energy-gas": "30", "energy-gas-unit": "m3", "rf_shown": "1", "radiative_forcing": "on"}
    html = client.post("/e/hall/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Flights: incl. altitude effects (RF)" in html
    assert "Taxi (2 riders), 10 km" in html and "Natural gas, 30 m³" in html
    assert '<option value="m3" selected>m³</option>' in html


def test_calculator_offers_kwh_first_outside_china(client, make_event):
    make_event(slug="tokyo", scenario="hotel", country="JP")
    html = client.post("/e/tokyo/calculate", data={"leg_count": "0", "energy-gas": "30"},
                       follow_redirects=True).get_data(as_text=True)
    assert '<option value="kWh" selected>kWh</option>' in html and "Natural gas, 30 kWh" in html
    assert html.index('<option value="kWh"') < html.index('<option value="m3"')
    assert footprint.gas_units("JP") == ("kWh", "m3") and footprint.gas_units("CN") == ("m3", "kWh")
