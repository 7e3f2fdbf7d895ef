"""The organizer's estimate of the whole event (issue #25 items 1 and 4), with plain form posts (no
JavaScript): save, refuse bad input, the dashboard's share, the operations order and its top-up after
an edit (paid orders never change), and the public badge's words."""
from decimal import ROUND_DOWN, Decimal

import pytest
from sqlalchemy import func, select

from app.models import EventEstimate, Order
from app.services.footprint import event_estimate
from app.services.footprint.factors import factor
from tests.accounts import login_as, make_user

ESTIMATE = {"days": "2", "rail-count": "10", "rail-km": "500", "waste_kg": "1000", "electricity": "1000",
            "grid": "CN"}


def operations_orders(db):
    return db.session.scalars(select(Order).where(Order.kind == "operations").order_by(Order.id)).all()


def pay(client, order):
    assert client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"}).status_code in (200, 303)


def test_the_estimate_page_works_without_javascript(client, db, org, make_event):
    event = make_event(organization_id=org.id)
    page = client.get(f"/organizer/events/{event.id}/estimate")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="rail-count"' in text and 'name="waste_kg"' in text and "No estimate yet." in text

    saved = client.post(f"/organizer/events/{event.id}/estimate", data=ESTIMATE)
    assert saved.status_code == 303 and saved.headers["Location"] == f"/organizer/events/{event.id}/estimate"
    row = db.session.get(EventEstimate, event.id)
    assert row.inputs == {"days": "2", "rail-count": "10", "rail-km": "500", "waste_kg": "1000",
                          "electricity": "1000", "grid": "CN"}
    text = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Estimate saved." in text
    # Each line with its factor's source; the waste line worked by hand: 1 t x 520.5327 kg/t, shown as 521 kg.
    assert "Waste" in text and "520.5327 kg CO2e per tonne (UK Government" in text and "521 kg" in text
    assert "0.5306 kg CO₂ per kWh" in text and "Domestic attendees' rail travel" in text
    assert 'value="500"' in text  # the form shows what was saved


