"""Which language a page speaks, the switcher, and the compiled catalogues.

Order: ``?lang=`` (also remembered in the ``lang`` cookie), then that cookie,
then Accept-Language, then English. The languages, their codes and their
``<html lang>`` tags are the registry's (app/services/languages.py); the site
offers those in config LANGUAGES (all of them unless configured otherwise).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services import languages
from ..services.languages import CATALOGUES as TRANSLATIONS
from ..services.languages import compile_catalogues, normalize

__all__ = ["TRANSLATIONS", "compile_catalogues", "normalize", "offered", "register", "select_locale"]

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def offered() -> list[languages.Language]:
    """The languages this site offers (config LANGUAGES), in the registry's order."""
    return [language for language in languages.all() if language.code in current_app.config["LANGUAGES"]]


def chosen() -> str | None:
    """The language asked for explicitly: ?lang= first, then the cookie."""
    return normalize(request.args.get("lang")) or normalize(request.cookies.get(COOKIE))


def select_locale() -> str:
    offered_codes = current_app.config["LANGUAGES"]
    explicit = chosen()
    if request.blueprint == "kiosk":
        kiosk = kiosk_locale(offered_codes)
        if kiosk:
            return kiosk
    if explicit in offered_codes:
        return explicit
    for tag, _quality in request.accept_languages:  # already sorted by quality
        code = normalize(tag)
        if code in offered_codes:
            return code
    return languages.SOURCE


PHONE_ENDPOINTS = ("kiosk.phone", "kiosk.phone_claim")


def kiosk_locale(offered_codes) -> str | None:
    """A kiosk keeps no cookie: its screens speak the walk-up visitor's ?lang= (a form's `lang`), else the
    event's language, whatever the browser says, so every message of the request (its errors included) is
    in that language. The phone after a handoff speaks the language the order was started in at the kiosk,
    unless the phone asks for another one with ?lang=."""
    from ..models import Event
    from ..services.sales import handoff

    asked = normalize(request.args.get("lang")) or normalize(request.form.get("lang"))
    if asked in offered_codes:
        return asked
    view_args = request.view_args or {}
    try:
        if request.endpoint in PHONE_ENDPOINTS:
            order = handoff.handoff_order(db.session, view_args.get("token", ""))
            language = order.language if order is not None else None
        elif view_args.get("slug"):
            language = db.session.scalar(select(Event.language).where(Event.slug == view_args["slug"]))
        else:
            language = None
    except SQLAlchemyError:  # the database out of reach: the outage page still renders (in the browser's language)
        db.session.rollback()
        return None
    return language if language in offered_codes else None


def switch_links() -> list[tuple[str, str, str, str]]:
    """(code, name, URL of this page in that language, BCP 47 tag) for the switcher."""
    args = request.args.to_dict(flat=False)
    links = []
    for language in offered():
        query = {**args, "lang": [language.code]}
        links.append((language.code, language.name, request.path + "?" + urlencode(query, doseq=True),
                      language.html_lang))
    return links


def register(app: Flask) -> None:
    app.config.setdefault("LANGUAGES", languages.codes())  # read from the registry when the app is made
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

        code = str(get_locale() or languages.SOURCE)
        language = languages.get(code) or languages.get(languages.SOURCE)
        return {"html_lang": language.html_lang, "language_links": switch_links(), "current_locale": code}

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
