"""Admin rules called directly, and the operator pages and `flask` commands agreeing on them."""
import pytest
from sqlalchemy import func, select

from app.models import BoardTotal, Certificate, CreditBatch, Payout, Project, ProjectOwner
from app.services.accounts import admin
from tests.accounts import sign_in_operator


def project_input(**overrides):
    values = dict(name="  Aba   Grassland ", kind="Grassland", place="Aba", country="cn", standard="CCER",
                  vintage=2024, price_minor=6000, currency="CNY", price_source="List price", price_year=2026,
                  new_owner=" Aba  Co-op ")
    values.update(overrides)
    return admin.ProjectInput(**values)


def test_add_project_normalises_and_creates_the_owner_once(db):
    project = admin.add_project(db.session, project_input())
    db.session.commit()
    assert (project.name, project.country, project.owner.name) == ("Aba Grassland", "CN", "Aba Co-op")
    with pytest.raises(admin.AdminError) as caught:
        admin.add_project(db.session, project_input(new_owner="Aba Co-op"))
    assert [e.code for e in (caught.value, *caught.value.others)] == ["owner_exists", "project_exists"]
    second = admin.add_project(db.session, project_input(name="Aba Two", owner_id=project.owner_id, new_owner=""))
    assert second.owner_id == project.owner_id


@pytest.mark.parametrize("overrides, code, field", [
    ({"price_minor": None}, "price", "price"),
    ({"price_minor": 0}, "price", "price"),
    ({"currency": "XXX"}, "currency_unknown", "currency"),
    ({"new_owner": "  "}, "owner_missing", "new_owner"),
    ({"name": " "}, "project_exists", "name"),
])
def test_add_project_refuses_bad_input_and_adds_nothing(db, overrides, code, field):
    with pytest.raises(admin.AdminError) as caught:
        admin.add_project(db.session, project_input(**overrides))
    assert (caught.value.code, caught.value.field) == (code, field)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_add_batch_refuses_unknown_projects_and_overlaps(db, make_project):
    project = make_project(quantity=100)  # T1-0, serials 1000..1099
    with pytest.raises(admin.AdminError) as unknown:
        admin.add_batch(db.session, 999, serial_prefix="X", first_serial=1, quantity=1)
    assert unknown.value.code == "not_found"
    with pytest.raises(admin.AdminError) as overlap:
        admin.add_batch(db.session, project.id, serial_prefix="T1-0", first_serial=1050, quantity=10)
    assert overlap.value.code == "batch_refused" and "overlap" in overlap.value.message
    batch = admin.add_batch(db.session, project.id, serial_prefix=" T1-0 ", first_serial=1100, quantity=10)
    assert admin.batch_range(batch) == ("T1-0-0000001100", "T1-0-0000001109")


def test_revoke_normalises_the_number_and_refuses_twice(db, make_order):
    cert = make_order().certificate
    with pytest.raises(admin.AdminError) as no_reason:
        admin.revoke_certificate(db.session, cert.number, "   ")
    assert no_reason.value.field == "reason"
    revoked = admin.revoke_certificate(db.session, f"  {cert.number.lower()} ", "Card  charged back")
    assert (revoked.id, revoked.status, revoked.revoked_reason) == (cert.id, "revoked", "Card charged back")
    with pytest.raises(admin.AdminError) as twice:
        admin.revoke_certificate(db.session, cert.number, "again")
    assert twice.value.code == "already_revoked"
    assert revoked.revoked_reason == "Card charged back"
    with pytest.raises(admin.AdminError) as unknown:
        admin.revoke_certificate(db.session, "CD-1999-000001", "x")
    assert unknown.value.code == "certificate_not_found"


def test_hide_name_and_organization(db, make_order):
    order = make_order(name="Lin", show=True, organization="Spam Corp")
    assert admin.hide_name(db.session, order.certificate.number.lower()).order.participant.name_hidden is True
    assert admin.hide_organization(db.session, " spam corp ") >= 1
    with pytest.raises(admin.AdminError) as missing:
        admin.hide_organization(db.session, "Nobody Inc")
    assert missing.value.code == "organization_not_found"


