import functools

import pytest

from app.models import Participant
from app.services.live import boards


@pytest.fixture
def make_project(make_project):
    """Ledger mechanics at a price where the minimum charge never adds credits
    (¥4,000 a tonne: 1 kg costs the ¥4.00 minimum), so credits_kg == kg."""
    return functools.partial(make_project, price=400_000)


def participant(db, name="", show=False):
    p = Participant(token=f"tok-{name or 'anon'}-{id(object())}-padding", display_name=name, show_on_board=show)
    db.session.add(p)
    db.session.flush()
    return p


def test_ties_share_a_rank_and_orders_add_up(db, make_event, make_project, make_order):
    event, project = make_event(), make_project(quantity=100_000)
    a, b, c, d = (participant(db, n, True) for n in "ABCD")
    make_order(event=event, project=project, participant=a, kg=300, name="A", show=True)
    make_order(event=event, project=project, participant=b, kg=200, name="B", show=True)
    make_order(event=event, project=project, participant=b, kg=100, name="B", show=True)  # adds up to 300
    make_order(event=event, project=project, participant=c, kg=100, name="C", show=True)
    make_order(event=event, project=project, participant=d, kg=50, name="D", show=True)
    rows = boards.event_board(db.session, event.id)
    assert [(r.rank, r.name, r.kg) for r in rows] == [(1, "A", 300), (1, "B", 300), (3, "C", 100), (4, "D", 50)]
    assert boards.rank_at_event(db.session, event.id, b.id) == boards.Rank(rank=1, of=4, kg=300)
    assert boards.rank_at_event(db.session, event.id, d.id) == boards.Rank(rank=4, of=4, kg=50)
    for p in (a, b, c, d):  # the event page's one-statement rank for a returning phone agrees
        assert boards.rank_of_visitor(db.session, event.id, p.token) == boards.rank_at_event(db.session, event.id, p.id)
    assert boards.rank_of_visitor(db.session, event.id, "no-such-browser") is None
    assert boards.rank_of_visitor(db.session, make_event().id, a.token) is None  # no line at that event


def test_names_only_with_consent(db, make_event, make_order):
    event = make_event()
    shy = participant(db)
    make_order(event=event, participant=shy, kg=10, name="Secret Person", show=False)
    rows = boards.event_board(db.session, event.id)
    assert rows[0].name == ""
    assert boards.rank_at_event(db.session, event.id, shy.id).of == 1


def test_boards_are_per_event(db, make_event, make_project, make_order):
    e1, e2 = make_event(), make_event()
    project = make_project()
    make_order(event=e1, project=project, kg=10)
    assert boards.event_totals(db.session, e2.id) == boards.EventTotals(participants=0, kg=0)
    assert boards.event_totals(db.session, e1.id) == boards.EventTotals(participants=1, kg=10, lines=1)


def test_one_row_per_shown_name_and_organization(db, make_event, make_project, make_order):
    """Issue #26 item 6: one phone buying for several people shows each name it chose to show (same participant
    + same name + same organization, case and spacing aside, = one row); unnamed orders share one anonymous row."""
    event, project = make_event(), make_project(quantity=100_000)
    phone = participant(db)
    for kg, name, org, show in ((100, "Ana", "Acme", True), (50, "ana ", "ACME", True), (70, "Bo", "", True),
                                (60, "Bo", "Acme", True), (40, "Cy", "", False), (30, "", "", False)):
        make_order(event=event, project=project, participant=phone, kg=kg, name=name, organization=org, show=show)
    rows = boards.event_board(db.session, event.id)
    assert [(r.rank, r.name, r.organization, r.kg) for r in rows] == [
        (1, "Ana", "Acme", 150), (2, "Bo", "", 70), (2, "", "", 70), (4, "Bo", "Acme", 60)]
    assert {r.participant_id for r in rows} == {phone.id}
    assert boards.event_totals(db.session, event.id) == boards.EventTotals(participants=1, kg=350, lines=4)
    assert boards.rank_at_event(db.session, event.id, phone.id) == boards.Rank(rank=1, of=4, kg=150)
    assert boards.rank_of_visitor(db.session, event.id, phone.token) == boards.Rank(rank=1, of=4, kg=150)
    boards.hide_name(db.session, phone)  # an operator hides this phone's names: every row at once
    assert {r.name for r in boards.event_board(db.session, event.id)} == {""}