def test_the_total_is_live_as_typed_and_without_javascript_too(client, htmx, db, org, make_event):
    event = make_event(organization_id=org.id)
    live = htmx.post(f"/organizer/events/{event.id}/estimate/preview", data={"water_m3": "100"},
                     headers={"HX-Target": "estimate-lines"})
    text = live.get_data(as_text=True)
    assert live.status_code == 200 and text.lstrip().startswith('<section class="card" id="estimate-lines"')
    assert "Not saved yet" in text and "19.1 kg" in text  # 100 m3 x 0.1913 = 19.13
    bad = htmx.post(f"/organizer/events/{event.id}/estimate/preview", data={"water_m3": "lots"},
                    headers={"HX-Target": "estimate-lines"})
    assert bad.status_code == 422 and "cannot be counted yet" in bad.get_data(as_text=True)
    # No JavaScript: the "Update total" button posts the whole form and gets the whole page, values kept.
    page = client.post(f"/organizer/events/{event.id}/estimate/preview", data={"water_m3": "100"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in text and 'value="100"' in text and "19.1 kg" in text
    assert db.session.get(EventEstimate, event.id) is None  # a preview saves nothing


def test_bad_input_is_refused_field_by_field_and_changes_nothing(client, db, org, make_event):
    event = make_event(organization_id=org.id)
    response = client.post(f"/organizer/events/{event.id}/estimate",
                           data={**ESTIMATE, "waste_kg": "-3", "rail-count": "2.5"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'aria-describedby="err-waste_kg"' in text and "Enter zero or more." in text
    assert 'aria-describedby="err-rail-count"' in text and "Enter a whole number." in text
    assert 'value="-3"' in text  # what was typed stays
    assert db.session.get(EventEstimate, event.id) is None


def test_another_organizations_member_cannot_see_or_change_it(client, db, org, make_event):
    event = make_event(organization_id=org.id)
    login_as(client, make_user(db, "bob@example.com"))
    assert client.get(f"/organizer/events/{event.id}/estimate").status_code == 404
    assert client.post(f"/organizer/events/{event.id}/estimate", data=ESTIMATE).status_code == 404
    assert client.post(f"/organizer/events/{event.id}/estimate/neutralize").status_code == 404


def test_the_dashboard_shows_estimate_neutralized_and_share_live(client, htmx, db, org, make_event, make_project,
                                                                 make_order):
    event = make_event(organization_id=org.id, slug="summit")
    project = make_project()
    client.post(f"/organizer/events/{event.id}/estimate", data=ESTIMATE)
    cov = event_estimate.coverage(db.session, event)
    make_order(event=event, project=project, kg=100)
    share = int((Decimal(100) / cov.estimate_kg * 100).to_integral_value(ROUND_DOWN))
    fragment = htmx.get(f"/organizer/events/{event.id}", headers={"HX-Target": "live"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'id="live"' in text
    assert f"<strong data-share>{share}%</strong>" in text and "0.1 t" in text
    # Saving a new estimate changes the live fragment's version: no stale 304.
    etag = fragment.headers.get("ETag")
    client.post(f"/organizer/events/{event.id}/estimate", data={**ESTIMATE, "waste_kg": "5000"})
    again = htmx.get(f"/organizer/events/{event.id}", headers={"HX-Target": "live", "If-None-Match": etag or ""})
    assert again.status_code == 200 and again.headers.get("ETag") != etag


def test_operations_order_then_a_top_up_after_an_edit(client, db, org, make_event, make_project):
    event = make_event(organization_id=org.id, slug="summit")
    project = make_project()
    client.post(f"/organizer/events/{event.id}/estimate", data={"waste_kg": "1000"})  # 520.5327 kg: 521 to buy
    page = client.get(f"/organizer/events/{event.id}/estimate").get_data(as_text=True)
    assert "Neutralize the operations" in page and "521 kg" in page

    first = client.post(f"/organizer/events/{event.id}/estimate/neutralize", data={"project": str(project.id)})
    assert first.status_code == 303 and first.headers["Location"].startswith("/pay/ord_")
    (order,) = operations_orders(db)
    assert order.kg == 521 and order.organization_id == org.id and order.footprint_id is None
    pay(client, order)
    db.session.refresh(order)
    paid = (order.status, order.kg, order.credits_kg, order.amount_minor)
    assert order.status == "paid"
    assert "</span>Fully carbon neutral</p>" in client.get("/e/summit").get_data(as_text=True)

    # Nothing left to buy: refused, no order.
    again = client.post(f"/organizer/events/{event.id}/estimate/neutralize")
    assert again.status_code == 422 and "already neutralized" in again.get_data(as_text=True)
    assert len(operations_orders(db)) == 1

    # The estimate grows: a top-up for the difference; the paid order stays as it was.
    client.post(f"/organizer/events/{event.id}/estimate", data={"waste_kg": "2000", "water_m3": "100"})
    expected = 2 * factor("waste:commercial_industrial:landfill").value + 100 * factor("water:supply").value
    wanted = int(expected.to_integral_value("ROUND_CEILING"))
    page = client.get(f"/organizer/events/{event.id}/estimate").get_data(as_text=True)
    assert "Top up the operations" in page and f"{wanted - order.credits_kg} kg" in page
    top = client.post(f"/organizer/events/{event.id}/estimate/neutralize", data={"project": str(project.id)})
    assert top.status_code == 303
    first_again, top_up = operations_orders(db)
    db.session.refresh(first_again)
    assert (first_again.status, first_again.kg, first_again.credits_kg, first_again.amount_minor) == paid
    assert top_up.kg == wanted - order.credits_kg and top_up.status == "pending"
    pay(client, top_up)
    cov = event_estimate.coverage(db.session, event)
    assert cov.operations_kg >= cov.operations_estimate_kg and event_estimate.operations_top_up_kg(cov) == 0


def test_a_draft_event_cannot_neutralize_its_estimate(client, db, org, make_event, make_project):
    make_project()
    event = make_event(organization_id=org.id, status="draft")
    client.post(f"/organizer/events/{event.id}/estimate", data={"waste_kg": "1000"})
    response = client.post(f"/organizer/events/{event.id}/estimate/neutralize")
    assert response.status_code == 422 and "Make the event live" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def badge_of(client, slug):
    page = client.get(f"/e/{slug}").get_data(as_text=True)
    if 'class="neutral-badge"' not in page:
        return None
    start = page.index('class="neutral-badge"')
    return page[start:page.index("</section>", start)]


@pytest.mark.parametrize("visitor_share, operations, words", [
    (None, False, None),  # 0 t: no badge at all
    (None, True, "Operations neutral"),
    ("37", False, "Attendees 37% neutral"),
    ("37", True, "Operations neutral · Attendees 37% neutral"),
    ("100", True, "Fully carbon neutral"),
])
def test_the_badge_says_exactly_what_is_covered(client, db, org, make_event, make_project, make_order,
                                                visitor_share, operations, words):
    event = make_event(organization_id=org.id, slug="summit")
    project = make_project()
    client.post(f"/organizer/events/{event.id}/estimate", data={"rail-count": "100", "rail-km": "500",
                                                               "waste_kg": "1000"})
    cov = event_estimate.coverage(db.session, event)
    if visitor_share:
        kg = int((cov.attendees_estimate_kg * Decimal(visitor_share) / 100).to_integral_value("ROUND_CEILING"))
        make_order(event=event, project=project, kg=kg)
    if operations:
        client.post(f"/organizer/events/{event.id}/estimate/neutralize", data={"project": str(project.id)})
        pay(client, operations_orders(db)[0])
    badge = badge_of(client, "summit")
    if words is None:
        assert badge is None
        return
    assert f"</span>{words}</p>" in badge
    assert 'href="/e/summit/board"' in badge
    if operations:
        cert = operations_orders(db)[0].certificate
        assert f'href="/c/{cert.token}"' in badge
    assert "Carbon neutral event" not in badge or words == "Fully carbon neutral"
