"""Keys: `flask registry-key` makes the register's signing key.

It needs no configuration (it makes a setting production refuses to start without),
so it is also the one command an unconfigured app offers (app/__init__.py).
"""
from __future__ import annotations

import base64

import click

from ..services.register import signing


@click.command("registry-key")
def registry_key_command():
    """Print a new Ed25519 signing key for REGISTRY_SIGNING_KEY (base64 of a raw 32-byte seed)."""
    key = signing.new_key()
    click.echo(key)
    public = base64.b64encode(signing.public_key(signing.seed(key))).decode()
    click.echo(f"# public key: {public}", err=True)


COMMANDS = (registry_key_command,)
