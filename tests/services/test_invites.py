"""Organizer teams: invite links, members, removing and revoking, called directly."""
import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from app.models import OrganizationInvite, User, membership
from app.services.accounts import invites, organizations
from tests.accounts import PASSWORD, make_user

NOW = dt.datetime(2026, 12, 1, 12, 0)


def test_an_invite_is_an_unguessable_single_use_link_stored_only_as_a_hash(db, team):
    org, ann = team
    invite, token = invites.create_invite(db.session, org, ann, now=NOW)
    other, other_token = invites.create_invite(db.session, org, ann, now=NOW)
    assert len(token) >= 32 and token != other_token
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in invite.token_hash
    assert invite.expires_at == NOW + dt.timedelta(days=invites.INVITE_DAYS)
    bob = make_user(db, "bob@example.com")
    assert invites.accept(db.session, token, bob, now=NOW + dt.timedelta(days=1)) is org
    assert organizations.is_member(db.session, bob, org.id) and invite.used_by_id == bob.id
    carl = make_user(db, "carl@example.com")
    with pytest.raises(invites.InviteError) as used:
        invites.accept(db.session, token, carl, now=NOW + dt.timedelta(days=1))
    assert used.value.code == "invite_invalid"
    assert not organizations.is_member(db.session, carl, org.id)
    assert [i.id for i in invites.pending_invites(db.session, org, now=NOW)] == [other.id]


@pytest.mark.parametrize("token, when", [
    ("not-a-real-token", NOW), ("", NOW), (None, NOW), ("x" * 101, NOW),
    ("valid", NOW + dt.timedelta(days=invites.INVITE_DAYS, seconds=1)),
])
def test_a_wrong_or_expired_link_is_refused(db, team, token, when):
    org, ann = team
    _, good = invites.create_invite(db.session, org, ann, now=NOW)
    bob = make_user(db, "bob@example.com")
    with pytest.raises(invites.InviteError):
        invites.accept(db.session, good if token == "valid" else token, bob, now=when)
    assert not organizations.is_member(db.session, bob, org.id)


def test_a_revoked_invite_no_longer_works(db, team):
    org, ann = team
    invite, token = invites.create_invite(db.session, org, ann, now=NOW)
    invites.revoke_invite(db.session, org, invite.id)
    assert db.session.scalar(select(func.count()).select_from(OrganizationInvite)) == 0
    with pytest.raises(invites.InviteError):
        invites.find_invite(db.session, token, now=NOW)


def test_an_invite_of_another_organization_cannot_be_revoked_through_this_one(db, team):
    org, ann = team
    bob = make_user(db, "bob@example.com")
    other = organizations.create_organization(db.session, bob, "Other Org")
    theirs, _ = invites.create_invite(db.session, other, bob, now=NOW)
    with pytest.raises(invites.InviteError) as caught:
        invites.revoke_invite(db.session, org, theirs.id)
    assert caught.value.code == "invite_not_found"
    assert db.session.get(OrganizationInvite, theirs.id) is not None


def test_signing_up_with_an_invite_creates_the_account_in_the_organization(db, team):
    org, ann = team
    _, token = invites.create_invite(db.session, org, ann, now=NOW)
    user = invites.sign_up_with_invite(db.session, token, email="Bob@Example.com", password=PASSWORD, name="Bob",
                                       now=NOW)
    assert user.email == "bob@example.com" and user.role == "organizer"
    assert [o.name for o in user.organizations] == ["Acme Events"]
    assert [m.email for m in invites.members(db.session, org)] == ["ann@example.com", "bob@example.com"]


def test_a_bad_sign_up_with_an_invite_leaves_the_invite_unused(db, team):
    org, ann = team
    invite, token = invites.create_invite(db.session, org, ann, now=NOW)
    with pytest.raises(organizations.AccountError):
        invites.sign_up_with_invite(db.session, token, email="ann@example.com", password=PASSWORD, name="",
                                    now=NOW)
    db.session.rollback()
    assert invite.used_at is None and db.session.scalar(select(func.count()).select_from(User)) == 1


def test_only_organizers_accept_invites(db, team):
    org, ann = team
    _, token = invites.create_invite(db.session, org, ann, now=NOW)
    operator = make_user(db, "ops@example.com", role="operator")
    with pytest.raises(invites.InviteError) as caught:
        invites.accept(db.session, token, operator, now=NOW)
    assert caught.value.code == "invite_role"


def test_members_are_removed_but_never_the_last_one(db, team):
    org, ann = team
    bob = make_user(db, "bob@example.com")
    org.members.append(bob)
    db.session.flush()
    invites.remove_member(db.session, org, bob.id)
    assert not organizations.is_member(db.session, bob, org.id)
    with pytest.raises(invites.InviteError) as last:
        invites.remove_member(db.session, org, ann.id)
    assert last.value.code == "last_member"
    with pytest.raises(invites.InviteError) as stranger:
        invites.remove_member(db.session, org, bob.id)
    assert stranger.value.code == "member_not_found"
    assert db.session.scalar(select(func.count()).select_from(membership)) == 1
