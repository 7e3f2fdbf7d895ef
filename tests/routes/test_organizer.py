"""The organizer's pages: organizations, events, posters, the live dashboard and
its CSV, and neutralizing the event's own operations through the checkout."""
import csv
import io

import pytest
from sqlalchemy import func, select

from app.models import BoardTotal, Certificate, Event, Footprint, Order, Organization
from app.services.live import boards
from app.web.template_helpers import tonnes


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def event_form(**overrides):
    form = {"name": "Green Summit 2026", "scenario": "conference", "description": "Two days on climate tech.",
            "venue_name": "Chengdu Global Center", "venue_code": "chengdu", "city": "", "country": "",
            "starts_on": "2026-09-07", "ends_on": "2026-09-08", "expected_attendance": "300", "currency": "CNY",
            "color": "#1B5E20", "status": "live"}
    form.update(overrides)
    return form


def test_create_an_event(client, db, org, make_project):
    hydro = make_project(name="Hydro")
    make_project(name="Forest")
    page = client.get(f"/organizer/organizations/{org.id}/events/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Leave empty to make one from the name" in text and 'name="projects"' in text

    response = client.post(f"/organizer/organizations/{org.id}/events/new",
                           data=event_form(projects=[str(hydro.id)]))
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert response.headers["Location"] == f"/organizer/events/{event.id}"
    assert event.slug == "green-summit-2026" and event.organization_id == org.id
    assert event.venue_code == "Chengdu" and event.city == "Chengdu" and event.country == "CN"
    assert event.venue_lat is not None and event.expected_attendance == 300
    assert event.color == "#1b5e20" and event.status == "live" and [p.name for p in event.projects] == ["Hydro"]
    # The visitors' calculator starts from the venue, placed by its coordinates.
    assert f'name="legs-0-to" value="{event.venue_name}"' in client.get("/e/green-summit-2026/calculate").get_data(
        as_text=True)


def test_slugs_are_unique_and_fall_back_for_names_without_latin_letters(client, db, org, make_project):
    make_project()
    for name in ("Green Summit", "Green Summit", "成都碳中和论坛"):
        assert client.post(f"/organizer/organizations/{org.id}/events/new",
                           data=event_form(name=name)).status_code == 303
    slugs = db.session.scalars(select(Event.slug).order_by(Event.id)).all()
    assert slugs == ["green-summit", "green-summit-2", "chengdu-event"]


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "Give the event a name."),
    ({"currency": "USD"}, "No project sells credits in that currency yet; choose another."),
    ({"ends_on": "2026-09-01"}, "The event cannot end before it starts."),
    ({"starts_on": "7 Sept"}, "Use a date like 2026-09-07."),
    ({"venue_code": "Atlantis-on-Sea"}, "We do not know that place"),
    ({"color": "green"}, "Use a colour like #0f5132."),
    ({"expected_attendance": "lots"}, "Enter a whole number, like 300."),
    ({"expected_attendance": "0"}, "Enter a number from 1 to 10,000,000."),
    ({"slug": "Not A Slug!"}, "lower-case letters, digits and single hyphens"),
    ({"slug": "taken-slug"}, "Another event uses this address already."),
    ({"country": "ZZ"}, "Choose a country from the list."),
    ({"country": "China"}, "Choose a country from the list."),
    ({"name": "   "}, "Give the event a name."),
    ({"scenario": "rave"}, "Choose one of the kinds listed."),
    ({"status": "cancelled"}, "Choose draft, live or archived."),
])
def test_bad_event_input_is_refused_kindly_and_changes_nothing(client, db, org, make_project, make_event,
                                                                overrides, message):
    make_project()
    make_event(slug="taken-slug")
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(**overrides))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and "Please check the fields marked below." in text
    assert count(db, Event) == 1


def test_projects_must_be_in_the_events_currency(client, db, org, make_project):
    make_project(name="Yuan Forest")
    dollars = make_project(name="Dollar Hydro", currency="USD")
    response = client.post(f"/organizer/organizations/{org.id}/events/new",
                           data=event_form(projects=[str(dollars.id)]))
    assert response.status_code == 422
    assert "Dollar Hydro is priced in USD; this event takes CNY." in response.get_data(as_text=True)
    assert count(db, Event) == 0


def test_only_currencies_with_active_projects_are_offered(client, org, make_project):
    make_project(currency="PHP")
    make_project(currency="CNY", active=False)
    text = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    assert 'value="PHP"' in text
    assert 'value="CNY"' not in text and 'value="USD"' not in text


