"""Jinja filters and globals: formatting only, no business rules."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask, current_app
from flask_babel import get_locale

from .services import money


def tonnes(kg) -> str:
    """420 -> '0.42 t', 12500 -> '12.5 t'; whole kg stay exact up to 3 decimals."""
    t = (Decimal(kg) / 1000).quantize(Decimal("0.001"))
    text = f"{t:,.3f}".rstrip("0").rstrip(".")
    return f"{text} t"


def kg(value) -> str:
    d = Decimal(value)
    if d >= 100:
        return f"{d.quantize(Decimal('1')):,} kg"
    return f"{d.quantize(Decimal('0.1')):,} kg"


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money.format_money
    app.jinja_env.filters["tonnes"] = tonnes
    app.jinja_env.filters["kg"] = kg

    @app.context_processor
    def _globals():
        return {
            "demo_payments": not current_app.config["STRIPE_SECRET_KEY"],
            "current_locale": str(get_locale() or "en"),
        }
