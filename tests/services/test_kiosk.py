"""The kiosk's rules called directly: the walk-up state, its footprint, one-touch
origins, and the checkout service's handoff (token, lookup, claim)."""
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from app.models import Event, Participant, utcnow
from app.services import footprint
from app.services.footprint import kiosk, places
from app.services.sales import checkout, handoff, orders
from tests import races

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


def _kiosk_start(db, make_event, make_project) -> handoff.KioskStart:
    event, project = make_event(), make_project()
    participant = handoff.kiosk_participant(db.session)
    return handoff.start_at_kiosk(db.session, DEMO, checkout.OrderRequest(kind="kiosk", event=event, project=project,
                                                                           participant=participant, kg=120))


def _kiosk_order(db, make_event, make_project):
    return _kiosk_start(db, make_event, make_project).order


def _claim(db, order, phone=None, name="Li", **kw):
    return handoff.claim_handoff(db.session, order, phone_participant_id=phone, display_name=name,
                                  organization=kw.pop("organization", ""), show_on_board=kw.pop("show", True), **kw)


def test_handoff_token_finds_its_order_and_nothing_else(db, make_event, make_project, make_order):
    started = _kiosk_start(db, make_event, make_project)
    order, token = started.order, started.handoff_token
    assert handoff.handoff_order(db.session, token) is order
    assert len(token) == 24 and order.handoff_hash not in (None, token) and order.public_id not in token
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:-1], "", order.public_id,
                  order.public_id.removeprefix("ord_"), order.handoff_hash, token + "x" * 100):
        assert handoff.handoff_order(db.session, wrong) is None
    assert _kiosk_start(db, make_event, make_project).handoff_token != token
    assert make_order(paid=False).handoff_hash is None  # only a kiosk order has a handoff


def test_claim_names_the_order_and_its_participant(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    assert order.kind == "visitor" and order.participant.display_name == ""
    _claim(db, order, name="  Li   Wei ", organization="Tianfu Lab")
    db.session.rollback()  # committed
    again = orders.by_public_id(db.session, order.public_id)
    assert (again.display_name, again.organization, again.show_on_board) == ("Li Wei", "Tianfu Lab", True)
    assert again.handoff_claimed_at is not None
    person = db.session.get(Participant, again.participant_id)
    assert (person.display_name, person.organization, person.show_on_board) == ("Li Wei", "Tianfu Lab", True)


def test_claim_refuses_a_lapsed_hold_or_a_bad_name_and_changes_nothing(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    with pytest.raises(orders.OrderError) as bad:
        _claim(db, order, name="x" * 61)
    assert bad.value.field == "display_name"
    assert order.show_on_board is False and order.handoff_claimed_at is None  # a bad name claims nothing
    later = utcnow() + dt.timedelta(minutes=31)
    with pytest.raises(orders.OrderError) as lapsed:
        _claim(db, order, now=later)
    assert lapsed.value.code == "handoff_lapsed"
    checkout.apply_demo_outcome(db.session, DEMO, order, "paid")
    with pytest.raises(orders.OrderError) as paid:
        _claim(db, order)
    assert paid.value.code == "handoff_paid"


def test_the_first_phone_claims_and_only_it_may_come_back(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    assert handoff.handoff_state(order, None) == "open"
    _claim(db, order, name="Li")  # a phone with no participant yet: it adopts the order's
    mine = order.participant_id
    assert handoff.handoff_state(order, mine) == "open" and handoff.handoff_state(order, None) == "taken"
    other = handoff.kiosk_participant(db.session).id  # a phone holding somebody else's participant
    for phone in (None, other):
        with pytest.raises(orders.OrderError) as taken:
            _claim(db, order, phone=phone, name="Pwned")
        assert taken.value.code == "handoff_taken"
    _claim(db, order, phone=mine, name="Li Wei")
    db.session.rollback()
    assert order.display_name == "Li Wei"
    checkout.apply_demo_outcome(db.session, DEMO, order, "paid")
    assert handoff.handoff_state(order, mine) == handoff.handoff_state(order, None) == "paid"


def test_a_paid_order_that_no_phone_claimed_is_dead_too(db, make_event, make_project):
    order = _kiosk_order(db, make_event, make_project)
    checkout.apply_demo_outcome(db.session, DEMO, order, "paid")
    with pytest.raises(orders.OrderError) as paid:
        _claim(db, order, name="Pwned")
    assert paid.value.code == "handoff_paid" and order.display_name == ""


def test_two_phones_at_once_one_claims(app_config, db, make_event, make_project):
    """Phones in separate connections post the same handoff at once: exactly one claims it."""
    phones = 6
    token = _kiosk_start(db, make_event, make_project).handoff_token

    def claim(session, i: int) -> None:
        order = handoff.handoff_order(session, token)
        handoff.claim_handoff(session, order, phone_participant_id=None, display_name=f"Phone {i}",
                               organization="", show_on_board=True)

    results = races.outcomes(app_config, claim, phones, (orders.OrderError,))
    assert sorted(results) == ["done"] + ["handoff_taken"] * (phones - 1)
    order = handoff.handoff_order(db.session, token)
    assert order.display_name == order.participant.display_name
    assert order.display_name.startswith("Phone ")


def test_a_local_walkup_is_a_distance_by_a_local_mode():
    """Issue #26 item 12: from the venue's own city, a local mode and a distance; the engine's factors."""
    here = kiosk.venue(VENUE)
    assert here is not None
    metro = kiosk.parse(MultiDict({"mode": "metro", "from": here.code, "km": "6"}))
    assert kiosk.is_local(VENUE, metro) and metro.km == 6
    assert kiosk.engine_input(VENUE, metro) == {"legs": [{"mode": "metro", "distance_km": "6", "return": True}]}
    assert kiosk.estimate(VENUE, metro).total_kg == footprint.estimate(
        {"legs": [{"mode": "metro", "distance_km": "12"}]}).total_kg
    walk = kiosk.estimate(VENUE, kiosk.parse(MultiDict({"mode": "walk", "from": here.code, "km": "2"})))
    assert walk is not None and walk.total_kg == 0
    # No distance yet, or a mode that does not cross a city: nothing to count.
    assert kiosk.engine_input(VENUE, kiosk.parse(MultiDict({"mode": "metro", "from": here.code}))) == {}
    assert kiosk.engine_input(VENUE, kiosk.parse(MultiDict({"mode": "flight", "from": here.code, "km": "9"}))) == {}
    assert kiosk.parse(MultiDict({"km": "9999"})).km == kiosk.MAX_LOCAL_KM
    assert set(kiosk.LOCAL_MODES) <= set(kiosk.MODES)


def test_an_archived_event_takes_no_walkups():
    assert kiosk.takes_walkups(Event(status="live")) and not kiosk.takes_walkups(Event(status="archived"))
