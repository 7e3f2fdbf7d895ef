"""The kiosk's rules called directly: the walk-up state, its footprint, one-touch
origins, and the checkout service's handoff (token, lookup, claim)."""
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from app.models import Event, Participant, utcnow
from app.services import footprint
from app.services.footprint import kiosk, places
from app.services.sales import checkout, orders

DEMO = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000)
VENUE = Event(venue_code="Chengdu", country="CN")


def test_walkup_reads_only_what_the_kiosk_offers():
    w = kiosk.parse(MultiDict({"mode": "flight", "from": "beijing-cn", "return": "0", "nights": "3"}))
    assert (w.mode, w.origin.code, w.return_trip, w.nights) == ("flight", "beijing-cn", False, 3)
    odd = kiosk.parse(MultiDict({"mode": "rocket", "from": "nowhere-xx", "nights": "-2"}))
    assert (odd.mode, odd.origin, odd.return_trip, odd.nights) == ("", None, True, 0)
    assert kiosk.parse(MultiDict({"nights": "99"})).nights == kiosk.MAX_NIGHTS


def test_walkup_args_change_one_choice_and_keep_the_others():
    w = kiosk.parse(MultiDict({"mode": "flight", "from": "beijing-cn", "nights": "2"}))
    assert w.args(mode="car") == {"mode": "car", "from": "beijing-cn", "return": "1", "nights": "2"}
    assert kiosk.parse(MultiDict(w.args(nights=0))).nights == 0


def test_estimate_is_the_engine_on_a_trip_to_the_venue_and_the_nights():
    w = kiosk.parse(MultiDict({"mode": "flight", "from": "beijing-cn", "nights": "2"}))
    expected = footprint.estimate({"legs": [{"mode": "flight", "from": "beijing-cn", "to": "Chengdu", "return": True}],
                                   "hotel_nights": [{"country": "CN", "nights": 2}]})
    assert kiosk.estimate(VENUE, w).total_kg == expected.total_kg > 0
    one_way = kiosk.estimate(VENUE, kiosk.parse(MultiDict({"mode": "flight", "from": "beijing-cn", "return": "0"})))
    both_ways = kiosk.estimate(VENUE, kiosk.parse(MultiDict({"mode": "flight", "from": "beijing-cn"})))
    assert one_way.total_kg < both_ways.total_kg
    assert kiosk.estimate(VENUE, kiosk.parse(MultiDict({"mode": "flight"}))) is None  # no origin yet


def test_origins_are_big_cities_near_the_venue_then_the_country_s_biggest():
    found = kiosk.origins(VENUE)
    venue = places.lookup("Chengdu")
    assert len(found) == kiosk.ORIGIN_TILES and venue not in found
    near = [places.great_circle_km(venue, p, 6371.0) for p in found[: kiosk.NEAREST]]
    assert near == sorted(near) and near[0] >= 30
    assert {"beijing-cn", "shanghai-cn"} <= {p.code for p in found}
    assert kiosk.origins(Event(venue_code="", country="CN")) == []


def _kiosk_order(db, make_event, make_project):
    event, project = make_event(), make_project()
    participant = checkout.kiosk_participant(db.session)
    return checkout.start(db.session, DEMO, checkout.OrderRequest(kind="kiosk", event=event, project=project,
                                                                  participant=participant, kg=120))


def test_handoff_token_finds_its_order_and_nothing_else(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    token = checkout.handoff_token("secret", order)
    assert checkout.handoff_order(db.session, "secret", token) is order
    assert checkout.handoff_order(db.session, "other-secret", token) is None
    short_id, _, mac = token.partition(".")
    assert checkout.handoff_order(db.session, "secret", short_id) is None
    assert checkout.handoff_order(db.session, "secret", f"{short_id}.{mac[:-1]}A") is None
    assert checkout.handoff_order(db.session, "secret", order.public_id) is None  # the id alone is not enough


def test_claim_names_the_order_and_its_participant(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    assert order.kind == "visitor" and order.participant.display_name == ""
    checkout.claim_handoff(db.session, order, display_name="  Li   Wei ", organization="Tianfu Lab",
                           show_on_board=True)
    db.session.rollback()  # committed
    again = orders.by_public_id(db.session, order.public_id)
    assert (again.display_name, again.organization, again.show_on_board) == ("Li Wei", "Tianfu Lab", True)
    person = db.session.get(Participant, again.participant_id)
    assert (person.display_name, person.organization, person.show_on_board) == ("Li Wei", "Tianfu Lab", True)


def test_claim_refuses_a_lapsed_hold_or_a_bad_name_and_changes_nothing(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    with pytest.raises(orders.OrderError) as bad:
        checkout.claim_handoff(db.session, order, display_name="x" * 61, organization="", show_on_board=True)
    assert bad.value.field == "display_name"
    assert order.show_on_board is False
    later = utcnow() + dt.timedelta(minutes=31)
    with pytest.raises(orders.OrderError) as lapsed:
        checkout.claim_handoff(db.session, order, display_name="Li", organization="", show_on_board=True, now=later)
    assert lapsed.value.code == "handoff_lapsed"
    checkout.apply_demo_outcome(db.session, DEMO, order, "paid")
    with pytest.raises(orders.OrderError):
        checkout.claim_handoff(db.session, order, display_name="Li", organization="", show_on_board=True)
