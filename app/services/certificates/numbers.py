"""Certificate ids and numbers, and the words printed on a certificate:
public tokens, readable numbers, tonnes, labels and dates per language
(from the language registry, services/languages.py, and its catalogues)."""
from __future__ import annotations

import datetime
import functools
import re
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
#
# The sentence is one template per language, not pieces of an English sentence: each catalogue writes the
# whole of it in its own order and idiom, with the placeholders {event}, {project}, {standard} and {tonnes}
# (the figure with the pages' unit, "0.434 吨"). It follows the name: "This certifies that | Ana | has
# neutralized 0.434 t CO₂e at ... through ... (CCER)."; 兹证明 | 张三 | 参加……，通过支持……（CCER），中和二氧化碳
# 当量 0.434 吨，特发此证。; "Ang sertipikong ito ay iginagawad kay | Ana | dahil sa ...". The words before
# the name differ when no name is given (Filipino: "kay" for a person, "sa" otherwise).
CONTEXT = "certificate"
NO_NAME_CONTEXT = "certificate, no name"
TEXTS = {
    "title": Nc_("certificate", "Carbon Neutral Certificate of Honor"),
    "certifies": Nc_("certificate", "This certifies that"),
    "body": Nc_("certificate", "has neutralized {tonnes} CO\u2082e at {event} through {project} ({standard})."),
    "body_everyday": Nc_("certificate", "has neutralized {tonnes} CO\u2082e through {project} ({standard})."),
    "serials": Nc_("certificate", "Serial numbers"),
    "number": Nc_("certificate", "Certificate No."),
    "verify": Nc_("certificate", "Verify"),
    "scan": Nc_("certificate", "Scan to verify"),
    "anonymous": Nc_("certificate", "Anonymous visitor"),
    "more": Nc_("certificate", "+{n} more"),
    "demo": Nc_("certificate", "DEMO: no money moved"),
    "sponsored": Nc_("certificate", "Sponsored by {sponsor}"),
}
CO2E = "CO\u2082e"  # a formula, the same in every language


def language(tag: str | None) -> str:
    """The language a certificate is drawn in: one of the registry's codes, English for any other tag."""
    return languages.normalize(tag) or languages.SOURCE


NO_NAME_TEXTS = {"certifies_no_name": Nc_("certificate, no name", "This certifies that")}
TONNES = "%(n)s t"  # the pages' unit (web/template_helpers.tonnes): "0.434 t", "0.434 吨"


@functools.cache
def _labels(code: str) -> MappingProxyType:
    translations = languages.translations(code)
    texts = {key: translations.pgettext(CONTEXT, msgid) for key, msgid in TEXTS.items()}
    texts |= {key: translations.pgettext(NO_NAME_CONTEXT, msgid) for key, msgid in NO_NAME_TEXTS.items()}
    return MappingProxyType({**texts, "co2e": CO2E, "tonnes": translations.gettext(TONNES)})


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_EMPTY_BRACKETS = re.compile(r"\s*(\(\)|（）)")


def sentence(tag: str | None, kg: int, event: str, project: str, standard: str) -> list[tuple[str, str]]:
    """The certificate's sentence in a language, as (role, text) pieces in reading order; role is "text"
    or the placeholder filled in ("tonnes", "event", "project", "standard"), so the artwork can set
    each in its own weight. Without an event, the language's sentence for an everyday footprint."""
    lab = labels(tag)
    template = lab["body"] if event else lab["body_everyday"]
    if not standard:
        template = _EMPTY_BRACKETS.sub("", template.replace("{standard}", ""))
    figure = format_tonnes(kg).removesuffix(" t")
    values = {"tonnes": lab["tonnes"] % {"n": figure}, "event": event, "project": project, "standard": standard}
    pieces: list[tuple[str, str]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > at:
            pieces.append(("text", template[at:m.start()]))
        key = m.group(1)
        pieces.append((key, values[key]) if key in values else ("text", m.group(0)))
        at = m.end()
    if at < len(template):
        pieces.append(("text", template[at:]))
    return pieces


def labels(tag: str | None) -> MappingProxyType:
    """Fixed certificate texts for a language; unknown languages get English."""
    return _labels(language(tag))


def format_date(day: datetime.date, tag: str | None = "en") -> str:
    """The issue date as the language writes it (Babel's long format): 'September 7, 2026', '2026年9月7日',
    'Setyembre 7, 2026'."""
    entry = languages.get(language(tag))
    assert entry is not None  # language() returns one of the registry's codes
    return dates.format_date(day, format="long", locale=entry.locale)
