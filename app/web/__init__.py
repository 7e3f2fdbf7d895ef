"""Request hardening shared by every blueprint: input checks (validation.py) and
production serving concerns (serving.py). `register(app)` wires both."""
from flask import Flask

from . import serving, validation


def register(app: Flask) -> None:
    validation.register(app)
    serving.register(app)
