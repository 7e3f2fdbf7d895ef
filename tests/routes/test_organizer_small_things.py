"""Issue #25 item 5: an invite's label and copy button, a description past the limit says so (and keeps
the text), and the organizer closes and reopens the venue kiosk."""
import re

from sqlalchemy import select

from app.models import Event, OrganizationInvite


def test_an_invite_carries_its_label_and_a_copy_button_with_a_selectable_link(client, db, org):
    page = client.post(f"/organizer/organizations/{org.id}/invites", data={"label": "  Mei,   press desk "})
    text = page.get_data(as_text=True)
    invite = db.session.scalar(select(OrganizationInvite))
    assert invite.label == "Mei, press desk"
    assert 'id="invite-link" type="text" readonly' in text and 'data-copy="invite-link"' in text
    assert "Invite link · Mei, press desk" in text
    listing = client.get(f"/organizer/organizations/{org.id}/members").get_data(as_text=True)
    assert "<strong>Mei, press desk</strong> · Waiting" in listing
    client.post(f"/organizer/organizations/{org.id}/invites", data={"label": "x" * 200})
    assert max(len(i.label) for i in db.session.scalars(select(OrganizationInvite))) == 60


def test_a_description_past_the_limit_is_refused_with_the_text_kept(client, db, org, make_project):
    make_project()
    form = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    assert 'data-limit="1000"' in form and "Up to 1,000 characters" in form
    assert 'maxlength="1000"' not in form  # a pasted text is never cut silently
    long = "碳" * 1001
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data={
        "name": "Long Forum", "scenario": "conference", "description": long, "venue_code": "chengdu",
        "currency": "CNY", "color": "#1b5e20", "status": "live"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "Keep it under 1,000 characters." in text and long in text
    assert db.session.scalar(select(Event)) is None


def test_the_organizer_closes_and_reopens_the_kiosk(client, db, org, make_event, make_project):
    make_project()
    event = make_event(organization_id=org.id)
    dashboard = client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    assert "Close the kiosk" in dashboard
    assert client.post(f"/organizer/events/{event.id}/kiosk", data={"open": "0"}).status_code == 303
    db.session.refresh(event)
    assert event.kiosk_closed
    home = client.get(f"/kiosk/{event.slug}").get_data(as_text=True)
    assert "This kiosk is closed" in home and f"/kiosk/{event.slug}/calculate" not in home
    calculate = client.get(f"/kiosk/{event.slug}/calculate")
    assert calculate.status_code in (302, 303) and calculate.headers["Location"].startswith(f"/kiosk/{event.slug}")
    assert client.get(f"/e/{event.slug}").status_code == 200  # visitors' own phones still work
    assert "Reopen the kiosk" in client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    client.post(f"/organizer/events/{event.id}/kiosk", data={"open": "1"})
    db.session.refresh(event)
    assert not event.kiosk_closed
    assert "I want to be carbon neutral" in client.get(f"/kiosk/{event.slug}").get_data(as_text=True)


def test_a_hotel_is_found_by_its_map_pin(client, db, org, make_project):
    """A venue that is no city, airport or station: its name in Venue, its map pin in the place field."""
    make_project()
    suggestions = client.get("/places?venue_code=30.6405,104.0823", headers={"HX-Request": "true",
                                                                           "HX-Trigger-Name": "venue_code"})
    assert '<option value="30.6405, 104.0823">' in suggestions.get_data(as_text=True)
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data={
        "name": "Hotel Forum", "scenario": "conference", "venue_name": "Shangri-La Chengdu",
        "venue_code": "30.6405，104.0823", "currency": "CNY", "color": "#1b5e20", "status": "live"})
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert (event.venue_lat, event.venue_lon, event.country, event.venue_name) == (
        30.6405, 104.0823, "CN", "Shangri-La Chengdu")
    assert event.city  # the nearest known place's city
    bad = client.post(f"/organizer/organizations/{org.id}/events/new", data={
        "name": "Sea Forum", "scenario": "conference", "venue_code": "Atlantis-on-Sea", "currency": "CNY",
        "color": "#1b5e20", "status": "live"}).get_data(as_text=True)
    assert "map pin, e.g. 30.57,104.06" in bad


def test_each_posters_scans_and_checkouts_and_the_kiosks_walkups_are_counted(client, db, org, make_event,
                                                                              make_project, make_order, tmp_path):
    from app.models import EventScan, Order
    from tests.routes.test_visitor_flow import calculator_form, start_checkout
    from tests.unit.test_posters import decode

    project = make_project(price=400_000)
    event = make_event(organization_id=org.id, slug="forum")
    png = client.get(f"/organizer/events/{event.id}/poster-a6.png")
    assert decode(png.data, tmp_path) == ["http://localhost/e/forum?src=a6"]
    # Two scans of the table card: each counted, then the page's own address (a shared link carries no src).
    for _ in range(2):
        scan = client.get("/e/forum?src=a6&lang=zh")
        assert scan.status_code == 303 and scan.headers["Location"] == "/e/forum?lang=zh"
    assert client.get("/e/forum?src=elsewhere").status_code == 200  # unknown sources are not stored
    assert db.session.scalars(select(EventScan)).all() == [db.session.get(EventScan, (event.id, "a6"))]
    assert db.session.get(EventScan, (event.id, "a6")).scans == 2
    # The visitor who scanned it starts a checkout: the order keeps the poster.
    public_id = start_checkout(client, "forum", calculator_form(project.id))
    assert db.session.scalar(select(Order.source).where(Order.public_id == public_id)) == "a6"
    # A kiosk walk-up (an order with a handoff) whose phone scanned the code and paid, and a direct order.
    kiosk_order = make_order(event=event, project=project, kg=10)
    kiosk_order.handoff_hash, kiosk_order.handoff_claimed_at = "h" * 64, kiosk_order.paid_at
    make_order(event=event, project=project, kg=10)
    db.session.commit()
    page = client.get(f"/organizer/events/{event.id}?lang=en").get_data(as_text=True)
    rows = {label: re.sub(r"<[^>]+>", " ", cells).split() for label, cells in re.findall(
        r"<tr><td>([^<]+)</td>(.*?)</tr>", page[page.index('id="sources-title"'):])}
    assert rows["A6 table card"] == ["2", "1", "0"]
    assert rows["A4 poster"] == ["0", "0", "0"]
    assert rows["Venue kiosk"] == ["1", "1", "1"]
    assert rows["Other links (shared, typed)"] == ["—", "1", "1"]
