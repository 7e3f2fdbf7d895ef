"""Sign-ins for operators and project owners."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import ProjectOwner
from ..services.accounts import organizations

password_option = click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                               help="Prompted for when not given")


def create(email: str, password: str, role: str, owner_id: int | None = None):
    try:
        user = organizations.create_user(db.session, email, password, role=role, owner_id=owner_id)
    except organizations.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return user


@click.command("create-admin")
@click.argument("email")
@password_option
@with_appcontext
def create_admin_command(email, password):
    """Create an operator account (sign in at /account/login)."""
    click.echo(f"Operator {create(email, password, 'operator').email} created.")


@click.command("create-owner-user")
@click.argument("email")
@click.argument("owner_id", type=int)
@password_option
@with_appcontext
def create_owner_user_command(email, owner_id, password):
    """Create a sign-in for a project owner: it sees its own statement at /account/statement."""
    if db.session.get(ProjectOwner, owner_id) is None:
        raise click.ClickException(f"No owner {owner_id}.")
    click.echo(f"Owner account {create(email, password, 'owner', owner_id).email} created.")


COMMANDS = (create_admin_command, create_owner_user_command)
