"""carbondot-3 (issue #27) on the pages: the venue's province by default, the method page's new sections."""

from __future__ import annotations

import re

import pytest


def selected_grid(html: str, name: str) -> str:
    select = re.search(rf'<select id="[^"]*" name="{name}".*?</select>', html, re.S)
    assert select is not None
    found = re.search(r'<option value="([^"]+)" selected>', select.group(0))
    assert found is not None
    return found.group(1)


def test_operations_start_at_the_venues_province(client, htmx, org, make_event, make_project):
    make_project()
    chengdu = make_event(organization_id=org.id, slug="chengdu", venue_lat=30.5728, venue_lon=104.0668)
    page = client.get(f"/organizer/events/{chengdu.id}/operations").get_data(as_text=True)
    assert selected_grid(page, "grid") == "CN-SC" and "Provinces" in page
    # No grid posted (a script, an old form): still the venue's province, 1,000 kWh x 0.1564 = 156.4 kg.
    body = htmx.post(f"/organizer/events/{chengdu.id}/operations/estimate", data={"electricity": "1000"},
                     headers={"HX-Target": "ops-result"}).get_data(as_text=True)
    assert "Electricity, 1,000 kWh, Sichuan" in body
    # The organizer may pick another: the Southern grid, 1,000 x 0.4042.
    body = htmx.post(f"/organizer/events/{chengdu.id}/operations/estimate",
                     data={"electricity": "1000", "grid": "CN-SOUTH"}, headers={"HX-Target": "ops-result"})
    assert "Electricity, 1,000 kWh, Southern grid" in body.get_data(as_text=True)


def test_an_event_abroad_starts_at_the_national_average(client, org, make_event):
    tokyo = make_event(organization_id=org.id, slug="tokyo", country="JP", venue_code="NRT", city="Tokyo",
                       venue_lat=35.77, venue_lon=140.39)
    page = client.get(f"/organizer/events/{tokyo.id}/operations").get_data(as_text=True)
    assert selected_grid(page, "grid") == "CN"


def test_the_visitor_calculator_prices_the_venues_province(client, make_event, make_project):
    make_project()
    make_event(slug="forum")  # venue "Chengdu", no coordinates: found by its name
    html = client.post("/e/forum/calculate", data={"leg_count": "0", "energy-electricity": "50"},
                       follow_redirects=True).get_data(as_text=True)
    assert selected_grid(html, "energy-grid") == "CN-SC"
    assert "Electricity, 50 kWh, Sichuan" in html


def test_the_life_page_picker_starts_at_the_life_events_province(client, make_event):
    make_event(slug="life", name="Life carbon footprint", scenario="other", venue_name="Everyday life",
               venue_code="", city="", venue_lat=23.1291, venue_lon=113.2644)
    html = client.get("/life").get_data(as_text=True)
    assert selected_grid(html, "grid") == "CN-GD"
    answer = client.post("/life", data={"electricity": "100", "grid": "CN-YN", "rf_shown": "1"})
    assert "Electricity, 1,200 kWh, Yunnan" in answer.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "zh", "fil"])
def test_the_method_page_shows_each_change_and_the_chinese_comparison(client, lang):
    response = client.get(f"/methodology?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for anchor in ('id="changes"', 'id="china-sources"', 'id="carbonstop"', 'id="provinces"',
                   'id="change-ev"', 'id="change-haul"', 'id="carbonstop-electricity"'):
        assert anchor in html
    # Each change's figures, before and now, as the page's language writes them.
    figures = {"en": ("0.10982 kg", "463.2 kg and 434.9 kg", "463.2 kg and 465.3 kg", "24.72 kg (Southwest grid)",
                      "15.64 kg (Sichuan)", "2,055.0 kg", "4.6 t"),
               "zh": ("0.10982 千克", "463.2 千克 和 434.9 千克", "463.2 千克 和 465.3 千克", "24.72 千克（西南电网）",
                      "15.64 千克（四川）", "2,055.0 千克", "4.6 吨"),
               "fil": ("0.10982 kg", "463.2 kg at 434.9 kg", "463.2 kg at 465.3 kg",
                       "24.72 kg (grid ng Timog-Kanluran)", "15.64 kg (Sichuan)", "2,055.0 kg", "4.6 t")}[lang]
    changes = html[html.index('id="changes"'):html.index('id="flights"')]
    for figure in figures:
        assert figure in changes, figure
    assert "2.52×" in html and "0.24×" in html and "1.88×" in html
    assert "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html" in html
    # Every province in MEE's table has its own row; Tibet, left out of it, shows the Southwest grid's.
    provinces = html[html.index('id="provinces"'):html.index('id="meal-portions"')]
    assert "<strong>0.1333</strong>" in provinces and "<code>electricity:grid:CN-YN</code>" in provinces
    assert "<code>electricity:grid:CN-BJ</code>" in provinces and "<strong>0.5554</strong>" in provinces
    assert provinces.count("<code>electricity:grid:CN-SOUTHWEST</code>") == 1
    if lang == "zh":
        assert "碳阻迹" in html and "What changed in carbondot-3" not in html and "四川" in html
    if lang == "fil":
        assert "What changed in carbondot-3" not in html


def test_the_method_page_says_which_numbers_are_ours(client):
    html = client.get("/methodology").get_data(as_text=True)
    assert "Every number comes from a published emission factor" not in html
    assert "These are ours" in html and "walking and cycling count zero" in html
    assert "We did not find one we could read and verify" in html


def test_the_life_page_picker_starts_at_the_event_the_visitor_came_from(client, make_event):
    make_event(slug="forum", venue_lat=30.5728, venue_lon=104.0668)  # Chengdu
    event_page = client.get("/e/forum").get_data(as_text=True)
    assert 'href="/life?event=forum"' in event_page
    assert selected_grid(client.get("/life?event=forum").get_data(as_text=True), "grid") == "CN-SC"
    assert selected_grid(client.get("/life?event=nowhere").get_data(as_text=True), "grid") == "CN"