def test_record_payout_never_more_than_owed(db, make_project, make_order):
    project = make_project(price=5000)
    make_order(project=project, kg=2000)  # 10000 paid, 9000 owed
    with pytest.raises(admin.AdminError) as too_much:
        admin.record_payout(db.session, project.owner_id, 9001, "CNY")
    assert (too_much.value.code, too_much.value.params["balance"]) == ("over_balance", 9000)
    for bad in (None, 0, -5):
        with pytest.raises(admin.AdminError):
            admin.record_payout(db.session, project.owner_id, bad, "CNY")
    with pytest.raises(admin.AdminError):
        admin.record_payout(db.session, 999, 10, "CNY")
    payout, left = admin.record_payout(db.session, project.owner_id, 6000, "CNY", " ICBC 1 ")
    assert (payout.reference, left) == ("ICBC 1", 3000)
    assert db.session.scalar(select(func.sum(Payout.amount_minor))) == 6000


# --- the CLI and the operator pages behave the same -------------------------

@pytest.fixture
def operator(db, client):
    return sign_in_operator(db, client)


def test_cli_and_page_both_refuse_revoking_twice_and_accept_any_case(runner, client, db, operator, make_order):
    first, second = make_order().certificate, make_order().certificate
    cli = runner.invoke(args=["revoke-certificate", f" {first.number.lower()} ", "--reason", "Fraud"])
    assert cli.exit_code == 0 and f"Revoked {first.number}." in cli.output
    page = client.post("/operator/certificates/revoke", data={"number": second.number.lower(), "reason": "Fraud"})
    assert page.status_code == 303
    again_cli = runner.invoke(args=["revoke-certificate", second.number, "--reason", "Other"])
    assert again_cli.exit_code != 0 and "revoked already" in again_cli.output
    again_page = client.post("/operator/certificates/revoke", data={"number": first.number, "reason": "Other"})
    assert again_page.status_code == 422 and "revoked already" in again_page.get_data(as_text=True)
    reasons = db.session.scalars(select(Certificate.revoked_reason).order_by(Certificate.id)).all()
    assert reasons == ["Fraud", "Fraud"]


def test_cli_and_page_both_refuse_hiding_an_unknown_organization(runner, client, db, operator, make_order):
    make_order(name="Lin", show=True, organization="Spam Corp")
    cli = runner.invoke(args=["hide-organization", "Nobody Inc"])
    assert cli.exit_code != 0 and "No board shows an organization" in cli.output
    page = client.post("/operator/moderation/organization", data={"name": "Nobody Inc"})
    assert page.status_code == 422
    assert runner.invoke(args=["hide-name", "cd-1999-000001"]).exit_code != 0
    assert not any(db.session.scalars(select(BoardTotal.hidden)).all())


def test_cli_add_project_normalises_like_the_page(runner, db):
    result = runner.invoke(args=["add-project", "--name", " Aba  Grassland ", "--owner", "Aba Co-op", "--kind",
                                 "Grassland", "--place", "Aba", "--country", "cn", "--standard", "CCER",
                                 "--vintage", "2024", "--price", "6000", "--price-source", "List",
                                 "--price-year", "2026"])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project))
    assert (project.name, project.country) == ("Aba Grassland", "CN")
    again = runner.invoke(args=["add-project", "--name", "Aba Grassland", "--owner", "Aba Co-op", "--kind", "G",
                                "--place", "P", "--standard", "S", "--vintage", "2024", "--price", "1",
                                "--price-source", "s", "--price-year", "2026"])
    assert again.exit_code != 0 and "exists already" in again.output
    assert db.session.scalar(select(func.count()).select_from(ProjectOwner)) == 1
    assert db.session.scalar(select(func.count()).select_from(CreditBatch)) == 0
