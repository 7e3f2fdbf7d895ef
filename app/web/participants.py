"""The anonymous visitor behind a browser: a random token in a long-lived cookie."""
from __future__ import annotations

import secrets

from flask import after_this_request, current_app, g, request
from sqlalchemy import select

from ..extensions import db
from ..models import Participant

COOKIE_DAYS = 400


def participant_token() -> str | None:
    """The participant token this browser sends, if it looks like one (not looked up)."""
    token = request.cookies.get(current_app.config["PARTICIPANT_COOKIE"], "")
    return token if 20 <= len(token) <= 64 else None


def current_participant() -> Participant | None:
    """The participant this browser is bound to, if any; never creates one."""
    if "participant" not in g:
        token = participant_token()
        g.participant = (
            db.session.execute(select(Participant).where(Participant.token == token)).scalar_one_or_none()
            if token else None
        )
    return g.participant


def ensure_participant() -> Participant:
    """The current participant, created (and the cookie set) on first checkout."""
    participant = current_participant()
    if participant is not None:
        return participant
    participant = Participant(token=secrets.token_urlsafe(32))
    db.session.add(participant)
    db.session.flush()
    adopt_participant(participant)
    return participant


def adopt_participant(participant: Participant) -> None:
    """Bind this browser to an existing participant (a kiosk order handed to the visitor's phone),
    so its certificate, rank and board work as for any visitor."""
    g.participant = participant
    token = participant.token

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(
            current_app.config["PARTICIPANT_COOKIE"],
            token,
            max_age=COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SECURE_COOKIES"],
        )
        return response
