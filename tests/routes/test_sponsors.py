"""Sponsored attendees through the web forms, as a browser without JavaScript would: the organizer
buys a sponsor's codes through the checkout, an attendee redeems one at the calculator, the sponsor
keeps or refunds what is left."""
import re

import pytest
from sqlalchemy import func, select

from app.models import Certificate, Order, SponsorPool
from app.services.sales import sponsors
from tests.routes.test_visitor_flow import calculator_form


@pytest.fixture
def event(org, make_event):
    return make_event(slug="forum", name="Forum", organization_id=org.id)


def buy_codes(client, db, event, project, **form):
    data = {"sponsor_name": "Panda Bank", "kg": "3000", "codes": "5", "mode": "single", "project": str(project.id),
            **form}
    response = client.post(f"/organizer/events/{event.id}/sponsors", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    public_id = re.search(r"/pay/(ord_[^/]+)", response.headers["Location"]).group(1)
    paid = client.post(f"/pay/{public_id}/demo", data={"outcome": "paid"})
    status = client.get(paid.headers["Location"])
    assert status.status_code == 303 and status.headers["Location"].endswith(f"/organizer/events/{event.id}/sponsors")
    return db.session.scalar(select(SponsorPool).join(Order, Order.id == SponsorPool.order_id)
                             .where(Order.public_id == public_id))


def test_buy_print_and_redeem_a_code_without_javascript(client, db, event, make_project):
    project = make_project()
    pool = buy_codes(client, db, event, project)
    assert pool.status == "open" and len(pool.codes) == 5
    page = client.get(f"/organizer/events/{event.id}/sponsors").get_data(as_text=True)
    code = sponsors.printed(pool.codes[0].code)
    assert "Panda Bank" in page and code in page
    cards = client.get(f"/organizer/events/{event.id}/sponsors/{pool.id}/cards").get_data(as_text=True)
    assert cards.count('class="k-qr"') == 5 and code in cards and f"/s/{pool.codes[0].code}" in cards

    # The card's QR code: the calculator with the code filled in
    scanned = client.get(f"/s/{pool.codes[0].code}")
    assert scanned.status_code == 303 and "/e/forum/calculate" in scanned.headers["Location"]
    calc = client.get(scanned.headers["Location"]).get_data(as_text=True)
    assert "Have a sponsor code?" in calc and f'value="{code}"' in calc

    response = client.post("/e/forum/checkout", data=calculator_form(project.id, sponsor_code=code, action="sponsor"))
    assert response.status_code == 303 and "/c/" in response.headers["Location"]
    order = db.session.scalar(select(Order).where(Order.sponsor_pool_id == pool.id))
    assert (order.kind, order.status, order.amount_minor) == ("visitor", "paid", 0)
    certificate = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sponsored by Panda Bank" in certificate and "王小明" in certificate
    token = order.certificate.token
    assert client.get(f"/api/v1/certificates/{token}").get_json()["sponsored_by"] == "Panda Bank"
    assert "王小明" in client.get("/e/forum/board").get_data(as_text=True)

    # The same code again: a friendly refusal beside the field, nothing changes
    again = client.post("/e/forum/checkout", data=calculator_form(project.id, sponsor_code=code))
    assert again.status_code == 422 and "already been used" in again.get_data(as_text=True)
    wrong = client.post("/e/forum/checkout", data=calculator_form(project.id, sponsor_code="nope-nope"))
    assert wrong.status_code == 422 and "not valid for this event" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert client.get("/s/NOPENOPENOPE").status_code == 404


def test_keep_or_refund_the_balance_needs_a_confirmation(client, db, event, make_project):
    project = make_project()
    kept_pool = buy_codes(client, db, event, project)
    refunded_pool = buy_codes(client, db, event, project, sponsor_name="Tea House", mode="open", codes="50")
    assert [c.max_uses for c in refunded_pool.codes] == [50]
    url = f"/organizer/events/{event.id}/sponsors/{kept_pool.id}/keep"
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.get_data(as_text=True)
    assert client.post(url, data={"confirm": "yes"}).status_code == 303
    db.session.refresh(kept_pool)
    assert kept_pool.status == "closed" and kept_pool.remaining_kg == 0
    own = db.session.scalar(select(Order).where(Order.sponsor_pool_id == kept_pool.id))
    assert own.kind == "sponsor_own" and own.certificate is not None

    done = client.post(f"/organizer/events/{event.id}/sponsors/{refunded_pool.id}/refund", data={"confirm": "yes"})
    assert done.status_code == 303
    db.session.refresh(refunded_pool)
    assert refunded_pool.refund_ref and refunded_pool.refunded_minor == refunded_pool.order.amount_minor
    page = client.get(f"/organizer/events/{event.id}/sponsors").get_data(as_text=True)
    assert "Refunded" in page and "certificate " + own.certificate.number in page
    # Closed pools' codes no longer work
    code = sponsors.printed(refunded_pool.codes[0].code)
    expired = client.post("/e/forum/checkout", data=calculator_form(project.id, sponsor_code=code))
    assert expired.status_code == 422 and "expired" in expired.get_data(as_text=True)


def test_bad_purchase_input_is_refused_kindly(client, db, event, make_project):
    project = make_project()
    response = client.post(f"/organizer/events/{event.id}/sponsors",
                           data={"sponsor_name": "", "kg": "0", "codes": "x", "project": str(project.id)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "whole number above zero" in text and "how many attendees" in text
    nameless = client.post(f"/organizer/events/{event.id}/sponsors",
                           data={"sponsor_name": " ", "kg": "100", "codes": "3", "project": str(project.id)})
    assert nameless.status_code == 422 and "sponsor&#39;s name" in nameless.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_other_organizers_see_nothing(client, db, make_event, make_project, org):
    other = make_event(slug="theirs")  # no organization of ours
    assert client.get(f"/organizer/events/{other.id}/sponsors").status_code == 404
