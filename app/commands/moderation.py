"""Moderation: revoke a certificate, hide a name or an organization on the boards."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import admin
from .catalog import fail_on


@click.command("revoke-certificate")
@click.argument("number")
@click.option("--reason", required=True, help="Shown on the certificate's public page")
@with_appcontext
def revoke_certificate_command(number, reason):
    """Revoke a certificate by its printed number (the page and API then say so)."""
    try:
        cert = admin.revoke_certificate(db.session, number, reason)
    except admin.AdminError as exc:
        raise fail_on(exc) from None
    db.session.commit()
    click.echo(f"Revoked {cert.number}.")


@click.command("hide-name")
@click.argument("number")
@with_appcontext
def hide_name_command(number):
    """Hide the name of a certificate's holder on every board."""
    try:
        cert = admin.hide_name(db.session, number)
    except admin.AdminError as exc:
        raise fail_on(exc) from None
    db.session.commit()
    click.echo(f"The name behind {cert.number} is hidden on every board.")


@click.command("hide-organization")
@click.argument("name")
@with_appcontext
def hide_organization_command(name):
    """Hide an organization's name on every board."""
    try:
        count = admin.hide_organization(db.session, name)
    except admin.AdminError as exc:
        raise fail_on(exc) from None
    db.session.commit()
    click.echo(f"{count} board lines hidden.")


COMMANDS = (revoke_certificate_command, hide_name_command, hide_organization_command)
