"""The catalogues are complete: every string in the templates and the Python code
(extracted afresh, as `make translations` does) is translated, not fuzzy, and
keeps its placeholders, in Simplified Chinese and in Filipino."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.services import languages
from app.web.i18n import TRANSLATIONS, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
LOCALES = tuple(code for code in languages.codes() if code != languages.SOURCE)  # every catalogue we keep
# The extraction keywords exactly as `make translations` passes them.
MAKE_EXTRACT = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "pybabel extract" in line)
KEYWORDS = re.findall(r"-k (\S+)", MAKE_EXTRACT)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A POT extracted now from templates and Python, with the Makefile's keywords."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", *keywords, "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        return read_po(fh)


def _catalogue(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_extraction_finds_the_strings(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert len(ids) > 500
    assert set(KEYWORDS) >= {"_l", "N_", "Nn_:1,2", "Nc_:1c,2"}
    assert "Carbon Neutral Certificate of Honor" in ids  # a template string
    assert "Chicken and other poultry" in ids  # an engine label (services/footprint/labels.py)
    assert "Scenic spots" in ids  # a scenario's chip (services/scenarios.py)
    nights = template.get("%(num)s night")
    assert nights is not None and nights.id == ("%(num)s night", "%(num)s nights")  # Nn_: one plural entry
    assert template.get("Serial numbers", context="certificate") is not None  # Nc_: with its context


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(template, locale):
    catalogue = _catalogue(locale)
    missing, untranslated, fuzzy, placeholders = [], [], [], []
    for message in template:
        if not message.id:
            continue
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            missing.append(message.id)
            continue
        if entry.fuzzy:
            fuzzy.append(message.id)
        if not all(s and s.strip() for s in _strings(entry)):
            untranslated.append(message.id)
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        wanted = sorted(set(PLACEHOLDER.findall(source)))
        if any(sorted(set(PLACEHOLDER.findall(s))) != wanted for s in _strings(entry)):
            placeholders.append(message.id)
    assert not missing, f"not in the {locale} catalogue (run `make translations`): {missing}"
    assert not untranslated, f"untranslated in {locale}: {untranslated}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"
    assert not placeholders, f"placeholders differ in {locale}: {placeholders}"


def test_compiled_catalogues_are_fresh_and_load(tmp_path):
    from babel.support import Translations

    compile_catalogues()  # what the app does at start; a no-op when up to date
    expected_titles = {"zh": "碳中和荣誉证书", "fil": "Sertipiko ng Karangalan sa Carbon Neutral"}
    for locale, expected in expected_titles.items():
        mo = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
        po = mo.with_suffix(".po")
        assert mo.stat().st_mtime >= po.stat().st_mtime
        assert Translations.load(TRANSLATIONS, [locale]).gettext("Carbon Neutral Certificate of Honor") == expected


def test_compile_writes_missing_and_stale_catalogues(tmp_path):
    target = tmp_path / "fil" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = TRANSLATIONS / "fil" / "LC_MESSAGES" / "messages.po"
    (target / "messages.po").write_bytes(po.read_bytes())
    assert compile_catalogues(tmp_path) == [target / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # fresh: nothing to do
    future = (target / "messages.mo").stat().st_mtime + 10
    import os

    os.utime(target / "messages.po", (future, future))
    assert compile_catalogues(tmp_path) == [target / "messages.mo"]
