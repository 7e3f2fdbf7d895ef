"""Certificate images: bring the stored ones up to date after a deploy."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..services.certificates import images
from ..web import public_url


@click.command("render-certificates")
@with_appcontext
def render_certificates_command():
    """Store a current image (its language, both shapes) for every certificate whose stored one
    is missing or out of date: run after a deploy that changes the drawing, its words, fonts or
    translations. Pages only read stored images; until then they draw each request's image."""
    with current_app.test_request_context():  # public_url: BASE_URL, the address the QR codes carry
        seen, drawn = images.store_all(db.session, public_url)
    click.echo(f"{drawn} images drawn for {seen} certificates.")


COMMANDS = (render_certificates_command,)
