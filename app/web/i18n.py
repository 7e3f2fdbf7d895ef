"""Which language a page speaks, the switcher, and the compiled catalogues.

Order: ``?lang=`` (also remembered in the ``lang`` cookie), then that cookie,
then Accept-Language, then English. Internally the codes are ``en``, ``zh``
(Simplified Chinese) and ``fil``; ``<html lang>`` says ``en``, ``zh-Hans``,
``fil``. Every Chinese tag (zh, zh-CN, zh-Hans, zh-TW, zh-HK ...) gets the
Simplified catalogue: it is the only Chinese we have, and a Traditional reader
reads it far better than English.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
HTML_LANG = {"en": "en", "zh": "zh-Hans", "fil": "fil"}
NAMES = {"en": "English", "zh": "中文", "fil": "Filipino"}
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def normalize(tag: str | None) -> str | None:
    """'zh-CN' / 'zh_Hans' / 'ZH' -> 'zh'; 'fil-PH' / 'tl' -> 'fil'; 'en-GB' -> 'en'; else None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if primary == "tl":  # Tagalog: Filipino is its standard form
        primary = "fil"
    return primary if primary in HTML_LANG else None


def chosen() -> str | None:
    """The language asked for explicitly: ?lang= first, then the cookie."""
    return normalize(request.args.get("lang")) or normalize(request.cookies.get(COOKIE))


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    explicit = chosen()
    if explicit in languages:
        return explicit
    for tag, _quality in request.accept_languages:  # already sorted by quality
        code = normalize(tag)
        if code in languages:
            return code
    return "en"


def switch_links() -> list[tuple[str, str, str, str]]:
    """(code, name, URL of this page in that language, BCP 47 tag) for the switcher."""
    args = request.args.to_dict(flat=False)
    links = []
    for code in current_app.config["LANGUAGES"]:
        query = {**args, "lang": [code]}
        links.append((code, NAMES[code], request.path + "?" + urlencode(query, doseq=True), HTML_LANG[code]))
    return links


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
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


def register(app: Flask) -> None:
    compile_catalogues()

    @app.before_request
    def _fresh_locale():
        # Flask-Babel caches the locale on `g`; a request that shares an app context
        # (tests, CLI-driven requests) must still choose its own language.
        from flask_babel import refresh

        refresh()

    @app.context_processor
    def _language_globals():
        from flask_babel import get_locale

        code = str(get_locale() or "en")
        return {"html_lang": HTML_LANG.get(code, "en"), "language_links": switch_links(), "current_locale": code}

    @app.after_request
    def _remember_language(response):
        if response.mimetype != "text/html" or request.blueprint == "kiosk":
            # An image or JSON asked for in a language does not change the visitor's choice; a kiosk
            # keeps nothing (its language travels in the URL and resets for the next visitor).
            return response
        asked = normalize(request.args.get("lang"))
        if asked in app.config["LANGUAGES"] and request.cookies.get(COOKIE) != asked:
            response.set_cookie(
                COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                secure=app.config.get("SECURE_COOKIES", False),
            )
        response.vary.update(("Accept-Language", "Cookie"))
        return response
