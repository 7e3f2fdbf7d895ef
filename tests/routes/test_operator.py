"""The operator's pages: projects and batches, moderation, revocation, payouts."""
import pytest
from sqlalchemy import func, select

from app.models import BoardTotal, Certificate, CreditBatch, Payout, Project, ProjectOwner
from tests.accounts import sign_in_operator


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def operator(db, client):
    return sign_in_operator(db, client)


def project_form(**overrides):
    form = {"name": "Yunnan Cookstoves", "owner_id": "", "new_owner": "Yunnan Stoves Co.", "kind": "Cookstoves",
            "place": "Kunming, Yunnan", "country": "cn", "standard": "Gold Standard", "vintage": "2024",
            "currency": "CNY", "price": "58.50", "price_source": "Contract 2026-03", "price_year": "2026",
            "description": "Efficient stoves."}
    form.update(overrides)
    return form


def test_overview_and_projects_show_stock_and_serial_ranges(client, operator, make_project, make_order):
    project = make_project(quantity=10_000, name="Forest A")
    make_order(project=project, kg=1200)
    make_order(project=project, kg=300, paid=False)
    assert "Forest A" in client.get("/operator/").get_data(as_text=True)
    text = client.get("/operator/projects").get_data(as_text=True)
    assert "T1-0-0000001000" in text and "T1-0-0000010999" in text  # first and last serial of the batch
    assert "10 t" in text and "1.2 t" in text and "0.3 t" in text and "8.5 t" in text  # issued/retired/held/left


def test_add_a_project(client, db, operator):
    page = client.get("/operator/projects/new")
    assert page.status_code == 200
    response = client.post("/operator/projects/new", data=project_form())
    assert response.status_code == 303
    project = db.session.scalar(select(Project))
    assert project.price_per_tonne_minor == 5850 and project.country == "CN" and project.owner.name == \
        "Yunnan Stoves Co."
    again = client.post("/operator/projects/new", data=project_form(new_owner="", owner_id=str(project.owner_id),
                                                                    name="Second Stoves"))
    assert again.status_code == 303 and count(db, ProjectOwner) == 1 and count(db, Project) == 2


@pytest.mark.parametrize("overrides, message", [
    ({"price": "free"}, "Enter a price above zero, like 58.00."),
    ({"price": "0"}, "Enter a price above zero, like 58.00."),
    ({"price": "58.505"}, "Enter a price above zero, like 58.00."),
    ({"new_owner": ""}, "Choose an owner or name a new one."),
    ({"vintage": "recent"}, "Enter a whole number, like 300."),
    ({"country": "China"}, "Choose a country from the list."),
    ({"price_source": ""}, "Say where the price comes from."),
])
def test_bad_project_input_changes_nothing(client, db, operator, overrides, message):
    response = client.post("/operator/projects/new", data=project_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Project) == 0 and count(db, ProjectOwner) == 0


def test_a_project_name_is_unique(client, db, operator, make_project):
    make_project(name="Yunnan Cookstoves")
    response = client.post("/operator/projects/new", data=project_form())
    assert response.status_code == 422 and "exists already" in response.get_data(as_text=True)
    assert count(db, Project) == 1


def test_add_a_batch_and_overlaps_are_refused(client, db, operator, make_project):
    project = make_project(batches=0)
    ok = client.post(f"/operator/projects/{project.id}/batches",
                     data={"serial_prefix": "YS-2024", "first_serial": "1", "quantity": "5000", "vintage": "2024"})
    assert ok.status_code == 303
    batch = db.session.scalar(select(CreditBatch))
    assert (batch.serial_prefix, batch.first_serial, batch.quantity, batch.vintage) == ("YS-2024", 1, 5000, 2024)
    overlap = client.post(f"/operator/projects/{project.id}/batches",
                          data={"serial_prefix": "YS-2024", "first_serial": "4000", "quantity": "10"})
    assert overlap.status_code == 422
    text = overlap.get_data(as_text=True)
    assert "Refused:" in text and "overlap" in text
    bad = client.post(f"/operator/projects/{project.id}/batches",
                      data={"serial_prefix": "YS 2024!", "first_serial": "-1", "quantity": "0"})
    assert bad.status_code == 422
    assert "Letters, digits and hyphens" in bad.get_data(as_text=True)
    assert count(db, CreditBatch) == 1
    assert client.post("/operator/projects/999/batches", data={}).status_code == 404


