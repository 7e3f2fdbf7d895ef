"""`flask` commands, grouped by area; each is a small click command that parses
its options and calls one service (the operator pages call the same ones)."""
from __future__ import annotations

from flask import Flask

from . import accounts, catalog, certificates, events, keys, moderation, payouts


def register(app: Flask) -> None:
    for module in (catalog, events, payouts, moderation, accounts, certificates, keys):
        for command in module.COMMANDS:
            app.cli.add_command(command)