def test_edit_an_event_and_its_address_freezes_with_the_first_order(client, db, org, make_project, make_event,
                                                                    make_order):
    project = make_project()
    event = make_event(slug="summit", name="Summit", organization_id=org.id)
    edited = client.post(f"/organizer/events/{event.id}/edit", data=event_form(name="Summit 2026", slug="summit-26"))
    assert edited.status_code == 303
    db.session.refresh(event)
    assert (event.name, event.slug) == ("Summit 2026", "summit-26")

    make_order(event=event, project=project, paid=False)  # even an unpaid order carries the address
    page = client.get(f"/organizer/events/{event.id}/edit").get_data(as_text=True)
    assert "it can no longer change" in page and 'name="slug"' not in page
    refused = client.post(f"/organizer/events/{event.id}/edit", data=event_form(slug="new-address"))
    assert refused.status_code == 422
    assert "This event has orders, so its address can no longer change." in refused.get_data(as_text=True)
    db.session.refresh(event)
    assert event.slug == "summit-26" and event.name == "Summit 2026"
    # Without a slug in the form (the field is disabled) everything else can still change.
    assert client.post(f"/organizer/events/{event.id}/edit", data=event_form(name="Renamed")).status_code == 303
    db.session.refresh(event)
    assert (event.name, event.slug) == ("Renamed", "summit-26")


def test_archive_an_event(client, db, org, make_event, make_project):
    make_project()
    event = make_event(organization_id=org.id)
    assert client.post(f"/organizer/events/{event.id}/archive").status_code == 303
    db.session.refresh(event)
    assert event.status == "archived"
    public = client.get(f"/e/{event.slug}").get_data(as_text=True)
    assert "This event has ended" in public


def test_organizations_are_created_and_renamed(client, db, org):
    assert client.post("/organizer/organizations/new", data={"name": "Second Org"}).status_code == 303
    assert {o.name for o in db.session.scalars(select(Organization))} == {"Acme Events", "Second Org"}
    taken = client.post(f"/organizer/organizations/{org.id}/edit", data={"name": "second org"})
    assert taken.status_code == 422 and "Another organization has this name." in taken.get_data(as_text=True)
    assert client.post(f"/organizer/organizations/{org.id}/edit", data={"name": "Acme"}).status_code == 303
    db.session.refresh(org)
    assert org.name == "Acme"
    index = client.get("/organizer/").get_data(as_text=True)
    assert "Acme" in index and "Second Org" in index


