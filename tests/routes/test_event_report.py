"""The event report: the organizer's page and PDF (read back with poppler's pdftotext and pdffonts),
the public summary behind the organizer's publish switch, and a listed retirement proven by the
standalone register verifier."""
from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.models import RegistryEntry
from tests.accounts import login_as, make_user
from tests.tools import pdftotext
from tools import registry_verify


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run([pdftotext(), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    pdffonts = str(Path(pdftotext()).with_name("pdffonts"))  # poppler-utils: fails, never skips, in CI
    return subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def sold(db, org, make_event, make_project, make_order):
    """An event of Acme Events with two projects, three visitors and one operations order."""
    event = make_event(organization_id=org.id, name="Green Summit", expected_attendance=300)
    hydro = make_project(name="Jinsha Hydro", price=400_000)
    forest = make_project(name="Qinling Forest", batches=2, quantity=50, price=400_000)
    orders = [make_order(event=event, project=hydro, kg=40), make_order(event=event, project=forest, kg=30),
              make_order(event=event, project=forest, kg=60)]  # 60 spills into forest's second batch
    ops = make_order(event=event, project=hydro, kg=25)
    ops.kind, ops.organization_id = "operations", org.id
    db.session.commit()
    return event, orders, ops


def test_the_report_names_projects_serial_ranges_and_register_entries(client, db, sold, tmp_path):
    event, orders, ops = sold
    response = client.get(f"/organizer/events/{event.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data, tmp_path)
    flat = " ".join(text.split())
    assert "Green Summit" in flat and "Jinsha Hydro" in flat and "Qinling Forest" in flat
    # Serial ranges, merged per project: hydro's 40 + 25, forest's 30 + 60 across its two batches.
    for first, last in (("T1-0-0000001000", "T1-0-0000001064"), ("T2-0-0000001000", "T2-0-0000001049"),
                        ("T2-1-0000002000", "T2-1-0000002039")):
        assert re.search(rf"{first}\s+{last}\s", flat), (first, last)
    for order in [*orders, ops]:
        seq = db.session.query(RegistryEntry.seq).filter_by(certificate_id=order.certificate.id).scalar()
        assert re.search(rf"{re.escape(order.certificate.number)}.*#{seq}\b", text), order.certificate.number
    assert "No estimate entered yet." in flat
    assert "0.13 t" in flat and "0.025 t" in flat and "(distinct visitors: 3)" in flat
    # The money split per currency, and the checkpoint the entries are in.
    assert "CNY" in flat and "4 entries" in flat
    # Only the organization's own certificate carries its link (visitors' pages stay unlisted).
    assert f"--certificate={ops.certificate.token}" in flat
    assert all(o.certificate.token not in flat for o in orders)


def test_the_html_report_shows_the_same_and_links_the_pdf(client, sold):
    event, orders, ops = sold
    page = client.get(f"/organizer/events/{event.id}/report").get_data(as_text=True)
    assert f"/organizer/events/{event.id}/report.pdf" in page and "No estimate entered yet." in page
    assert "T1-0-0000001000 – T1-0-0000001064" in page and orders[0].certificate.number in page
    assert f'href="/c/{ops.certificate.token}"' in page and orders[0].certificate.token not in page
    assert 'class="report-qr"' in page
    assert f"/organizer/events/{event.id}/report" in client.get(f"/organizer/events/{event.id}").get_data(
        as_text=True)


def test_a_chinese_event_embeds_its_chinese_font_and_loses_no_glyph(client, db, org, make_event, make_project,
                                                                   make_order, tmp_path):
    name, project_name = "成都碳中和论坛·堃喆", "金沙江水电（喆）"
    event = make_event(organization_id=org.id, name=name, language="zh", venue_name="成都世纪城国际会议中心")
    make_order(event=event, project=make_project(name=project_name, price=400_000), kg=12)
    data = client.get(f"/organizer/events/{event.id}/report.pdf").data
    fonts = pdf_fonts(data, tmp_path)
    assert re.search(r"\+NotoSansSC\s.*\byes\s+yes\s+yes", fonts), fonts  # embedded, subset, with a ToUnicode map
    text = pdf_text(data, tmp_path)
    for written in (name, project_name, "成都世纪城国际会议中心", "中和", "尚未输入估算"):
        assert written in text, written
    assert "\ufffd" not in text


@pytest.mark.parametrize("path", ["/organizer/events/{id}/report", "/organizer/events/{id}/report.pdf"])
def test_the_report_is_for_the_events_organization_only(client, db, sold, path):
    event = sold[0]
    stranger = make_user(db, "bob@example.com")
    db.session.commit()
    login_as(client, stranger)
    assert client.get(path.format(id=event.id)).status_code == 404
    assert client.post(f"/organizer/events/{event.id}/report/publish", data={"publish": "1"}).status_code == 404
    client.get("/auth/logout")


def test_the_public_summary_shows_only_once_published(client, db, sold):
    event, orders, _ops = sold
    assert client.get(f"/e/{event.slug}/report").status_code == 404
    response = client.post(f"/organizer/events/{event.id}/report/publish", data={"publish": "1"})
    assert response.status_code == 303 and event.report_published
    page = client.get(f"/e/{event.slug}/report").get_data(as_text=True)
    assert "Jinsha Hydro" in page and orders[1].certificate.number in page
    assert "T2-1-0000002000 – T2-1-0000002039" in page
    assert orders[1].certificate.token not in page
    client.post(f"/organizer/events/{event.id}/report/publish", data={"publish": "0"})
    assert client.get(f"/e/{event.slug}/report").status_code == 404


def test_the_public_verifier_proves_a_retirement_the_report_lists(app, client, db, sold, tmp_path, capsys):
    event, _orders, ops = sold
    text = " ".join(pdf_text(client.get(f"/organizer/events/{event.id}/report.pdf").data, tmp_path).split())
    token = re.search(r"--certificate=([A-Za-z0-9_-]+)", text).group(1)
    index = re.search(rf"{re.escape(ops.certificate.number)}.*?#(\d+)", text).group(1)
    db.session.rollback()  # SQLite: the test's own open transaction would hold the write lock
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = registry_verify.main([f"http://127.0.0.1:{server.server_port}", f"--certificate={token}"])
    finally:
        server.shutdown()
        thread.join()
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"entry #{index}, 25 kg, live; inclusion proof OK" in out


def test_the_report_lists_the_organizers_estimate_by_category(client, db, sold, tmp_path):
    event, orders, ops = sold
    assert client.post(f"/organizer/events/{event.id}/estimate",
                       data={"water_m3": "100", "waste_kg": "1000"}).status_code in (200, 302, 303)
    page = client.get(f"/organizer/events/{event.id}/report").get_data(as_text=True)
    assert "No estimate entered yet." not in page
    assert "520.5327" in page and "0.1913" in page  # each line with its cited factor
    text = pdf_text(client.get(f"/organizer/events/{event.id}/report.pdf").data, tmp_path)
    assert "No estimate entered yet." not in text and "520.5327" in text