def test_hide_a_name_by_certificate_number(client, db, operator, make_event, make_order):
    event = make_event(slug="forum")
    order = make_order(event=event, name="Rude Name", show=True)
    page = client.get("/operator/moderation").get_data(as_text=True)
    assert "Rude Name" in page and order.certificate.number in page
    unknown = client.post("/operator/moderation/name", data={"number": "CD-1999-000001"})
    assert unknown.status_code == 422 and "No certificate has this number." in unknown.get_data(as_text=True)
    done = client.post("/operator/moderation/name", data={"number": order.certificate.number.lower()})
    assert done.status_code == 303
    db.session.refresh(order.participant)
    assert order.participant.name_hidden is True
    assert "Rude Name" not in client.get("/e/forum/board").get_data(as_text=True)


def test_hide_an_organization(client, db, operator, make_event, make_order):
    event = make_event(slug="forum")
    make_order(event=event, name="Lin", show=True, organization="Spam Corp")
    missing = client.post("/operator/moderation/organization", data={"name": "Nobody Inc"})
    assert missing.status_code == 422 and "No board shows an organization" in missing.get_data(as_text=True)
    assert client.post("/operator/moderation/organization", data={"name": "  spam corp "}).status_code == 303
    lines = db.session.scalars(select(BoardTotal).where(BoardTotal.kind == "organization")).all()
    assert lines and all(line.hidden for line in lines)


def test_revoke_a_certificate(client, db, operator, make_order):
    order = make_order()
    number = order.certificate.number
    no_reason = client.post("/operator/certificates/revoke", data={"number": number, "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    assert client.post("/operator/certificates/revoke",
                       data={"number": number, "reason": "Paid with a stolen card"}).status_code == 303
    cert = db.session.scalar(select(Certificate))
    db.session.refresh(cert)
    assert cert.status == "revoked" and cert.revoked_reason == "Paid with a stolen card"
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert "revoked" in page and "Paid with a stolen card" in page
    twice = client.post("/operator/certificates/revoke", data={"number": number, "reason": "again"})
    assert twice.status_code == 422 and "revoked already" in twice.get_data(as_text=True)


def test_payouts_never_more_than_owed(client, db, operator, make_project, make_order):
    project = make_project(price=5000)
    make_order(project=project, kg=2000)  # ¥100.00, of which ¥90.00 is owed to the owner
    page = client.get("/operator/payouts").get_data(as_text=True)
    assert project.owner.name in page and "¥90.00" in page
    too_much = client.post("/operator/payouts", data={"owner_id": str(project.owner_id), "currency": "CNY",
                                                      "amount": "90.01", "reference": "x"})
    assert too_much.status_code == 422
    assert "That is more than the ¥90.00 still owed" in too_much.get_data(as_text=True)
    bad = client.post("/operator/payouts", data={"owner_id": str(project.owner_id), "currency": "CNY",
                                                 "amount": "-3"})
    assert bad.status_code == 422 and "Enter an amount above zero" in bad.get_data(as_text=True)
    assert count(db, Payout) == 0
    ok = client.post("/operator/payouts", data={"owner_id": str(project.owner_id), "currency": "CNY",
                                                "amount": "60", "reference": "ICBC 123"})
    assert ok.status_code == 303
    payout = db.session.scalar(select(Payout))
    assert (payout.amount_minor, payout.currency, payout.reference) == (6000, "CNY", "ICBC 123")
    rest = client.post("/operator/payouts", data={"owner_id": str(project.owner_id), "currency": "CNY",
                                                  "amount": "30.01"})
    assert rest.status_code == 422 and count(db, Payout) == 1
    assert "¥30.00" in client.get("/operator/payouts").get_data(as_text=True)


def test_payouts_page_lists_payments_to_refund_by_hand(client, db, operator, make_order):
    order = make_order(kg=5, paid=False)
    assert "Payments to refund by hand" not in client.get("/operator/payouts").get_data(as_text=True)
    order.status = "refund_due"
    db.session.commit()
    text = client.get("/operator/payouts").get_data(as_text=True)
    assert "Payments to refund by hand" in text and order.public_id in text
