"""Accounts: sign up, sign in and out, change password, rate limits, the admin
command and the project owner's own statement."""
import pytest
from sqlalchemy import func, select

from app import create_app
from app.models import Organization, ProjectOwner, User
from app.services.accounts import organizations
from tests.accounts import PASSWORD


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def signup_form(**overrides):
    form = {"name": "Lin Wei", "organization": "Chengdu Green Events", "email": "Lin@Example.com",
            "password": PASSWORD}
    form.update(overrides)
    return form


def test_sign_up_creates_an_organizer_and_their_organization(client, db):
    response = client.post("/account/signup", data=signup_form())
    assert response.status_code == 303
    user = db.session.scalar(select(User))
    assert user.email == "lin@example.com" and user.role == "organizer" and user.name == "Lin Wei"
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert [o.name for o in user.organizations] == ["Chengdu Green Events"]
    assert response.headers["Location"] == f"/organizer/organizations/{user.organizations[0].id}/events/new"
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Chengdu Green Events" in page


@pytest.mark.parametrize("overrides, message", [
    ({"password": "short"}, "Use at least 10 characters."),
    ({"email": "not-an-address"}, "Enter an e-mail address like name@example.com."),
    ({"email": ""}, "Enter your e-mail address."),
    ({"organization": ""}, "Enter the name of your company or organization."),
    ({"organization": "x" * 61}, "Keep the name under 60 characters."),
])
def test_sign_up_refuses_bad_input_kindly_and_creates_nothing(client, db, overrides, message):
    response = client.post("/account/signup", data=signup_form(**overrides))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'aria-invalid="true"' in text
    assert count(db, User) == 0 and count(db, Organization) == 0


def test_sign_up_refuses_a_taken_email_or_organization(client, db, organizer):
    taken_email = client.post("/account/signup", data=signup_form(email="ANN@example.com"))
    assert taken_email.status_code == 422
    assert "exists already. Sign in instead." in taken_email.get_data(as_text=True)
    taken_org = client.post("/account/signup", data=signup_form(organization="acme events"))
    assert taken_org.status_code == 422
    assert "ask one of its members for an invite link" in taken_org.get_data(as_text=True)
    assert count(db, User) == 1 and count(db, Organization) == 1


def test_sign_in_and_sign_out(client, organizer):
    wrong = client.post("/account/login", data={"email": "ann@example.com", "password": "wrong password!"})
    assert wrong.status_code == 422
    assert "do not match an account" in wrong.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 303

    ok = client.post("/account/login", data={"email": " ANN@example.com ", "password": PASSWORD})
    assert ok.status_code == 303 and ok.headers["Location"] == "/organizer/"
    assert "Acme Events" in client.get("/organizer/").get_data(as_text=True)

    assert client.get("/account/logout").status_code == 405  # signing out changes state: POST only
    out = client.post("/account/logout")
    assert out.status_code == 303
    again = client.get("/organizer/")
    assert again.status_code == 303 and again.headers["Location"].startswith("/account/login?next=/organizer/")


def test_unknown_email_and_inactive_accounts_cannot_sign_in(client, db, organizer):
    unknown = client.post("/account/login", data={"email": "nobody@example.com", "password": PASSWORD})
    assert unknown.status_code == 422
    organizer.active = False
    db.session.commit()
    inactive = client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert inactive.status_code == 422


@pytest.mark.parametrize("target, expected", [
    ("/organizer/events/1", "/organizer/events/1"),
    ("//evil.example/steal", "/organizer/"),
    ("https://evil.example/", "/organizer/"),
    ("/\\evil.example", "/organizer/"),
])
def test_sign_in_returns_only_to_pages_of_this_site(client, organizer, target, expected):
    response = client.post("/account/login", query_string={"next": target},
                           data={"email": "ann@example.com", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_htmx_requests_are_sent_to_sign_in(htmx):
    response = htmx.get("/organizer/")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/account/login")


def test_change_password(client, db, organizer):
    client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert client.get("/account/password").status_code == 200
    new = "a new long passphrase"
    wrong = client.post("/account/password", data={"current": "not it at all", "new": new, "confirm": new})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.get_data(as_text=True)
    differ = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new + "x"})
    assert differ.status_code == 422 and "The two new passwords differ." in differ.get_data(as_text=True)
    short = client.post("/account/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert short.status_code == 422
    db.session.refresh(organizer)
    assert organizations.authenticate(db.session, "ann@example.com", PASSWORD) is not None

    done = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert done.status_code == 303
    db.session.expire_all()
    assert organizations.authenticate(db.session, "ann@example.com", PASSWORD) is None
    assert organizations.authenticate(db.session, "ann@example.com", new) is not None


def test_sign_in_is_rate_limited(app_config, organizer):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    codes = [client.post("/account/login", data={"email": "ann@example.com", "password": "guess number x"}
                         ).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 429, 429]
    page = client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    assert client.get("/account/login").status_code == 200  # only attempts count


def test_sign_in_form_needs_its_csrf_token(app, organizer):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/organizer/").status_code == 303


def test_create_admin_command(runner, db):
    result = runner.invoke(args=["create-admin", "Ops@Example.com", "--password", "operator passphrase"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "ops@example.com" and user.role == "operator" and user.password_hash.startswith("scrypt:")
    again = runner.invoke(args=["create-admin", "ops@example.com", "--password", "operator passphrase"])
    assert again.exit_code != 0 and "exists already" in again.output
    prompted = runner.invoke(args=["create-admin", "second@example.com"],
                             input="another passphrase\nanother passphrase\n")
    assert prompted.exit_code == 0, prompted.output
    short = runner.invoke(args=["create-admin", "third@example.com", "--password", "short"])
    assert short.exit_code != 0 and "at least 10" in short.output
    assert count(db, User) == 2


def test_project_owner_sees_its_own_statement(client, db, runner, make_project, make_order):
    project = make_project(name="Liangshan Forest")
    make_project(name="Someone Else's Hydro")
    make_order(project=project, kg=2000)
    owner = db.session.get(ProjectOwner, project.owner_id)
    result = runner.invoke(args=["create-owner-user", "owner@example.com", str(owner.id), "--password",
                                 "owner passphrase"])
    assert result.exit_code == 0, result.output
    login = client.post("/account/login", data={"email": "owner@example.com", "password": "owner passphrase"})
    assert login.headers["Location"] == "/account/statement"
    page = client.get("/account/statement").get_data(as_text=True)
    assert owner.name in page and "Liangshan Forest" in page and "Someone Else" not in page
    assert "¥90.00" in page  # 2 t at ¥50/t = ¥100.00, less the 10 % platform fee
    csv_response = client.get("/account/statement.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert "Liangshan Forest" in csv_response.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 403
