"""The event rules called directly (issue #26 item 17): a name of spaces is no name, and every
refusal of one input comes at once."""
from app.services.accounts import organizations


def event_input(**changes) -> organizations.EventInput:
    values = dict(name="Summit", scenario="conference", description="", venue_name="", venue_code="Chengdu",
                  city="", country="", starts_on=None, ends_on=None, expected_attendance=None, currency="CNY",
                  project_ids=[], color="#0f5132", status="live")
    return organizations.EventInput(**{**values, **changes})


def test_a_name_of_spaces_is_refused_with_every_other_problem(db, make_project):
    make_project()
    problems, place, _chosen = organizations.event_problems(db.session, event_input())
    assert problems == [] and place is not None and place.country == "CN"
    problems, _place, _chosen = organizations.event_problems(
        db.session, event_input(name=" \u3000 ", venue_code="Nowhere Atall", currency="XXX"))
    assert [p.code for p in problems] == ["name_empty", "currency", "venue"]
    assert problems[0].others == tuple(problems[1:])
    problems, _place, _chosen = organizations.event_problems(db.session, event_input(country="CH INA"))
    assert [p.code for p in problems] == ["country"]
