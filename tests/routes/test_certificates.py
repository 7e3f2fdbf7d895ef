"""The public certificate: page, images, sharing tags, revocation, the method it was made with."""
import re
from decimal import Decimal

from flask import g

from app.extensions import db as _db
from app.models import Footprint
from app.services import footprint
from tests.routes.test_visitor_flow import calculator_form, start_checkout


def test_certificate_page_has_absolute_share_tags(client, make_order):
    order = make_order(kg=420, name="Niño Dela Cruz")
    token = order.certificate.token
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://localhost/c/{token}/preview.png">' in page
    assert 'name="twitter:card" content="summary_large_image"' in page
    assert "Niño Dela Cruz" in page and order.certificate.number in page
    assert 'data-action="share"' in page and "download=" in page


def test_images_have_both_shapes_and_cache(client, make_order):
    import io

    from PIL import Image

    token = make_order(kg=5).certificate.token
    portrait = client.get(f"/c/{token}.png")
    wide = client.get(f"/c/{token}/preview.png")
    assert Image.open(io.BytesIO(portrait.data)).size == (1080, 1350)
    assert Image.open(io.BytesIO(wide.data)).size == (1200, 630)
    etag = portrait.headers["ETag"]
    again = client.get(f"/c/{token}.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "public" in portrait.headers["Cache-Control"]


def test_unknown_certificate_says_so_plainly(client):
    for url in ("/c/this-token-does-not-exist-at-all", "/c/short", "/c/this-token-does-not-exist-at-all.png"):
        response = client.get(url)
        assert response.status_code == 404
        assert "No certificate exists at this link" in response.get_data(as_text=True)


def test_revoked_certificate_says_so(client, runner, make_order):
    cert = make_order(kg=5).certificate
    assert runner.invoke(args=["revoke-certificate", cert.number, "--reason", "Payment reversed"]).exit_code == 0
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert "has been revoked" in page and "Payment reversed" in page
    assert client.get(f"/api/v1/certificates/{cert.token}").get_json()["status"] == "revoked"
    # The image's validator changes with the status, so caches refetch it.
    assert "revoked" in client.get(f"/c/{cert.token}.png").headers["ETag"]


def test_an_old_certificate_keeps_the_method_it_was_made_with(client, make_order):
    order = make_order(kg=357)
    old_item = {"label": "Flight PEK \u2192 CTU, economy", "kg": 356.775, "distance_km": 1556.1,
                "factor": {"id": "flight:domestic:economy:rf", "value": 0.22928, "unit": "kg CO2e per passenger.km",
                           "source": "UK Government GHG Conversion Factors 2025", "year": 2025}}
    row = Footprint(event_id=order.event_id, inputs={}, result={"total_kg": 356.775, "items": [old_item],
                                                                "methodology": "carbondot-1 / DESNZ 2025 / MEE 2023"},
                    total_kg=Decimal("356.775"), methodology="carbondot-1 / DESNZ 2025 / MEE 2023")
    _db.session.add(row)
    _db.session.flush()
    order.footprint_id = row.id
    _db.session.commit()
    page = client.get(f"/c/{order.certificate.token}").get_data(as_text=True)
    assert "carbondot-1 / DESNZ 2025 / MEE 2023" in page and footprint.METHODOLOGY not in page
    # Stored before flight items carried the flag: read from the factor id ("...:rf").
    assert "incl. altitude effects (RF)" in page


def test_certificate_page_has_a_heading_and_tells_the_buyer(client, make_event, make_project, app):
    make_event(slug="forum", name="Green Forum")
    project = make_project()
    public_id = start_checkout(client, "forum", calculator_form(project.id))
    response = client.post(f"/pay/{public_id}/demo", data={"outcome": "paid"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert re.search(r"<h1>Carbon Neutral Certificate of Honor</h1>", page)
    assert re.search(r"You are carbon neutral for [\d.,]+ (t|kg) CO₂e at Green Forum", page)
    g.pop("participant", None)
    stranger = app.test_client().get(response.request.path).get_data(as_text=True)
    assert "<h1>Carbon Neutral Certificate of Honor</h1>" in stranger and "You are carbon neutral" not in stranger


def test_your_certificates_lists_this_browsers_certificates_only(app, client, db, make_order):
    from app.models import Participant

    me = Participant(token="m" * 32)
    db.session.add(me)
    db.session.flush()
    older, newer = make_order(kg=5, participant=me), make_order(kg=7, participant=me)
    someone_else = make_order(kg=9)
    empty = client.get("/my/certificates")
    assert empty.status_code == 200 and "No certificates in this browser yet" in empty.get_data(as_text=True)
    client.set_cookie(app.config["PARTICIPANT_COOKIE"], me.token)
    g.pop("participant", None)  # the test's app context outlives a request
    response = client.get("/my/certificates")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    mine = [f"/c/{o.certificate.token}" for o in (newer, older)]
    assert page.index(mine[0]) < page.index(mine[1])  # newest first
    assert f"/c/{someone_else.certificate.token}" not in page
    assert 'href="/my/certificates"' in client.get(f"/c/{older.certificate.token}").get_data(as_text=True)
