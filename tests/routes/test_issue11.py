"""Issue #11: what visitors tripped over, as route tests (a browser without JavaScript)."""
import re

from flask import g

from app.models import Order
from tests.routes.test_visitor_flow import calculator_form


def pay(client, slug, form):
    response = client.post(f"/e/{slug}/checkout", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    public_id = re.search(r"/pay/(ord_[^/]+)", response.headers["Location"]).group(1)
    return public_id


def test_an_unpaid_checkout_changes_nothing_on_the_board(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    paid = pay(client, "forum", calculator_form(project.id, display_name="Lin Wei", show_on_board="on"))
    assert client.post(f"/pay/{paid}/demo", data={"outcome": "paid"}).status_code == 303
    assert "Lin Wei" in client.get("/e/forum/board").get_data(as_text=True)

    # The same browser opens the calculator again and leaves without paying.
    form = calculator_form(project.id, display_name="", organization="")
    del form["show_on_board"]
    abandoned = pay(client, "forum", form)
    board = client.get("/e/forum/board").get_data(as_text=True)
    assert "Lin Wei" in board and "Anonymous visitor" not in board
    # Even a failed payment changes nothing.
    client.post(f"/pay/{abandoned}/demo", data={"outcome": "failed"})
    assert "Lin Wei" in client.get("/e/forum/board").get_data(as_text=True)
    assert db.session.query(Order).filter_by(public_id=abandoned).one().status == "failed"


def test_calculator_prefills_name_organization_and_consent_from_the_last_paid_order(app, client, make_event,
                                                                                    make_project):
    make_event(slug="forum")
    project = make_project()
    first = pay(client, "forum", calculator_form(project.id, display_name="Lin Wei", organization="Chengdu Tech",
                                                 show_on_board="on"))
    client.post(f"/pay/{first}/demo", data={"outcome": "paid"})
    pay(client, "forum", calculator_form(project.id, display_name="Not Paid", organization="Nowhere"))
    text = client.get("/e/forum/calculate").get_data(as_text=True)
    assert 'id="display_name" name="display_name" maxlength="60" value="Lin Wei"' in text
    assert 'value="Chengdu Tech"' in text
    assert re.search(r'name="show_on_board"\s+checked', text)
    # A new browser starts blank.
    g.pop("participant", None)  # the test's app context outlives requests; a real one does not
    fresh = app.test_client().get("/e/forum/calculate").get_data(as_text=True)
    assert 'value="Lin Wei"' not in fresh
