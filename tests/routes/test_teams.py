"""Organizer teams through the pages: invite a colleague by link, who joins by
signing up or signing in; members see and remove members and revoke invites."""
import re

from sqlalchemy import func, select

from app.models import Organization, OrganizationInvite, User
from app.services.accounts import invites, organizations
from tests.accounts import PASSWORD, login_as, make_user


def member(db, org, email: str) -> User:
    """Another member of the organization."""
    user = make_user(db, email)
    org.members.append(user)
    db.session.commit()
    return user


def invite_link(client, org) -> str:
    response = client.post(f"/organizer/organizations/{org.id}/invites")
    assert response.status_code == 200
    found = re.search(r'http://localhost(/account/invite/[A-Za-z0-9_-]{40,})', response.get_data(as_text=True))
    assert found, "the new link is shown"
    return found.group(1)


def test_a_member_invites_and_a_newcomer_joins_by_signing_up(client, db, team):
    org, ann = team
    login_as(client, ann)
    path = invite_link(client, org)
    page = client.get(f"/organizer/organizations/{org.id}/members").get_data(as_text=True)
    assert "ann@example.com" in page and "Waiting" in page and path not in page  # the link is shown once
    client.post("/account/logout")
    invited = client.get(path)
    assert invited.status_code == 200 and "Acme Events" in invited.get_data(as_text=True)
    response = client.post(path, data={"name": "Bob", "email": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/organizer/"
    bob = db.session.scalar(select(User).where(User.email == "bob@example.com"))
    assert [o.name for o in bob.organizations] == ["Acme Events"]
    assert "Acme Events" in client.get("/organizer/").get_data(as_text=True)
    client.post("/account/logout")
    assert client.get(path).status_code == 404  # used up
    assert client.post(path, data={"email": "carl@example.com", "password": PASSWORD}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_an_existing_organizer_joins_by_signing_in(client, db, team):
    org, ann = team
    login_as(client, ann)
    path = invite_link(client, org)
    bob = make_user(db, "bob@example.com")
    db.session.commit()
    login_as(client, bob)
    page = client.get(path).get_data(as_text=True)
    assert "Join Acme Events" in page
    response = client.post(path + "/join")
    assert response.status_code == 303 and response.headers["Location"] == "/organizer/"
    assert organizations.is_member(db.session, bob, org.id)


def test_an_anonymous_visitor_is_offered_to_sign_in_and_come_back(client, team):
    org, ann = team
    login_as(client, ann)
    path = invite_link(client, org)
    client.post("/account/logout")
    page = client.get(path).get_data(as_text=True)
    assert f'/account/login?next={path.replace("/", "%2F")}' in page or f"/account/login?next={path}" in page


def test_a_bad_sign_up_through_an_invite_shows_the_error_and_keeps_the_link(client, db, team):
    org, ann = team
    login_as(client, ann)
    path = invite_link(client, org)
    client.post("/account/logout")
    response = client.post(path, data={"email": "bob@example.com", "password": "short"})
    assert response.status_code == 422 and "Use at least 10 characters." in response.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_members_remove_members_and_revoke_invites_but_keep_one(client, db, team):
    org, ann = team
    bob = member(db, org, "bob@example.com")
    login_as(client, ann)
    invite_link(client, org)
    invite = db.session.scalar(select(OrganizationInvite))
    assert client.post(f"/organizer/organizations/{org.id}/invites/{invite.id}/revoke").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(OrganizationInvite)) == 0
    # The first POST only asks (a page, without JavaScript); the confirmed one removes.
    ask = client.post(f"/organizer/organizations/{org.id}/members/{bob.id}/remove")
    assert ask.status_code == 303
    assert ask.headers["Location"] == f"/organizer/organizations/{org.id}/members/{bob.id}/remove"
    confirm = client.get(ask.headers["Location"]).get_data(as_text=True)
    assert "Remove bob@example.com?" in confirm and 'name="confirm" value="1"' in confirm
    assert organizations.is_member(db.session, bob, org.id)
    assert client.post(f"/organizer/organizations/{org.id}/members/{bob.id}/remove",
                       data={"confirm": "1"}).status_code == 303
    assert not organizations.is_member(db.session, bob, org.id)
    last = client.post(f"/organizer/organizations/{org.id}/members/{ann.id}/remove", data={"confirm": "1"})
    assert last.status_code == 422 and "at least one member" in last.get_data(as_text=True)
    assert organizations.is_member(db.session, ann, org.id)


def test_a_member_may_leave_and_then_loses_access(client, db, team):
    org, ann = team
    bob = member(db, org, "bob@example.com")
    login_as(client, bob)
    assert "Leave Acme Events?" in client.post(
        f"/organizer/organizations/{org.id}/members/{bob.id}/remove", follow_redirects=True).get_data(as_text=True)
    response = client.post(f"/organizer/organizations/{org.id}/members/{bob.id}/remove", data={"confirm": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/organizer/"
    assert client.get(f"/organizer/organizations/{org.id}/members").status_code == 404


def test_a_wrong_link_is_a_clear_404(client, team):
    assert client.get("/account/invite/nope").status_code == 404
    assert client.post("/account/invite/nope", data={"email": "x@example.com", "password": PASSWORD}
                       ).status_code == 404


def test_operators_cannot_join_an_organization(client, db, team):
    org, ann = team
    _, token = invites.create_invite(db.session, org, ann)
    operator = make_user(db, "ops@example.com", role="operator")
    db.session.commit()
    login_as(client, operator)
    assert client.post(f"/account/invite/{token}/join").status_code == 403
    assert not organizations.is_member(db.session, operator, org.id)


def test_sign_up_with_a_taken_organization_says_how_to_join(client, db, team):
    page = client.get("/account/signup").get_data(as_text=True)
    assert "invite link" in page
    response = client.post("/account/signup", data={"organization": "acme events", "email": "bob@example.com",
                                                    "password": PASSWORD})
    assert response.status_code == 422
    assert "ask one of its members for an invite link" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
