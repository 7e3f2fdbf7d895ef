"""Public pages: health, home and its event cards, event pages and their sharing card, projects, the
methodology."""
import datetime as dt
import io
import re

from PIL import Image

from app.services.accounts import admin


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "off"}


def test_home_lists_live_events_and_searches(client, make_event, htmx):
    make_event(name="Digital Carbon Forum", slug="forum")
    make_event(name="Mountain Walk", slug="walk", scenario="scenic")
    make_event(name="Hidden Draft", slug="draft", status="draft")
    page = client.get("/").get_data(as_text=True)
    assert "Digital Carbon Forum" in page and "Mountain Walk" in page and "Hidden Draft" not in page
    found = client.get("/?q=forum").get_data(as_text=True)
    assert "Digital Carbon Forum" in found and "Mountain Walk" not in found
    scenic = client.get("/?scenario=scenic").get_data(as_text=True)
    assert "Mountain Walk" in scenic and "Digital Carbon Forum" not in scenic
    fragment = htmx.get("/?q=mountain")
    body = fragment.get_data(as_text=True)
    assert 'id="results"' in body and "<html" not in body and "Mountain Walk" in body
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_event_page_is_the_qr_target(client, make_event):
    make_event(name="China Digital Carbon Neutrality Forum", slug="cdcn")
    page = client.get("/e/cdcn")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "I want to be carbon neutral" in text
    assert "/e/cdcn/calculate" in text


def test_unknown_and_draft_events_are_404(client, make_event):
    make_event(slug="draft", status="draft")
    assert client.get("/e/nope").status_code == 404
    assert client.get("/e/draft").status_code == 404


def test_methodology_lists_factors_with_sources(client):
    text = client.get("/methodology").get_data(as_text=True)
    assert "DESNZ" in text or "Department for Energy Security" in text
    assert "<table" in text


def test_methodology_page_links_sources_and_explains_the_flight_rule(client):
    html = client.get("/methodology").get_data(as_text=True)
    assert 'href="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"' in html
    assert 'href="https://doi.org/10.1007/s10584-014-1169-1"' in html
    assert "International, to/from non-UK" in html and "our choice, not DESNZ" in html
    # PEK-CTU one way: 1,556.066 x 0.10916 = 169.9 kg (ours); x 0.22928 = 356.8 kg (carbondot-1)
    assert "169.9 kg" in html and "356.8 kg" in html
    assert 'id="differ"' in html and html.count("Flight ") >= 6
    # myclimate's published formula for the same flight (tests/unit/test_methodology.py): 287.8 kg
    assert "287.8 kg" in html and 'href="https://www.myclimate.org/en/information/about-myclimate/downloads/' in html
    assert "(7 % higher)" in html
    chinese = client.get("/methodology?lang=zh").get_data(as_text=True)
    assert "北京 → 成都" in chinese and "（高 7%）" in chinese and "Within China" not in chinese
    assert "100 g beef" in html
    assert "carbondot-3 / DESNZ 2025 / MEE 2023" in html


def test_past_events_are_marked_ended_and_listed_after_live_ones(client, make_event):
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


def test_event_pages_have_open_graph_tags_with_an_image_made_for_the_event(client, make_event):
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


def test_owed_and_paid_out_are_shown_separately(client, db, make_event, make_project, make_order):
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
