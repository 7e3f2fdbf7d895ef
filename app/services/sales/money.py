"""Prices and the split of each payment, in integer minor units.

Amount = ceil(kg x price per tonne / 1000), raised to the currency's minimum
charge. When the minimum applies, the payment buys what it pays for: it
retires floor(amount x 1000 / price per tonne) kg, never less than kg. The
platform fee is a whole percent, rounded down so that the project owner is
never short-changed by rounding; owner and fee split the whole amount.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "currencies.csv"


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    symbol: str
    minimum_minor: int
    source: str
    year: int
    note: str


@dataclass(frozen=True)
class Price:
    kg: int
    amount_minor: int
    currency: str
    owner_minor: int
    platform_fee_minor: int
    minimum_applied: bool
    credits_kg: int  # what the payment retires: kg, or more when the minimum charge applies

    @property
    def extra_kg(self) -> int:
        return self.credits_kg - self.kg


@cache
def currencies() -> dict[str, Currency]:
    with DATA.open(encoding="utf-8") as fh:
        return {
            row["code"]: Currency(
                code=row["code"],
                exponent=int(row["exponent"]),
                symbol=row["symbol"],
                minimum_minor=int(row["minimum_minor"]),
                source=row["source"],
                year=int(row["year"]),
                note=row["note"],
            )
            for row in csv.DictReader(fh)
        }


def currency(code: str) -> Currency:
    try:
        return currencies()[code]
    except KeyError:
        raise ValueError(f"Unsupported currency {code!r}") from None


def kg_to_buy(total_kg: Decimal) -> int:
    """Credits are whole kilograms: a footprint is rounded up, never below 1 kg."""
    return max(1, int(Decimal(total_kg).to_integral_value(rounding=ROUND_CEILING)))


def price(kg: int, price_per_tonne_minor: int, currency_code: str, fee_percent: int) -> Price:
    """The exact charge for `kg` and how it splits between owner and platform."""
    if kg <= 0:
        raise ValueError("kg must be positive")
    cur = currency(currency_code)
    raw = -(-kg * price_per_tonne_minor // 1000)  # ceiling division, integers only
    amount = max(raw, cur.minimum_minor)
    fee = amount * fee_percent // 100
    credits = max(kg, amount * 1000 // price_per_tonne_minor) if amount > raw and price_per_tonne_minor > 0 else kg
    return Price(
        kg=kg,
        amount_minor=amount,
        currency=cur.code,
        owner_minor=amount - fee,
        platform_fee_minor=fee,
        minimum_applied=amount > raw,
        credits_kg=credits,
    )


def format_money(amount_minor: int, currency_code: str, locale: str = "en") -> str:
    """Human form, e.g. ¥12.50; used by templates and certificates.

    Babel groups and separates the digits for the locale; the symbol comes from
    currencies.csv, so ¥ stays ¥ in every language (CLDR's English says CN¥).
    """
    from babel.numbers import format_decimal

    cur = currency(currency_code)
    major = Decimal(amount_minor).scaleb(-cur.exponent)
    pattern = "#,##0" + ("." + "0" * cur.exponent if cur.exponent else "")
    return cur.symbol + format_decimal(major, format=pattern, locale=locale, decimal_quantization=True)
