"""Boards per event and across the platform, ranks, consent and moderation."""
from app.models import Order, Participant
from tests.routes.test_visitor_flow import calculator_form, start_checkout


def visitor(db, name, org="", show=True):
    p = Participant(token=f"tok-{name}-{'x' * 20}", display_name=name, organization=org, show_on_board=show)
    db.session.add(p)
    db.session.flush()
    return p


def test_event_board_people_and_organizations(client, htmx, db, make_event, make_project, make_order):
    event = make_event(slug="forum")
    project = make_project(quantity=100_000)
    a, b = visitor(db, "Ana", "Acme"), visitor(db, "Bo", "ACME ")
    make_order(event=event, project=project, participant=a, kg=300, name="Ana", show=True, organization="Acme")
    make_order(event=event, project=project, participant=b, kg=200, name="Bo", show=True, organization="ACME ")
    make_order(event=event, project=project, participant=b, kg=100, name="Bo", show=True, organization="acme")
    people = client.get("/e/forum/board").get_data(as_text=True)
    board = people[people.index('<ol class="board">'):]
    assert board.index(">Ana<") < board.index(">Bo<") and board.count(">#1<") == 2  # 300 kg each: shared rank
    fragment = htmx.get("/e/forum/board?by=organizations")
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="board"' in body
    assert body.count("Acme") == 1 and "0.6 t" in body  # case and spacing do not split an organization
    api = client.get("/api/v1/events/forum/board").get_json()["entries"]
    assert [(e["rank"], e["name"], e["kg"]) for e in api] == [(1, "Ana", 300), (1, "Bo", 300)]


def test_platform_boards(client, db, make_event, make_project, make_order):
    e1, e2 = make_event(name="Forum A"), make_event(name="Forum B")
    project = make_project(quantity=100_000)
    a = visitor(db, "Ana", "Acme")
    make_order(event=e1, project=project, participant=a, kg=100, name="Ana", show=True, organization="Acme")
    make_order(event=e2, project=project, participant=a, kg=120, name="Ana", show=True, organization="Acme")
    make_order(event=e2, project=project, kg=500)
    people = client.get("/boards").get_data(as_text=True)
    assert "Ana" in people and "0.22 t" in people  # one name's orders add up across events
    events = client.get("/boards?by=events").get_data(as_text=True)
    assert events.index("Forum B") < events.index("Forum A")
    orgs = client.get("/boards?by=organizations").get_data(as_text=True)
    assert "Acme" in orgs


def test_names_are_escaped_and_limited(client, db, make_event, make_order):
    event = make_event(slug="forum")
    p = visitor(db, "<script>alert(1)</script>")
    make_order(event=event, participant=p, kg=10, name="<script>alert(1)</script>", show=True)
    page = client.get("/e/forum/board").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_operator_hides_a_name_everywhere(client, runner, db, make_event, make_order):
    event = make_event(slug="forum")
    p = visitor(db, "Rude Name")
    order = make_order(event=event, participant=p, kg=10, name="Rude Name", show=True)
    result = runner.invoke(args=["hide-name", order.certificate.number])
    assert result.exit_code == 0
    assert "Rude Name" not in client.get("/e/forum/board").get_data(as_text=True)
    assert "Rude Name" not in client.get("/boards").get_data(as_text=True)
    assert client.get("/api/v1/events/forum/board").get_json()["entries"][0]["name"] == "Anonymous visitor"


def test_operator_hides_an_organization(client, runner, db, make_event, make_order):
    event = make_event(slug="forum")
    p = visitor(db, "Ana", "Spam Corp")
    make_order(event=event, participant=p, kg=10, name="Ana", show=True, organization="Spam Corp")
    assert "Spam Corp" in client.get("/boards?by=organizations").get_data(as_text=True)
    assert runner.invoke(args=["hide-organization", "spam corp"]).exit_code == 0
    assert "Spam Corp" not in client.get("/boards?by=organizations").get_data(as_text=True)


def test_event_page_shows_my_rank_and_refreshes_live(client, htmx, db, make_event, make_project):
    from tests.routes.test_visitor_flow import calculator_form

    make_event(slug="forum")
    project = make_project()
    client.post("/e/forum/checkout", data=calculator_form(project.id))
    from sqlalchemy import select

    from app.models import Order
    order = db.session.scalar(select(Order))
    client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    page = client.get("/e/forum").get_data(as_text=True)
    assert "You are #1 of 1 at this event." in page and "data-live" in page
    live = htmx.get("/e/forum").get_data(as_text=True)
    assert live.lstrip().startswith('<div id="live"') and "<html" not in live


def test_an_unpaid_checkout_changes_nothing_on_the_board(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    paid = start_checkout(client, "forum", calculator_form(project.id, display_name="Lin Wei", show_on_board="on"))
    assert client.post(f"/pay/{paid}/demo", data={"outcome": "paid"}).status_code == 303
    assert "Lin Wei" in client.get("/e/forum/board").get_data(as_text=True)

    # The same browser opens the calculator again and leaves without paying.
    form = calculator_form(project.id, display_name="", organization="")
    del form["show_on_board"]
    abandoned = start_checkout(client, "forum", form)
    board = client.get("/e/forum/board").get_data(as_text=True)
    assert "Lin Wei" in board and "Anonymous visitor" not in board
    # Even a failed payment changes nothing.
    client.post(f"/pay/{abandoned}/demo", data={"outcome": "failed"})
    assert "Lin Wei" in client.get("/e/forum/board").get_data(as_text=True)
    assert db.session.query(Order).filter_by(public_id=abandoned).one().status == "failed"
