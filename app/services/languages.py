"""The languages CarbonDot speaks, as data: one `Language` entry each, and everything else derives.

The site's offered languages (config LANGUAGES), an event's language, ``<html lang>``, the language
switchers (pages, kiosk, posters), the event form's choices and the certificate's texts and dates all
read `LANGUAGES`. To add a language: one entry here and a catalogue in
app/translations/<code>/LC_MESSAGES/messages.po (`make translations` after adding the locale with
`pybabel init`). Without a catalogue a language shows English text with its own dates and numbers.

Also here, because they concern every language and need no Flask: the gettext markers (`N_`, `Nn_`,
`Nc_`) that Flask-free modules use so that `pybabel extract` finds their strings, the compiled
catalogues, and the translations a service needs outside a request (a certificate's texts).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOGUES = Path(__file__).resolve().parents[1] / "translations"


# --------------------------------------------------------------------------
# Markers: strings to extract, translated later (pybabel extract -k N_ -k Nn_:1,2 -k Nc_:1c,2)
# --------------------------------------------------------------------------

def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a singular/plural pair for extraction as one plural entry; translate with ngettext."""
    return singular, plural


def Nc_(context: str, message: str) -> str:  # noqa: N802
    """Mark a string with a context (msgctxt) for extraction; translate with pgettext(context, message)."""
    return message


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Language:
    """One language of the site.

    `code` is what URLs (?lang=), cookies and the database (event.language, order.language) hold; it is
    also the Babel locale (dates, numbers, plural rules) and the catalogue's folder name, so it must be a
    locale Babel knows. `fonts` name the certificate faces (certificates/typesetting.py FACES) that draw
    its fixed texts. `currency` and `time_zone` are hints for an event in this language (unused yet).
    """

    code: str
    name: str  # in the language itself, as switchers show it
    html_lang: str  # BCP 47 tag for <html lang>
    fonts: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # other primary tags that mean this language ("tl" is Filipino)
    currency: str | None = None
    time_zone: str | None = None

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def english_name(self) -> str:
        """'Chinese', 'Filipino': for messages in English (the CLI's, a service's refusal)."""
        name = self.locale.get_display_name("en")
        if name is None:  # Babel names every language it has data for; a code it does not know is a mistake
            raise ValueError(f"Babel has no English name for the language {self.code!r}")
        return name


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "en", fonts=("Noto Sans",)),
    # Every Chinese tag (zh-CN, zh-Hans, zh-TW, zh-HK ...) gets the Simplified catalogue: it is the only
    # Chinese we have, and a Traditional reader reads it far better than English.
    Language("zh", "中文", "zh-Hans", fonts=("Noto Sans", "Noto Sans SC"), currency="CNY",
             time_zone="Asia/Shanghai"),
    Language("fil", "Filipino", "fil", fonts=("Noto Sans",), aliases=("tl",), currency="PHP",
             time_zone="Asia/Manila"),
)
SOURCE = "en"  # the language of the msgids: no catalogue, and the fallback for everything


def all() -> tuple[Language, ...]:
    """Every language, in the order switchers list them (read at call time, so tests may add one)."""
    return LANGUAGES


def codes() -> tuple[str, ...]:
    return tuple(language.code for language in LANGUAGES)


def get(code: str | None) -> Language | None:
    return next((language for language in LANGUAGES if language.code == code), None)


def normalize(tag: str | None) -> str | None:
    """A language tag as one of our codes, else None: 'zh-CN' / 'zh_Hans' / 'ZH' -> 'zh';
    'fil-PH' / 'tl' -> 'fil'; 'en-GB' -> 'en'; 'de' -> None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    for language in LANGUAGES:
        if primary == language.code or primary in language.aliases:
            return language.code
    return None


def english_list() -> str:
    """'English, Chinese or Filipino': the languages named in an English sentence."""
    names = [language.english_name for language in LANGUAGES]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# --------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------

def compile_catalogues(directory: Path = CATALOGUES) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older; return those written.

    Compiled catalogues are build output (not committed), so a fresh clone,
    the test run and `flask run` all compile what they need here.
    """
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo_path.with_suffix(f".mo.{os.getpid()}.tmp")  # parallel test workers may compile at once
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


@functools.cache
def translations(code: str) -> NullTranslations:
    """A language's compiled catalogue for a service working outside a request (a certificate's
    texts); a language without a catalogue (and English) gets its msgids back."""
    if code == SOURCE:
        return NullTranslations()
    compile_catalogues()
    return Translations.load(CATALOGUES, [code])
