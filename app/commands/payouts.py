"""Money owed to project owners: the report, recording a payout, the owner's link."""
from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import ProjectOwner
from ..services import payments
from ..services.accounts import admin
from ..services.sales import orders, splits, statements
from .catalog import run_rule

HEADER = f"{'owner':<44} {'cur':<4} {'orders':>7} {'kg':>10} {'owed':>12} {'paid out':>12} {'balance':>12}"


def owner_or_fail(owner_id: int) -> ProjectOwner:
    owner = db.session.get(ProjectOwner, owner_id)
    if owner is None:
        raise click.ClickException(f"No owner {owner_id}.")
    return owner


@click.group("payouts", invoke_without_command=True)
@click.option("--csv", "owner_csv", type=int, help="Print one owner's order CSV instead")
@click.pass_context
@with_appcontext
def payouts_command(ctx, owner_csv):
    """Money owed to each project owner, paid out (by hand and by the providers' splits), and the balance.
    Subcommands: account (link an owner to its account at a provider), sweep, reconcile."""
    if ctx.invoked_subcommand is not None:
        return
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
    for st in statements.all_statements(db.session):
        for cur, amount in st.on_the_way.items():
            click.echo(f"On the way to {st.owner.name}: {amount} {cur} (splits pending)")
    for row in splits.failed(db.session):
        click.echo(f"SPLIT FAILED, pay by hand or fix the account: {row.split_no} {row.amount_minor} {row.currency} "
                   f"to {row.account.owner.name} ({row.provider}: {row.last_error})")
    for order in orders.to_refund(db.session):
        click.echo(f"TO REFUND by hand: {order.public_id} {order.amount_minor} {order.currency} "
                   f"({order.provider} {order.payment_ref or ''})")


@payouts_command.command("account")
@click.argument("owner_id", type=int)
@click.argument("provider")
@click.argument("kind")
@click.argument("account")
@click.option("--name", default="", help="The account holder's name (WeChat Pay and Alipay check it)")
@with_appcontext
def account_command(owner_id, provider, kind, account, name):
    """Link a project owner to its account at a provider (registered with the provider first): the
    owner's share of each payment through that provider is then split off to it."""
    row = run_rule(splits.add_account, payments.settings_from(current_app.config), owner_id, provider, kind,
                   account, name)
    click.echo(f"{row.owner.name}: {row.provider} {row.kind} {row.account} registered; its shares are split "
               "off at payment.")


@payouts_command.command("sweep")
@with_appcontext
def sweep_command():
    """Send every split that is due now (what the worker does every minute)."""
    counts = splits.sweep(db.session, payments.settings_from(current_app.config))
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "Nothing was due.")


@payouts_command.command("reconcile")
@click.option("--provider", "provider_name", required=True, help="wechat_pay, alipay or stripe")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day, in the provider's own time zone (China: UTC+8)")
@with_appcontext
def reconcile_command(provider_name, day):
    """Compare our splits of a day with the provider's records; print every mismatch (exit 1 if any)."""
    try:
        problems = splits.reconcile(db.session, payments.settings_from(current_app.config), provider_name,
                                    day.date())
    except (payments.Unavailable, payments.PaymentError) as exc:
        raise click.ClickException(str(exc)) from None
    for problem in problems:
        click.echo(f"MISMATCH {problem}")
    if problems:
        raise SystemExit(1)
    click.echo(f"{provider_name} {day.date()}: every split matches.")


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
