"""The calculator keeps what the visitor typed, as a browser without JavaScript sees it: in its URL (the
live total, details and back, try again after a failed payment, Update total), the last paid order's name
and consent; a language in the URL is not input."""
import re

from flask import g

from tests.routes.test_visitor_flow import calculator_form, start_checkout


def test_calculator_prefills_name_organization_and_consent_from_the_last_paid_order(app, client, make_event,
                                                                                    make_project):
    make_event(slug="forum")
    project = make_project()
    first = start_checkout(client, "forum", calculator_form(project.id, display_name="Lin Wei",
                                                            organization="Chengdu Tech", show_on_board="on"))
    client.post(f"/pay/{first}/demo", data={"outcome": "paid"})
    start_checkout(client, "forum", calculator_form(project.id, display_name="Not Paid", organization="Nowhere"))
    text = client.get("/e/forum/calculate").get_data(as_text=True)
    assert 'id="display_name" name="display_name" maxlength="60" value="Lin Wei"' in text
    assert 'value="Chengdu Tech"' in text
    assert re.search(r'name="show_on_board"\s+checked', text)
    # A new browser starts blank.
    g.pop("participant", None)  # the test's app context outlives requests; a real one does not
    fresh = app.test_client().get("/e/forum/calculate").get_data(as_text=True)
    assert 'value="Lin Wei"' not in fresh


def test_the_calculator_url_carries_what_the_visitor_typed(htmx, client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    form = calculator_form(project.id, csrf_token="secret-token")
    response = htmx.post("/e/forum/calculate", data=form, headers={"HX-Target": "result"})
    url = response.headers["HX-Replace-Url"]
    assert url.startswith("/e/forum/calculate?") and "legs-0-from=PEK" in url and "hotel-nights=2" in url
    assert "csrf" not in url
    # Back (or any reload) serves the page with the fields filled and the total counted.
    text = client.get(url).get_data(as_text=True)
    assert 'name="legs-0-from" value="PEK"' in text
    assert re.search(r'id="hotel-nights"[^>]*value="2"', text)
    assert not re.search(r"<strong>0 kg</strong>", text)


def test_details_and_back_keep_the_calculation(htmx, client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    block = htmx.post("/e/forum/calculate", data=calculator_form(project.id),
                      headers={"HX-Target": "result"}).get_data(as_text=True)
    details = re.search(rf'href="(/p/{project.id}\?[^"]+)"', block).group(1).replace("&amp;", "&")
    assert "e=forum" in details and "legs-0-from=PEK" in details
    page = client.get(details).get_data(as_text=True)
    back = re.search(r'<a[^>]*href="(/e/forum/calculate\?[^"]+)"[^>]*>[^<]*Back to your calculation',
                     page).group(1).replace("&amp;", "&")
    text = client.get(back).get_data(as_text=True)
    assert 'name="legs-0-from" value="PEK"' in text and 'value="王小明"' in text


def test_try_again_after_a_failed_payment_reopens_the_calculation(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    public_id = start_checkout(client, "forum", calculator_form(project.id, **{"legs-0-from": "Shanghai"}))
    client.post(f"/pay/{public_id}/demo", data={"outcome": "failed"})
    status = client.get(f"/orders/{public_id}").get_data(as_text=True)
    again = re.search(r'href="([^"]+)">Try again', status).group(1).replace("&amp;", "&")
    assert again.startswith("/e/forum/calculate?")
    text = client.get(again).get_data(as_text=True)
    assert 'name="legs-0-from" value="Shanghai"' in text
    assert re.search(r'id="hotel-nights"[^>]*value="2"', text)
    assert 'value="王小明"' in text and 'value="Chengdu Tech"' in text
    assert re.search(r'name="show_on_board"\s+checked', text)
    assert re.search(rf'value="{project.id}"\s+checked', text)


def test_update_total_without_javascript_lands_on_a_url_back_can_reload(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = client.post("/e/forum/calculate", data=calculator_form(project.id, csrf_token="x", action="update"))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/e/forum/calculate?") and "csrf" not in response.headers["Location"]
    bad = client.post("/e/forum/calculate", data=calculator_form(project.id, **{"hotel-nights": "abc"}))
    assert bad.status_code == 422


def test_a_language_in_the_url_is_not_calculator_input(client, make_event, make_project):
    """?lang= (the switcher, a poster's QR) keeps the venue as the destination and the return trip."""
    make_event(slug="mountain", scenario="scenic", venue_name="Mount Qingcheng Scenic Area", venue_code="Chengdu",
               venue_lat=30.9007, venue_lon=103.5706)
    make_project()
    for lang in ("zh", "fil", "en"):
        text = client.get(f"/e/mountain/calculate?lang={lang}").get_data(as_text=True)
        assert 'name="legs-0-to" value="Mount Qingcheng Scenic Area"' in text
        assert re.search(r'name="legs-0-return"[^>]*checked', text)
