"""Whole numbers from outside (forms, queries, paths, JSON): the one parser for all of them.

Python's own `int()` is too generous for input: it takes digits of every script
("١٢", "１２"), underscores ("1_000"), surrounding whitespace of any kind, and
refuses past 4,300 digits with a ValueError; `str.isdigit()` says yes to "²",
which `int()` then refuses. A number that parses may still not fit its column
(PostgreSQL's INTEGER is 32-bit, BIGINT 64-bit; SQLite refuses past 64 bits).
So every integer a person or a client sends goes through `parse_int`: ASCII
digits only, a sign only where the range allows one, bounded length, and the
range of the column it is meant for. Anything else is an IntegerError, a
DomainError that says what was expected (the web layer shows it as a 4xx).
"""
from __future__ import annotations

import re
from typing import Any

from .errors import DomainError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1  # PostgreSQL INTEGER (every id column)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # PostgreSQL BIGINT (serials, kilograms, money)
MAX_LENGTH = 24  # characters: any BIGINT, with a sign and a few leading zeros

_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"[+-]?[0-9]+")
_REQUIRED = object()


class IntegerError(DomainError, ValueError):
    """Not a whole number in ASCII digits (reason "format"), or not in low..high (reason "range").

    A ValueError too, so WTForms' coerce and process_formdata treat it as bad input."""

    code = "integer"


def parse_int(value: Any, *, low: int = 0, high: int = INT32_MAX, field: str | None = None,
              blank: Any = _REQUIRED, locale: str | None = None) -> int:
    """`value` (text from a form, query or path, or a JSON number) as an int in low..high.

    Text is ASCII digits, with surrounding spaces allowed and a leading sign only
    when `low` is negative. A blank value (None, "" or spaces) returns `blank`
    when given, else is refused. A JSON bool is not a number. With `locale` (text a person typed in
    that language) the locale's thousands separators are read too: "1,200" is 1200 in en (`ungroup`).
    """
    if isinstance(value, str):
        text = value.strip(" \t\r\n")
        if locale is not None and len(text) <= 2 * MAX_LENGTH:
            text = ungroup(text, locale)
        if not text and blank is not _REQUIRED:
            return blank
        pattern = _SIGNED if low < 0 else _UNSIGNED
        if len(text) > MAX_LENGTH or not pattern.fullmatch(text):
            raise _error(field, low, high, "format")
        number = int(text)  # at most MAX_LENGTH ASCII digits: int() cannot refuse it
    elif value is None and blank is not _REQUIRED:
        return blank
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise _error(field, low, high, "format")
    if not low <= number <= high:
        raise _error(field, low, high, "range")
    return number


def _error(field: str | None, low: int, high: int, reason: str) -> IntegerError:
    what = field or "The number"
    return IntegerError(f"{what} must be a whole number from {low} to {high}.", field, low=low, high=high,
                        reason=reason)


def int_or_none(value: Any, *, low: int = 0, high: int = INT32_MAX) -> int | None:
    """`parse_int`, but None for a blank or bad value: for what the page itself sends (a hidden
    field, a button, a choice among listed rows), where a value it never sends simply chooses
    nothing and changes nothing."""
    try:
        return parse_int(value, low=low, high=high, blank=None)
    except IntegerError:
        return None


def id_or_none(value: Any) -> int | None:
    """A row id (1..INT32_MAX), or None (see int_or_none)."""
    return int_or_none(value, low=1)


# --------------------------------------------------------------------------
# Numbers as a language writes them: "1,200" (en, zh, fil), "1.200" (de, id), "1 200" (anywhere)
# --------------------------------------------------------------------------
# People type the thousands separator their language uses. Which character that is, and which one marks
# decimals, is Babel's (CLDR) number symbols for the page's locale: in en, zh and fil "," groups and "." is the
# decimal point, so "1,200" is 1200 and "1.200" is one point two (never 1200); in de or id "." groups and ","
# is the decimal comma. A space (plain, no-break or narrow no-break) groups in every language, since no
# language writes decimals with one. A grouping must be well formed (groups of three, or the locale's own
# sizes: en_IN's 1,00,000), with one separator throughout: "1,2" or "12,00" is not read as a number, so
# a decimal comma typed on an English page is refused rather than read as a thousand times more.

SPACES = (" ", "\u00a0", "\u202f")


def number_symbols(locale: str | None) -> tuple[tuple[str, ...], str, tuple[int, int]]:
    """(the grouping separators, the decimal symbol, the group sizes (last, others)) of `locale`."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        parsed = Locale.parse(locale or "en")
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = Locale.parse("en")
    group, decimal = get_group_symbol(parsed), get_decimal_symbol(parsed)
    pattern = parsed.decimal_formats.get(None)
    primary, secondary = pattern.grouping if pattern is not None else (3, 3)
    groups = tuple(dict.fromkeys((group, *SPACES))) if group != decimal else SPACES
    return groups, decimal, (primary if 0 < primary < 10 else 3, secondary if 0 < secondary < 10 else 3)


def _ungrouped(digits: str, locale: str | None) -> str | None:
    """`digits` without a well-formed grouping of `locale`, as is without any, or None for a bad grouping."""
    groups, _decimal, (primary, secondary) = number_symbols(locale)
    used = [g for g in groups if g in digits]
    if not used:
        return digits
    if len(used) > 1:
        return None  # "1,200 300": one separator throughout
    parts = digits.split(used[0])
    first, middle, last = parts[0], parts[1:-1], parts[-1]
    well_formed = (
        all(part.isascii() and part.isdigit() for part in parts)
        and 1 <= len(first) <= secondary
        and all(len(part) == secondary for part in middle)
        and len(last) == primary
    )
    return "".join(parts) if well_formed else None


def ungroup(text: str, locale: str | None) -> str:
    """Whole-number `text` without its thousands separators where they are well formed for `locale`
    ("1,200" -> "1200" in en, zh and fil); anything else comes back as it was, for the caller to refuse."""
    stripped = text.strip(" \t\r\n")
    sign = stripped[:1] if stripped[:1] in ("+", "-") else ""
    plain = _ungrouped(stripped[len(sign):], locale)
    return text if plain is None else sign + plain


def plain_number(text: str, locale: str | None) -> str:
    """A number typed in `locale` ("1,200.5" in en, "1.200,5" in de, "1 200") as plain ASCII ("1200.5"),
    for a parser that reads only that; anything it cannot read comes back as it was (to be refused)."""
    stripped = text.strip(" \t\r\n")
    _groups, decimal, _sizes = number_symbols(locale)
    whole, point, fraction = stripped.partition(decimal)
    if point and not (fraction.isascii() and fraction.isdigit()):
        return text
    sign = whole[:1] if whole[:1] in ("+", "-") else ""
    plain = _ungrouped(whole[len(sign):], locale)
    if plain is None:
        return text
    return sign + plain + ("." + fraction if point else "")
