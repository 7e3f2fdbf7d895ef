"""A certificate's content comes from one service; the page, the image and the API show it."""
from __future__ import annotations

import datetime as dt

from app.services.certificates import content
from app.services.certificates.artwork import render_png
from app.services.footprint import life
from app.web import public_url


def urls(endpoint: str, **values) -> str:
    return f"https://carbondot.example/{endpoint}/{values['token']}"


def test_content_of_a_paid_order_across_two_batches(db, make_event, make_project, make_order):
    event = make_event(name="Forum 2026")
    project = make_project(quantity=60, batches=2, name="Biogas", standard="Gold Standard")
    order = make_order(event=event, project=project, kg=100, name="Niño", organization="Ateneo",
                       now=dt.datetime(2026, 9, 7, 10, 30))
    cert = order.certificate
    shown = content.build(cert, urls)
    assert (shown.number, shown.token, shown.status, shown.valid) == (cert.number, cert.token, "valid", True)
    assert (shown.name, shown.organization, shown.event_name, shown.everyday) == ("Niño", "Ateneo", "Forum 2026",
                                                                                   False)
    assert (shown.kg, shown.project_name, shown.project_standard) == (100, "Biogas", "Gold Standard")
    assert [(s.first, s.last, s.kg) for s in shown.serials] == [
        (f"{b.serial_prefix}-{b.first_serial:010d}", f"{b.serial_prefix}-{b.first_serial + kg - 1:010d}", kg)
        for b, kg in zip(project.batches, (60, 40), strict=True)]
    assert shown.page_url == f"https://carbondot.example/certificates.show/{cert.token}"
    assert shown.preview_url == f"https://carbondot.example/certificates.preview/{cert.token}"
    assert (shown.language, content.build(cert, urls, "zh").language) == ("en", "zh")

    drawn = shown.artwork()
    assert (drawn.number, drawn.name, drawn.organization, drawn.event_name, drawn.kg) == (
        cert.number, "Niño", "Ateneo", "Forum 2026", 100)
    assert drawn.serials == tuple(f"{s.first} \u2013 {s.last}" for s in shown.serials)
    assert (drawn.issued_on, drawn.url, drawn.language) == (dt.date(2026, 9, 7), shown.page_url, "en")


def test_the_life_certificate_names_no_event_on_the_image(make_event, make_order):
    order = make_order(event=make_event(slug=life.EVENT_SLUG, name="Life carbon footprint"))
    shown = content.build(order.certificate, urls)
    assert shown.everyday and shown.event_name == "Life carbon footprint"
    assert shown.artwork().event_name == ""  # never "at Life carbon footprint"


def test_page_api_and_image_say_the_same(client, make_order):
    cert = make_order(kg=420, name="Ana", organization="Acme").certificate
    with client.application.test_request_context():
        shown = content.build(cert, public_url)
    api = client.get(f"/api/v1/certificates/{cert.token}").get_json()
    assert (api["number"], api["name"], api["organization"], api["kg"], api["url"], api["image_url"]) == (
        shown.number, "Ana", "Acme", 420, shown.page_url, shown.image_url)
    assert api["serials"] == [{"batch": s.batch, "first": s.first, "last": s.last} for s in shown.serials]
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    for s in shown.serials:
        assert f"<code>{s.first}</code> – <code>{s.last}</code> ({s.kg} kg)" in page
    assert client.get(f"/c/{cert.token}.png").get_data() == render_png(shown.artwork(), "portrait")
