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


def test_the_calculator_url_carries_what_the_visitor_typed(htmx, client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    form = calculator_form(project.id, csrf_token="secret-token")
    response = htmx.post("/e/forum/calculate", data=form, headers={"HX-Target": "result"})
    url = response.headers["HX-Replace-Url"]
    assert url.startswith("/e/forum/calculate?") and "legs-0-from=PEK" in url and "hotel-nights=2" in url
    assert "csrf" not in url
    # Back (or any reload) serves the page with the fields filled and the total counted.
    text = client.get(url).get_data(as_text=True)
    assert 'name="legs-0-from" value="PEK"' in text
    assert re.search(r'id="hotel-nights"[^>]*value="2"', text)
    assert not re.search(r"<strong>0 kg</strong>", text)


def test_details_and_back_keep_the_calculation(htmx, client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    block = htmx.post("/e/forum/calculate", data=calculator_form(project.id),
                      headers={"HX-Target": "result"}).get_data(as_text=True)
    details = re.search(rf'href="(/p/{project.id}\?[^"]+)"', block).group(1).replace("&amp;", "&")
    assert "e=forum" in details and "legs-0-from=PEK" in details
    page = client.get(details).get_data(as_text=True)
    back = re.search(r'<a[^>]*href="(/e/forum/calculate\?[^"]+)"[^>]*>[^<]*Back to your calculation',
                     page).group(1).replace("&amp;", "&")
    text = client.get(back).get_data(as_text=True)
    assert 'name="legs-0-from" value="PEK"' in text and 'value="王小明"' in text


def test_try_again_after_a_failed_payment_reopens_the_calculation(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    public_id = pay(client, "forum", calculator_form(project.id, **{"legs-0-from": "Shanghai"}))
    client.post(f"/pay/{public_id}/demo", data={"outcome": "failed"})
    status = client.get(f"/orders/{public_id}").get_data(as_text=True)
    again = re.search(r'href="([^"]+)">Try again', status).group(1).replace("&amp;", "&")
    assert again.startswith("/e/forum/calculate?")
    text = client.get(again).get_data(as_text=True)
    assert 'name="legs-0-from" value="Shanghai"' in text
    assert re.search(r'id="hotel-nights"[^>]*value="2"', text)
    assert 'value="王小明"' in text and 'value="Chengdu Tech"' in text
    assert re.search(r'name="show_on_board"\s+checked', text)
    assert re.search(rf'value="{project.id}"\s+checked', text)


def test_update_total_without_javascript_lands_on_a_url_back_can_reload(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = client.post("/e/forum/calculate", data=calculator_form(project.id, csrf_token="x", action="update"))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/e/forum/calculate?") and "csrf" not in response.headers["Location"]
    bad = client.post("/e/forum/calculate", data=calculator_form(project.id, **{"hotel-nights": "abc"}))
    assert bad.status_code == 422


FIELDS = {  # form field -> extra fields that make it counted
    "hotel-nights": {},
    "meals-vegan": {},
    "basket-beef": {},
    "energy-electricity": {},
    "energy-gas": {},
    "legs-0-distance_km": {"legs-0-mode": "taxi", "legs-0-from": ""},
    "legs-0-occupants": {"legs-0-mode": "car", "legs-0-distance_km": "10", "legs-0-from": ""},
}
WHOLE = ("hotel-nights", "meals-vegan", "legs-0-occupants")
BAD = ["abc", "2.5", "-1", "-2.5", "99999999", "1e400", "nan", "1,5"]


def test_one_true_error_per_field(htmx, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    for name, extra in FIELDS.items():
        messages = set()
        for value in BAD:
            form = calculator_form(project.id, **{"hotel-nights": ""}, **extra)
            form[name] = value
            response = htmx.post("/e/forum/calculate", data=form, headers={"HX-Target": "calc-body"})
            body = response.get_data(as_text=True)
            found = re.search(r'<p class="error" id="err-[^"]*">([^<]+)</p>', body)
            if value == "2.5" and name not in WHOLE:
                assert response.status_code == 200, (name, value)  # a valid decimal
                continue
            assert response.status_code == 422 and found, (name, value)
            messages.add(found.group(1))
        assert len(messages) == 1, (name, messages)


def test_owed_and_paid_out_are_shown_separately(client, db, make_event, make_project, make_order):
    from app.services.accounts import admin

    event = make_event(slug="forum")
    project = make_project(price=5000)
    other = make_project(price=5000, owner_id=project.owner_id)  # the same owner's second project
    first = make_order(event=event, project=project, kg=1000)
    second = make_order(event=event, project=other, kg=1000)
    admin.record_payout(db.session, project.owner_id, first.owner_minor - 100, "CNY")
    db.session.commit()
    share = first.owner_minor
    owed = first.owner_minor + second.owner_minor - (first.owner_minor - 100)

    rows = {p["id"]: p for p in client.get("/api/v1/projects").get_json()["projects"]}
    mine = rows[project.id]
    assert mine["owner_share_minor"] == share
    assert mine["owner_paid_out_minor"] == first.owner_minor - 100
    assert mine["owner_owed_minor"] == owed
    assert mine["passed_to_owner_minor"] == share  # kept for existing clients: the share, not a payout

    page = client.get(f"/p/{project.id}").get_data(as_text=True)
    assert "passed to the project owner" not in page
    assert f"¥{(first.owner_minor - 100) / 100:,.2f}" in page and f"¥{owed / 100:,.2f}" in page
    text = client.get("/e/forum/calculate").get_data(as_text=True)
    assert "passed on so far" not in text


def test_certificate_page_has_a_heading_and_tells_the_buyer(client, make_event, make_project, app):
    make_event(slug="forum", name="Green Forum")
    project = make_project()
    public_id = pay(client, "forum", calculator_form(project.id))
    response = client.post(f"/pay/{public_id}/demo", data={"outcome": "paid"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert re.search(r"<h1>Carbon Neutral Certificate of Honor</h1>", page)
    assert re.search(r"You are carbon neutral for [\d.,]+ (t|kg) CO₂e at Green Forum", page)
    g.pop("participant", None)
    stranger = app.test_client().get(response.request.path).get_data(as_text=True)
    assert "<h1>Carbon Neutral Certificate of Honor</h1>" in stranger and "You are carbon neutral" not in stranger


def test_past_events_are_marked_ended_and_listed_after_live_ones(client, make_event):
    import datetime as dt

    today = dt.date.today()
    make_event(slug="old", name="Forum 2021", starts_on=dt.date(2021, 5, 1), ends_on=dt.date(2021, 5, 2))
    make_event(slug="soon", name="Forum Soon", starts_on=today + dt.timedelta(days=30))
    make_event(slug="now", name="Forum Now", starts_on=today - dt.timedelta(days=1), ends_on=today)
    html = client.get("/").get_data(as_text=True)
    assert html.index("Forum Soon") < html.index("Forum 2021") and html.index("Forum Now") < html.index("Forum 2021")
    card = html[html.index("Forum 2021"):html.index("</a>", html.index("Forum 2021"))]
    assert "Ended" in card
    assert "Ended" not in html[html.index("Forum Now"):html.index("</a>", html.index("Forum Now"))]
    assert "This event has ended" in client.get("/e/old").get_data(as_text=True)


def test_the_venue_with_its_coordinates_is_the_default_destination(client, make_event, make_project):
    make_event(slug="mountain", scenario="scenic", venue_name="Mount Qingcheng Scenic Area", venue_code="Chengdu",
               venue_lat=30.9007, venue_lon=103.5706)
    make_project()
    text = client.get("/e/mountain/calculate").get_data(as_text=True)
    assert 'name="legs-0-to" value="Mount Qingcheng Scenic Area"' in text  # the name; its coordinates stay ours
    # Typed or left as shown, the name is the gate by its coordinates (not Chengdu to Chengdu, which is refused)
    for to in ("Mount Qingcheng Scenic Area", "mount qingcheng scenic area ",
               "Mount Qingcheng Scenic Area @30.9007,103.5706"):
        form = {"leg_count": "1", "legs-0-mode": "taxi", "legs-0-from": "Chengdu", "legs-0-to": to}
        html = client.post("/e/mountain/calculate", data=form, follow_redirects=True).get_data(as_text=True)
        assert "starts and ends at the same place" not in html
        assert not re.search(r"<strong>0 kg</strong>", html)
        assert "Chengdu → Mount Qingcheng Scenic Area" in html


def test_event_pages_have_open_graph_tags_with_an_image_made_for_the_event(client, make_event):
    import io

    from PIL import Image

    make_event(slug="forum", name="Green Forum 2026", description="Neutralize your trip to the forum.")
    html = client.get("/e/forum").get_data(as_text=True)
    assert '<meta property="og:title" content="Green Forum 2026">' in html
    assert '<meta property="og:description" content="Neutralize your trip to the forum.">' in html
    image = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert image.startswith("http") and image.endswith("/e/forum/card.png")
    assert '<meta property="og:image:width" content="1200">' in html
    response = client.get("/e/forum/card.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (1200, 630)
    assert client.get("/e/nope/card.png").status_code == 404


def test_a_language_in_the_url_is_not_calculator_input(client, make_event, make_project):
    """?lang= (the switcher, a poster's QR) keeps the venue as the destination and the return trip."""
    make_event(slug="mountain", scenario="scenic", venue_name="Mount Qingcheng Scenic Area", venue_code="Chengdu",
               venue_lat=30.9007, venue_lon=103.5706)
    make_project()
    for lang in ("zh", "fil", "en"):
        text = client.get(f"/e/mountain/calculate?lang={lang}").get_data(as_text=True)
        assert 'name="legs-0-to" value="Mount Qingcheng Scenic Area"' in text
        assert re.search(r'name="legs-0-return"[^>]*checked', text)
