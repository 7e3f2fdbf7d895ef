"""Issue #24 item 2: every time a visitor or organizer sees is in the venue's zone; machines keep UTC."""
import datetime as dt
import re

from sqlalchemy import select

from app.models import Event
from tests.routes.test_organizer import event_form

LATE_EVENING_UTC = dt.datetime(2026, 12, 3, 22, 5)  # 06:05 the next morning in Chengdu


def test_the_certificate_page_and_image_use_the_venues_zone(client, make_event, make_order):
    event = make_event()  # Chengdu, no zone of its own: China's usual one
    cert = make_order(event=event, kg=434, now=LATE_EVENING_UTC).certificate
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert '<time datetime="2026-12-03T22:05:00Z">Dec 4, 2026 06:05 (UTC+8)</time>' in page
    zh = client.get(f"/c/{cert.token}?lang=zh").get_data(as_text=True)
    assert '<time datetime="2026-12-03T22:05:00Z">2026年12月4日 06:05 (UTC+8)</time>' in zh
    # the API keeps UTC
    assert client.get(f"/api/v1/certificates/{cert.token}").get_json()["issued_at"] == "2026-12-03T22:05:00Z"


def test_an_event_in_another_zone_shows_its_own(client, make_event, make_order):
    event = make_event(country="US", timezone="America/Los_Angeles", currency="CNY")
    cert = make_order(event=event, kg=5, now=LATE_EVENING_UTC).certificate
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert '<time datetime="2026-12-03T22:05:00Z">Dec 3, 2026 14:05 (UTC-8)</time>' in page


def test_the_register_shows_venue_times_and_keeps_utc_for_machines(client, make_event, make_order):
    make_order(event=make_event(), kg=5, now=LATE_EVENING_UTC)
    page = client.get("/registry").get_data(as_text=True)
    assert '<time datetime="2026-12-03T22:05:00Z">Dec 4, 2026 06:05 (UTC+8)</time>' in page


def test_the_dashboard_lists_payments_in_the_venues_time(client, org, make_event, make_order):
    event = make_event(organization_id=org.id)
    make_order(event=event, kg=5, now=LATE_EVENING_UTC, name="Lin Wei", show=True)
    page = client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    assert '<time datetime="2026-12-03T22:05:00Z">06:05 (UTC+8)</time>' in page
    assert "Times in UTC" not in page and "(UTC)" not in page


def test_events_api_names_the_zone(client, make_event):
    make_event(slug="chengdu")
    make_event(slug="manila", country="PH", timezone="Asia/Manila")
    events = {e["slug"]: e for e in client.get("/api/v1/events").get_json()["events"]}
    assert events["chengdu"]["timezone"] == "Asia/Shanghai" and events["manila"]["timezone"] == "Asia/Manila"


def test_the_event_form_offers_the_countrys_zones(client, db, org, make_project):
    make_project()
    created = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(country="CN"))
    assert created.status_code == 303
    event = db.session.scalar(select(Event))
    assert event.timezone == "Asia/Shanghai"  # not chosen: the country's usual zone
    page = client.get(f"/organizer/events/{event.id}/edit").get_data(as_text=True)
    assert re.search(r'<option (selected value="Asia/Shanghai"|value="Asia/Shanghai" selected)', page)
    assert 'value="Asia/Urumqi"' in page and 'value="Europe/Paris"' not in page
    assert client.post(f"/organizer/events/{event.id}/edit",
                       data=event_form(country="CN", timezone="Asia/Urumqi")).status_code == 303
    db.session.refresh(event)
    assert event.timezone == "Asia/Urumqi"
    refused = client.post(f"/organizer/events/{event.id}/edit", data=event_form(country="CN", timezone="Europe/Paris"))
    assert refused.status_code == 422
    assert "Choose one of the time zones of the event&#39;s country." in refused.get_data(as_text=True)
    db.session.refresh(event)
    assert event.timezone == "Asia/Urumqi"


def test_a_changed_zone_changes_the_image_and_its_validator(client, db, make_event, make_order):
    """The date printed depends on the zone: a cache holding the old picture must not get a 304."""
    from app.services.certificates import content, images

    event = make_event()
    cert = make_order(event=event, kg=5, now=LATE_EVENING_UTC).certificate
    first = client.get(f"/c/{cert.token}.png")
    etag = first.headers["ETag"]
    assert client.get(f"/c/{cert.token}.png", headers={"If-None-Match": etag}).status_code == 304
    event.timezone = "America/Los_Angeles"  # the venue's day is now December 3
    db.session.commit()
    again = client.get(f"/c/{cert.token}.png", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag and again.data != first.data
    facts = content.build(cert, lambda endpoint, **values: f"http://localhost/{values.get('token', '')}")
    assert facts.artwork().issued_on == dt.date(2026, 12, 3)
    assert images.version(facts.artwork()) != images.version(
        content.build(cert, lambda endpoint, **values: "x", "zh").artwork())


def test_templates_show_times_only_through_the_local_filter():
    """One way to show a moment (the venue's zone, or UTC with no event): no strftime, no 'UTC' typed by hand."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "app" / "templates"
    offenders = [str(p.relative_to(templates)) for p in templates.rglob("*.html")
                 if re.search(r"\.strftime\(|\|\s*moment\b|\}\}\s*UTC\b", p.read_text(encoding="utf-8"))]
    assert offenders == []
