"""Money owed to project owners: the report, recording a payout, the owner's link."""
from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import ProjectOwner
from ..services.accounts import admin
from ..services.sales import orders, statements
from .catalog import run_rule

HEADER = f"{'owner':<44} {'cur':<4} {'orders':>7} {'kg':>10} {'owed':>12} {'paid out':>12} {'balance':>12}"


def owner_or_fail(owner_id: int) -> ProjectOwner:
    owner = db.session.get(ProjectOwner, owner_id)
    if owner is None:
        raise click.ClickException(f"No owner {owner_id}.")
    return owner


@click.command("payouts")
@click.option("--csv", "owner_csv", type=int, help="Print one owner's order CSV instead")
@with_appcontext
def payouts_command(owner_csv):
    """Money owed to each project owner, paid out, and the balance."""
    if owner_csv is not None:
        click.echo(statements.to_csv(db.session, owner_or_fail(owner_csv)), nl=False)
        return
    click.echo(HEADER)
    for st in statements.all_statements(db.session):
        for cur in st.currencies or ["-"]:
            lines = [line for line in st.lines if line.currency == cur]
            click.echo(
                f"{st.owner.name[:44]:<44} {cur:<4} {sum(x.orders for x in lines):>7} "
                f"{sum(x.kg for x in lines):>10} {st.owed(cur):>12} {st.paid_out.get(cur, 0):>12} "
                f"{st.balance(cur):>12}"
            )
    for order in orders.to_refund(db.session):
        click.echo(f"TO REFUND by hand: {order.public_id} {order.amount_minor} {order.currency} "
                   f"({order.provider} {order.payment_ref or ''})")


@click.command("record-payout")
@click.argument("owner_id", type=int)
@click.argument("amount_minor", type=click.IntRange(min=1))
@click.option("--currency", default="CNY", show_default=True)
@click.option("--reference", default="", help="Bank transfer reference")
@with_appcontext
def record_payout_command(owner_id, amount_minor, currency, reference):
    """Record money transferred to a project owner (minor units)."""
    _payout, left = run_rule(admin.record_payout, owner_id, amount_minor, currency, reference)
    click.echo(f"Recorded {amount_minor} {currency} to {owner_or_fail(owner_id).name}; {left} still owed.")


@click.command("owner-link")
@click.argument("owner_id", type=int)
@with_appcontext
def owner_link_command(owner_id):
    """Print (creating once) the private statement link for a project owner."""
    owner = owner_or_fail(owner_id)
    if not owner.statement_token:
        owner.statement_token = secrets.token_urlsafe(24)
        db.session.commit()
    base = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    click.echo(f"{base}/owners/{owner.statement_token}")


COMMANDS = (payouts_command, record_payout_command, owner_link_command)
