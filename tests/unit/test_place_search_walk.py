"""Issue #26 item 5: names visitors type (Chinese station names, pinyin and old English spellings) resolve,
a name two places share resolves by the event's venue, and a ground journey its mode cannot make is refused."""
import pytest

from app.services import footprint
from app.services.footprint import places


@pytest.mark.parametrize(("typed", "code"), [
    ("北京南站", "beijing-south-station"), ("重庆北站", "chongqing-north-station"), ("Xian", "xian-cn"),
    ("xian", "xian-cn"), ("Lasa", "lhasa-cn"), ("Wulumuqi", "urumqi-cn"), ("Peking", "beijing-cn"),
    ("Cebu", "cebu-city-ph"), ("Cebu City", "cebu-city-ph"), ("Quezon City", "quezon-city-ph"),
])
def test_typed_names_resolve_and_are_suggested(typed, code):
    assert places.lookup(typed).code == code
    assert places.search(typed)[0].code == code


def test_stations_show_their_chinese_names():
    assert places.by_code("beijing-south-station").label("zh") == "北京南站"


def test_a_shared_name_resolves_by_the_venue_country_then_distance():
    shenzhen, akron = places.lookup("Shenzhen"), places.lookup("CAK")
    assert places.lookup("Canton").code == "canton-us"  # without a venue: the place named so
    assert places.lookup("Canton", near=shenzhen).code == "guangzhou-cn"
    assert places.lookup("Canton", near=akron).country == "US"
    assert places.search("Canton", near=shenzhen)[0].code == "guangzhou-cn"
    assert places.search("London")[0].code == "london-gb"  # without a venue the old order stands


def test_a_mode_that_cannot_make_the_trip_is_refused_plainly():
    with pytest.raises(footprint.FootprintError) as refused:
        footprint.estimate({"legs": [{"mode": "rail_hsr", "from": "Canton", "to": "Shenzhen"}]})
    assert refused.value.field == "legs[0].mode" and refused.value.code == "mode_cannot_make_trip"
    assert "12,565 km apart: too far for high-speed rail" in refused.value.message
    near = places.lookup("Shenzhen")
    result = footprint.estimate({"legs": [{"mode": "rail_hsr", "from": "Canton", "to": "Shenzhen"}]}, near=near)
    assert 0 < result.total_kg < 10  # Guangzhou to Shenzhen by train
    assert footprint.estimate({"legs": [{"mode": "flight", "from": "Canton", "to": "Shenzhen"}]}).total_kg > 1000
    # a typed distance is the visitor's word
    assert footprint.estimate({"legs": [{"mode": "rail", "distance_km": "9000"}]}).total_kg > 0
