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