@pytest.mark.parametrize("size, fmt, signature, mimetype", [
    ("a4", "png", b"\x89PNG", "image/png"),
    ("a6", "png", b"\x89PNG", "image/png"),
    ("a4", "svg", b"<?xml", "image/svg+xml"),
    ("a6", "pdf", b"%PDF", "application/pdf"),
])
def test_posters_download(client, org, make_event, size, fmt, signature, mimetype):
    event = make_event(organization_id=org.id, slug="summit")
    response = client.get(f"/organizer/events/{event.id}/poster-{size}.{fmt}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.data.startswith(signature)
    assert f'attachment; filename="carbondot-summit-{size}.{fmt}"' == response.headers["Content-Disposition"]
    if fmt == "svg":
        assert "localhost/e/summit" in response.get_data(as_text=True)


def test_poster_page_and_unknown_sizes(client, org, make_event):
    event = make_event(organization_id=org.id, slug="summit")
    page = client.get(f"/organizer/events/{event.id}/posters").get_data(as_text=True)
    assert "http://localhost/e/summit" in page and "poster-a6.pdf" in page
    assert client.get(f"/organizer/events/{event.id}/poster-a3.png").status_code == 404
    assert client.get(f"/organizer/events/{event.id}/poster-a4.gif").status_code == 404


def test_dashboard_totals_and_live_block(client, htmx, db, org, make_event, make_project, make_order):
    project = make_project(price=5000)
    event = make_event(organization_id=org.id, expected_attendance=8)
    make_order(event=event, project=project, kg=1500, name="Lin Wei", show=True)
    make_order(event=event, project=project, kg=500, name="Secret Person", show=False)
    make_order(event=event, project=project, kg=700, paid=False)
    page = client.get(f"/organizer/events/{event.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>2</strong>" in text and "25.0%" in text and "of 8 expected" in text
    assert "<strong>2 t</strong>" in text and "¥100.00" in text
    assert "Lin Wei" in text and "Secret Person" not in text and "Anonymous visitor" in text
    assert "<svg" in text and "<polyline" in text
    live = htmx.get(f"/organizer/events/{event.id}")
    body = live.get_data(as_text=True)
    assert live.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="live"')
    assert "HX-Request" in live.headers["Vary"]


def test_dashboard_without_orders_or_expected_attendance(client, org, make_event):
    event = make_event(organization_id=org.id)
    text = client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    assert "The chart starts with the first payment." in text and "set the expected attendance" in text


def test_orders_csv_names_only_with_consent(client, db, org, make_event, make_project, make_order):
    project = make_project()
    event = make_event(organization_id=org.id, slug="summit")
    make_order(event=event, project=project, kg=100, name="=HYPERLINK(evil)", show=True, organization="Tech Co")
    make_order(event=event, project=project, kg=200, name="Private Name", show=False, organization="Hidden Co")
    make_order(event=event, project=project, kg=300, paid=False, name="Unpaid", show=True)
    response = client.get(f"/organizer/events/{event.id}/orders.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="carbondot-summit-orders.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["kg"] for r in rows] == ["100", "200"]
    assert rows[0]["display_name"] == "'=HYPERLINK(evil)" and rows[0]["organization"] == "Tech Co"
    assert rows[1]["display_name"] == "" and rows[1]["organization"] == ""
    assert rows[0]["certificate"].startswith("CD-") and rows[0]["kind"] == "visitor"
    assert "Private Name" not in response.get_data(as_text=True)


OPS = {"electricity": "1200", "grid": "CN-SOUTHWEST", "meals-vegetarian": "300", "basket-coffee": "5"}


def test_operations_total_is_live(htmx, client, org, make_event, make_project):
    make_project()
    event = make_event(organization_id=org.id)
    page = client.get(f"/organizer/events/{event.id}/operations").get_data(as_text=True)
    assert "Electricity (kWh)" in page and "Southwest China grid" in page
    fragment = htmx.post(f"/organizer/events/{event.id}/operations/estimate", data=OPS,
                         headers={"HX-Target": "ops-result"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div id="ops-result"')
    assert "Electricity, 1,200 kWh, Southwest China grid" in body and "Meals: vegetarian" in body
    plain = client.post(f"/organizer/events/{event.id}/operations/estimate", data=OPS)
    assert plain.status_code == 200 and "<html" in plain.get_data(as_text=True)


def test_operations_items_speak_the_page_language(client, org, make_event):
    event = make_event(organization_id=org.id)
    zh = client.post(f"/organizer/events/{event.id}/operations/estimate?lang=zh", data=OPS).get_data(as_text=True)
    assert "用电 1,200 kWh，西南电网" in zh and "Electricity, 1,200" not in zh and "Meals: vegetarian" not in zh
    fil = client.post(f"/organizer/events/{event.id}/operations/estimate?lang=fil", data=OPS).get_data(as_text=True)
    assert "Kuryente, 1,200 kWh" in fil and "Electricity, 1,200" not in fil


def test_neutralize_the_events_operations_through_the_checkout(client, db, org, make_event, make_project,
                                                              make_order):
    project = make_project()
    event = make_event(organization_id=org.id, slug="summit", name="Summit")
    make_order(event=event, project=project, kg=400, name="Visitor", show=True)
    response = client.post(f"/organizer/events/{event.id}/operations", data={**OPS, "project": str(project.id)})
    assert response.status_code == 303 and response.headers["Location"].startswith("/pay/ord_")
    order = db.session.scalar(select(Order).where(Order.kind == "operations"))
    assert order.status == "pending" and order.organization_id == org.id and order.display_name == "Acme Events"
    assert order.project_id == project.id and order.kg > 0 and order.show_on_board is False
    assert order.footprint.inputs["energy"][0]["grid"] == "CN-SOUTHWEST"
    assert count(db, Footprint) == 1

    demo = client.get(response.headers["Location"], follow_redirects=True)
    assert "Demo payment" in demo.get_data(as_text=True)
    paid = client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"}, follow_redirects=True)
    assert paid.status_code == 200
    cert = db.session.scalar(select(Certificate).where(Certificate.order_id == order.id))
    assert cert is not None and "Acme Events" in paid.get_data(as_text=True)

    # Not on the people boards; the event page shows the badge with both totals.
    assert boards.event_totals(db.session, event.id).participants == 1
    assert count(db, BoardTotal) == 3  # the visitor's three lines only
    public = client.get("/e/summit").get_data(as_text=True)
    db.session.refresh(order)
    assert "Operations neutral" in public
    nbsp = "\u00a0"  # a number and its unit never wrap apart
    assert f"The organizer neutralized {tonnes(order.kg).replace(' ', nbsp)} of the event" in public
    assert f"visitors 0.4{nbsp}t." in public
    dashboard = client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    assert "CO₂e of the event itself" in dashboard
    ops_page = client.get(f"/organizer/events/{event.id}/operations").get_data(as_text=True)
    assert cert.number in ops_page


@pytest.mark.parametrize("form, status_field, message", [
    ({}, None, "Enter the electricity, meals or supplies to neutralize."),
    ({"electricity": "-5"}, "electricity", "Energy used must be between 0"),
    ({"electricity": "lots"}, "electricity", "Energy used must be between 0 and"),
    ({"meals-vegan": "2.5"}, "meals-vegan", "must be a whole number"),
    ({"electricity": "100", "grid": "MARS"}, "electricity", "Unknown grid"),
])
def test_bad_operations_input_changes_nothing(client, db, org, make_event, make_project, form, status_field,
                                              message):
    make_project()
    event = make_event(organization_id=org.id)
    response = client.post(f"/organizer/events/{event.id}/operations", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    if status_field:
        assert f'aria-describedby="err-{status_field}"' in text
    assert count(db, Order) == 0 and count(db, Footprint) == 0


def test_a_draft_event_cannot_be_neutralized_yet(client, db, org, make_event, make_project):
    make_project()
    event = make_event(organization_id=org.id, status="draft")
    page = client.get(f"/organizer/events/{event.id}/operations").get_data(as_text=True)
    assert "Make the event live before neutralizing its operations." in page
    response = client.post(f"/organizer/events/{event.id}/operations", data=OPS)
    assert response.status_code == 422 and count(db, Order) == 0


def test_operations_larger_than_the_stock_are_refused(client, db, org, make_event, make_project):
    make_project(quantity=10)
    event = make_event(organization_id=org.id)
    response = client.post(f"/organizer/events/{event.id}/operations", data=OPS)
    assert response.status_code == 422
    assert "No project on offer has enough credits left" in response.get_data(as_text=True)
    assert count(db, Order) == 0


def test_the_event_s_default_language_is_chosen_in_its_form(client, db, org, make_project):
    make_project()
    assert 'name="language"' in client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    refused = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(language="de"))
    assert refused.status_code == 422 and count(db, Event) == 0
    created = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(language="fil"))
    assert created.status_code == 303
    event = db.session.scalar(select(Event))
    assert event.language == "fil"
    assert '<html lang="fil">' in client.get(f"/kiosk/{event.slug}").get_data(as_text=True)


def test_dashboard_links_the_kiosk_and_its_screen_poster(client, org, make_event):
    event = make_event(organization_id=org.id, slug="summit")
    page = client.get(f"/organizer/events/{event.id}").get_data(as_text=True)
    assert 'href="/kiosk/summit"' in page and f"/organizer/events/{event.id}/poster-screen.png" in page
    response = client.get(f"/organizer/events/{event.id}/poster-screen.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    from io import BytesIO

    from PIL import Image
    assert Image.open(BytesIO(response.data)).size == (1920, 1080)


def test_the_badge_needs_something_neutralized_and_links_its_certificates(client, db, org, make_event,
                                                                          make_project):
    """Issue #26 item 19: no badge before anything is neutralized; with the organizer's operations and
    no visitor yet, no "visitors 0 t", and the badge links the certificate it stands for."""
    project = make_project()
    event = make_event(organization_id=org.id, slug="summit", name="Summit")
    assert "neutral-badge" not in client.get("/e/summit").get_data(as_text=True)
    response = client.post(f"/organizer/events/{event.id}/operations", data={**OPS, "project": str(project.id)})
    order = db.session.scalar(select(Order).where(Order.kind == "operations"))
    client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    assert response.status_code == 303
    cert = db.session.scalar(select(Certificate).where(Certificate.order_id == order.id))
    public = client.get("/e/summit").get_data(as_text=True)
    badge = public[public.index('class="neutral-badge"'):public.index("</section>", public.index("neutral-badge"))]
    assert "Operations neutral" in badge and "visitors 0" not in badge
    assert f'href="/c/{cert.token}"' in badge and cert.number in badge


def test_event_countries_are_a_list_in_the_page_language(client, org, make_project):
    """Issue #26 item 13: the country is chosen by name (in the page's language), never typed."""
    make_project()
    en = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    assert 'id="country" name="country"><option value="">' in en and '<option value="CN">China</option>' in en
    assert '<option value="CH">Switzerland</option>' in en
    zh = client.get(f"/organizer/organizations/{org.id}/events/new?lang=zh").get_data(as_text=True)
    assert '<option value="CN">中国</option>' in zh
    refused = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(country="Ch ina"))
    # The page is in Chinese now (the language chosen above sticks): the refusal too.
    assert refused.status_code == 422 and "请从列表中选择国家或地区。" in refused.get_data(as_text=True)
