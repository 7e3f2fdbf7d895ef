"""Organizer teams: an organization's members invite others with a link, see
who belongs and who is invited, remove members and revoke invites.

An invite link carries a random token (secrets.token_urlsafe, 32 bytes); only
its SHA-256 is stored, so the database alone cannot rebuild a working link. A
link works once, for INVITE_DAYS days, and is accepted by signing up (a new
organizer account in the organization) or by an organizer who signs in.

Takes the SQLAlchemy session and never commits (the caller owns the
transaction). No Flask imports.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ...models import Organization, OrganizationInvite, User, membership, utcnow
from ..errors import DomainError
from . import organizations

INVITE_DAYS = 14
TOKEN_MAX = 100  # longer than any token we make; refuse anything longer unhashed


class InviteError(DomainError):
    """An invite or membership change that cannot happen; `code` is stable for translated messages."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


LABEL_MAX = 60


def create_invite(session: Session, org: Organization, by: User,
                  now: dt.datetime | None = None, label: str = "") -> tuple[OrganizationInvite, str]:
    """A new invite and its token (shown once: only its hash is kept). The label says who it is for
    (spaces folded, cut at LABEL_MAX: it is a note for the team, never shown to the invitee)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    invite = OrganizationInvite(organization_id=org.id, token_hash=token_hash(token), created_by_id=by.id,
                                created_at=now, expires_at=now + dt.timedelta(days=INVITE_DAYS),
                                label=" ".join((label or "").split())[:LABEL_MAX])
    session.add(invite)
    session.flush()
    return invite, token


def pending_invites(session: Session, org: Organization, now: dt.datetime | None = None) -> list[OrganizationInvite]:
    """Unused invites that still work, newest first."""
    return list(session.execute(
        select(OrganizationInvite).where(OrganizationInvite.organization_id == org.id,
                                         OrganizationInvite.used_at.is_(None),
                                         OrganizationInvite.expires_at > (now or utcnow()))
        .order_by(OrganizationInvite.created_at.desc(), OrganizationInvite.id.desc())
    ).scalars())


def members(session: Session, org: Organization) -> list[User]:
    return list(session.execute(
        select(User).join(membership, membership.c.user_id == User.id)
        .where(membership.c.organization_id == org.id).order_by(User.email)
    ).scalars())


def revoke_invite(session: Session, org: Organization, invite_id: int) -> None:
    invite = session.get(OrganizationInvite, invite_id)
    if invite is None or invite.organization_id != org.id or invite.used_at is not None:
        raise InviteError("No such invite is waiting.", None, "invite_not_found")
    session.delete(invite)
    session.flush()


def remove_member(session: Session, org: Organization, user_id: int) -> None:
    """Take a member out of the organization (themselves too), never the last one."""
    current = members(session, org)
    user = next((u for u in current if u.id == user_id), None)
    if user is None:
        raise InviteError("This person is not a member.", None, "member_not_found")
    if len(current) == 1:
        raise InviteError("An organization keeps at least one member.", None, "last_member")
    session.execute(membership.delete().where(membership.c.user_id == user_id,
                                              membership.c.organization_id == org.id))
    session.expire(org, ["members"])
    session.expire(user, ["organizations"])
    session.flush()


def find_invite(session: Session, token: str | None, now: dt.datetime | None = None) -> OrganizationInvite:
    """The working invite for this token, or InviteError (unknown, used, revoked and expired look alike)."""
    if not token or len(token) > TOKEN_MAX:
        raise InviteError("This invite link does not work.", None, "invite_invalid")
    invite = session.execute(
        select(OrganizationInvite).where(OrganizationInvite.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if invite is None or invite.used_at is not None or invite.expires_at <= (now or utcnow()):
        raise InviteError("This invite link does not work.", None, "invite_invalid")
    return invite


def accept(session: Session, token: str | None, user: User, now: dt.datetime | None = None) -> Organization:
    """The signed-in organizer joins the invite's organization; the link is used up."""
    invite = find_invite(session, token, now)
    if user.role != "organizer":
        raise InviteError("Only organizer accounts join organizations.", None, "invite_role")
    # Claimed by one conditional UPDATE: of two sign-ups at the same moment, the
    # second waits for the first's row lock, then finds the link used.
    # An UPDATE's result is a CursorResult (it has rowcount); execute() is typed for any statement.
    claimed = cast(CursorResult[Any], session.execute(
        update(OrganizationInvite)
        .where(OrganizationInvite.id == invite.id, OrganizationInvite.used_at.is_(None))
        .values(used_at=now or utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )).rowcount
    session.expire(invite, ["used_at", "used_by_id"])
    if claimed != 1:
        raise InviteError("This invite link does not work.", None, "invite_invalid")
    org = invite.organization
    if not organizations.is_member(session, user, org.id):
        org.members.append(user)
    session.flush()
    return org


def sign_up_with_invite(session: Session, token: str | None, *, email: str, password: str, name: str,
                        now: dt.datetime | None = None) -> User:
    """A new organizer account that joins the invite's organization, together or not at all."""
    find_invite(session, token, now)
    user = organizations.create_user(session, email, password, role="organizer", name=name)
    accept(session, token, user, now)
    return user
