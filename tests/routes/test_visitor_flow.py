"""The whole visitor flow through the web forms, as a browser without JavaScript would."""
import re

from sqlalchemy import func, select

from app.models import Certificate, Footprint, Order, Retirement


def calculator_form(project_id, **extra):
    form = {
        "leg_count": "1",
        "rf_shown": "1",
        "radiative_forcing": "on",
        "legs-0-mode": "flight",
        "legs-0-from": "PEK",
        "legs-0-to": "CTU",
        "legs-0-cabin": "economy",
        "legs-0-return": "on",
        "hotel-nights": "2",
        "hotel-country": "CN",
        "project": str(project_id),
        "display_name": "王小明",
        "organization": "Chengdu Tech",
        "show_on_board": "on",
    }
    form.update(extra)
    return form


def start_checkout(client, slug, form) -> str:
    """Post the calculator's checkout form; the new order's public id."""
    response = client.post(f"/e/{slug}/checkout", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return re.search(r"/pay/(ord_[^/]+)", response.headers["Location"]).group(1)


def test_calculator_page_prefills_the_venue(client, make_event, make_project):
    make_event(slug="forum")
    make_project()
    text = client.get("/e/forum/calculate").get_data(as_text=True)
    assert 'name="legs-0-to" value="Chengdu"' in text
    assert "Choose a project" in text


def test_live_total_is_a_fragment_for_htmx(htmx, client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = htmx.post("/e/forum/calculate", data=calculator_form(project.id), headers={"HX-Target": "result"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="result"') and "<html" not in body
    assert "How we calculated this" in body
    assert re.search(r"<strong>[\d,.]+ kg</strong>", body)
    plain = client.post("/e/forum/calculate", data=calculator_form(project.id),
                        follow_redirects=True).get_data(as_text=True)
    assert "<html" in plain


def test_add_and_remove_legs_without_javascript(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    text = client.post("/e/forum/calculate", data=calculator_form(project.id, action="add_leg")).get_data(as_text=True)
    assert 'name="legs-1-mode"' in text and 'name="leg_count" value="2"' in text
    second = {"legs-1-mode": "taxi", "legs-1-distance_km": "20"}
    form = calculator_form(project.id, leg_count="2", action="remove_leg-0", **second)
    text = client.post("/e/forum/calculate", data=form).get_data(as_text=True)
    assert 'name="legs-1-mode"' not in text
    assert 'name="legs-0-distance_km" value="20"' in text


def test_checkout_to_certificate_to_board(client, db, make_event, make_project):
    make_event(slug="forum", name="Forum")
    project = make_project()
    response = client.post("/e/forum/checkout", data=calculator_form(project.id))
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.status == "pending" and order.kg > 0
    assert db.session.scalar(select(func.count()).select_from(Footprint)) == 1
    assert "cd_participant" in response.headers.get("Set-Cookie", "")

    pay = client.get(response.headers["Location"], follow_redirects=True)
    assert "Demo payment" in pay.get_data(as_text=True)
    done = client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    assert done.status_code == 303
    status = client.get(done.headers["Location"])
    assert status.status_code == 303 and "/c/" in status.headers["Location"]

    cert = db.session.scalar(select(Certificate))
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert cert.number in page and "王小明" in page
    assert "#1 of 1" in page
    serial = db.session.scalar(select(Retirement))
    assert f"{serial.first_serial:010d}" in page

    image = client.get(f"/c/{cert.token}.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert "max-age" in image.headers["Cache-Control"]
    board = client.get("/e/forum/board").get_data(as_text=True)
    assert "王小明" in board and "Chengdu Tech" in board


def test_failed_demo_payment_releases_the_hold(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    client.post("/e/forum/checkout", data=calculator_form(project.id))
    order = db.session.scalar(select(Order))
    client.post(f"/pay/{order.public_id}/demo", data={"outcome": "failed"})
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "failed"
    page = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert "did not go through" in page
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_empty_calculator_cannot_check_out(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "project": str(project.id)}
    response = client.post("/e/forum/checkout", data=form)
    assert response.status_code == 422
    assert "Add at least one trip" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_unknown_place_is_a_friendly_error_and_changes_nothing(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = client.post("/e/forum/checkout", data=calculator_form(project.id, **{"legs-0-from": "Atlantis-on-Sea"}))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_sold_out_project_is_refused_with_others_offered(client, db, make_event, make_project):
    make_event(slug="forum")
    tiny = make_project(quantity=5, price=100, name="Tiny Biogas")
    make_project(quantity=100_000, price=9000, name="Big Hydro")
    response = client.post("/e/forum/checkout", data=calculator_form(tiny.id))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "does not have enough credits left" in text
    assert "Big Hydro" in text and "Not enough left" in text
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_waiting_page_polls_while_pending(client, htmx, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    client.post("/e/forum/checkout", data=calculator_form(project.id))
    order = db.session.scalar(select(Order))
    page = client.get(f"/orders/{order.public_id}").get_data(as_text=True)
    assert "Waiting for your payment" in page and 'hx-trigger="every 2s"' in page
    client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    polled = htmx.get(f"/orders/{order.public_id}")
    assert polled.status_code == 204 and polled.headers["HX-Redirect"].startswith("/c/")
