"""The engine takes a place given by coordinates (an event's venue)."""
from decimal import Decimal

import pytest

from app.services import footprint
from app.services.footprint import places


def test_a_place_given_by_coordinates():
    venue = places.lookup("Mount Qingcheng Scenic Area @30.9007,103.5706")
    assert venue is not None
    assert (venue.lat, venue.lon, venue.name, venue.country) == (30.9007, 103.5706, "Mount Qingcheng Scenic Area", "CN")
    assert places.lookup("@30.9007,103.5706").lat == 30.9007


@pytest.mark.parametrize("text", ["Somewhere @91,10", "Somewhere @10,181", "Somewhere @abc,10"])
def test_impossible_coordinates_are_not_a_place(text):
    assert places.lookup(text) is None


def test_from_the_city_to_the_venue_is_a_real_trip():
    result = footprint.estimate({"legs": [{"mode": "taxi", "from": "Chengdu",
                                           "to": "Mount Qingcheng Scenic Area @30.9007,103.5706"}]})
    assert result.total_kg > Decimal(0)
