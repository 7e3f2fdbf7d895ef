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
              blank: Any = _REQUIRED) -> int:
    """`value` (text from a form, query or path, or a JSON number) as an int in low..high.

    Text is ASCII digits, with surrounding spaces allowed and a leading sign only
    when `low` is negative. A blank value (None, "" or spaces) returns `blank`
    when given, else is refused. A JSON bool is not a number.
    """
    if isinstance(value, str):
        text = value.strip(" \t\r\n")
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
