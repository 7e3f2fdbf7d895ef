"""Statements for project owners: what their projects sold and what they are owed.

Until owner accounts exist the statement lives at an unguessable link that
`flask owner-link` prints for the operator to send.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlalchemy import select

from ..extensions import db
from ..models import ProjectOwner
from ..services.sales import statements
from ..web.htmx import render

bp = Blueprint("owners", __name__)


def owner_by_token(token: str) -> ProjectOwner:
    if not (20 <= len(token) <= 64):
        abort(404)
    owner = db.session.execute(select(ProjectOwner).where(ProjectOwner.statement_token == token)).scalar_one_or_none()
    if owner is None:
        abort(404)
    return owner


@bp.get("/owners/<token>")
def statement(token: str):
    """The owner's statement: orders, kilograms retired, owed, paid out."""
    owner = owner_by_token(token)
    return render("owners/statement.html", statement=statements.statement(db.session, owner),
                  orders=statements.paid_orders(db.session, owner)[-50:], token=token)


@bp.get("/owners/<token>.csv")
def statement_csv(token: str):
    """Every paid order of the owner's projects, as CSV."""
    owner = owner_by_token(token)
    response = Response(statements.to_csv(db.session, owner), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="carbondot-statement-{owner.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
