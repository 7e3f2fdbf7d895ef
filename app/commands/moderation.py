"""Moderation: revoke a certificate, hide a name or an organization on the boards."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..services.accounts import admin
from .catalog import run_rule


@click.command("revoke-certificate")
@click.argument("number")
@click.option("--reason", required=True, help="Shown on the certificate's public page")
@with_appcontext
def revoke_certificate_command(number, reason):
    """Revoke a certificate by its printed number (the page and API then say so)."""
    click.echo(f"Revoked {run_rule(admin.revoke_certificate, number, reason).number}.")


@click.command("hide-name")
@click.argument("number")
@with_appcontext
def hide_name_command(number):
    """Hide the name of a certificate's holder on every board."""
    click.echo(f"The name behind {run_rule(admin.hide_name, number).number} is hidden on every board.")


@click.command("hide-organization")
@click.argument("name")
@with_appcontext
def hide_organization_command(name):
    """Hide an organization's name on every board."""
    click.echo(f"{run_rule(admin.hide_organization, name)} board lines hidden.")


COMMANDS = (revoke_certificate_command, hide_name_command, hide_organization_command)
