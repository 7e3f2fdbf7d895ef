"""Certificate ids and numbers, and the words printed on a certificate:
public tokens, readable numbers, tonnes, labels and dates per language
(from the language registry, services/languages.py, and its catalogues)."""
from __future__ import annotations

import datetime
import functools
import secrets
from types import MappingProxyType

from babel import dates

from .. import languages
from ..languages import Nc_


def new_token() -> str:
    """Unguessable URL-safe token for a certificate's public link (144 bits)."""
    return secrets.token_urlsafe(18)


def format_number(seq: int, year: int) -> str:
    """Readable certificate number: format_number(42, 2026) -> "CD-2026-000042"."""
    if seq < 0 or not 0 < year <= 9999:
        raise ValueError(f"bad certificate sequence/year: {seq!r}/{year!r}")
    return f"CD-{year:04d}-{seq:06d}"


def format_tonnes(kg: int) -> str:
    """Kilograms as tonnes, exact to the kilogram: 420 -> "0.42 t", 1 -> "0.001 t".

    Three decimals with trailing zeros trimmed down to two; thousands grouped:
    1000 -> "1.00 t", 1234 -> "1.234 t", 1234567 -> "1,234.567 t".
    """
    if kg < 0:
        raise ValueError("kg must not be negative")
    whole, rest = divmod(int(kg), 1000)
    decimals = f"{rest:03d}"
    if decimals.endswith("0"):
        decimals = decimals[:2]
    return f"{whole:,}.{decimals} t"


# The certificate's fixed texts: msgids with the context "certificate" (its own, shorter wording), translated
# by each language's catalogue (app/translations); a language without one prints English.
CONTEXT = "certificate"
TEXTS = {
    "title": Nc_("certificate", "Carbon Neutral Certificate of Honor"),
    "certifies": Nc_("certificate", "This certifies that"),
    "neutralized": Nc_("certificate", "has neutralized"),
    "at": Nc_("certificate", "at"),
    "through": Nc_("certificate", "through"),
    "serials": Nc_("certificate", "Serial numbers"),
    "number": Nc_("certificate", "Certificate No."),
    "issued": Nc_("certificate", "Issued on"),
    "verify": Nc_("certificate", "Verify"),
    "scan": Nc_("certificate", "Scan to verify"),
    "anonymous": Nc_("certificate", "Anonymous visitor"),
    "more": Nc_("certificate", "+{n} more"),
    "demo": Nc_("certificate", "DEMO: no money moved"),
}
CO2E = "CO\u2082e"  # a formula, the same in every language


def language(tag: str | None) -> str:
    """The language a certificate is drawn in: one of the registry's codes, English for any other tag."""
    return languages.normalize(tag) or languages.SOURCE


@functools.cache
def _labels(code: str) -> MappingProxyType:
    translations = languages.translations(code)
    texts = {key: translations.pgettext(CONTEXT, msgid) for key, msgid in TEXTS.items()}
    return MappingProxyType({**texts, "co2e": CO2E})


def labels(tag: str | None) -> MappingProxyType:
    """Fixed certificate texts for a language; unknown languages get English."""
    return _labels(language(tag))


def format_date(day: datetime.date, tag: str | None = "en") -> str:
    """The issue date as the language writes it (Babel's long format): 'September 7, 2026', '2026年9月7日',
    'Setyembre 7, 2026'."""
    entry = languages.get(language(tag))
    assert entry is not None  # language() returns one of the registry's codes
    return dates.format_date(day, format="long", locale=entry.locale)
