"""The methodology page's data texts in every language: each row of the data files has its zh and fil
text in app/data/data_translations.csv, made from the English it now has; each unit has a catalogue label."""
from __future__ import annotations

import csv

import pytest
from babel.support import Translations

from app.services import footprint
from app.services.footprint import labels, methodology
from app.services.languages import LANGUAGES
from app.web.i18n import TRANSLATIONS, compile_catalogues

OTHER_LANGUAGES = sorted(lang.code for lang in LANGUAGES if lang.code != "en")


def rows(file: str) -> list[dict[str, str]]:
    with (footprint.DATA_DIR / file).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def translation_rows() -> list[dict[str, str]]:
    return rows("data_translations.csv")


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("file", sorted(methodology.TRANSLATED_COLUMNS))
def test_every_row_has_a_text_in_every_language(file, lang):
    key_column, columns = methodology.TRANSLATED_COLUMNS[file]
    problems = []
    for row in rows(file):
        for column in columns:
            english = row[column]
            if english and methodology.translated(file, row[key_column], column, english, lang) is None:
                problems.append(
                    f"{file} row {row[key_column]!r}, column {column!r}: no {lang} text for its English; add "
                    f"{file},{row[key_column]},{column},{lang},{methodology.english_hash(english)},<text> to "
                    "app/data/data_translations.csv (or update the row's english_hash and text)"
                )
    assert not problems, "\n".join(problems)


def test_every_translation_belongs_to_a_row_and_matches_its_english():
    """No orphans (a renamed row, a typo in a key) and no stale optional texts (a source reworded)."""
    cells = {}
    for file, (key_column, columns) in methodology.TRANSLATED_COLUMNS.items():
        for row in rows(file):
            for column in (*columns, *methodology.OPTIONAL_COLUMNS.get(file, ())):
                cells[(file, row[key_column], column)] = row[column]
    problems = []
    for t in translation_rows():
        where = (t["file"], t["key"], t["column"])
        if where not in cells:
            problems.append(f"data_translations.csv: {where} is no row and column of a translated data file")
        elif t["english_hash"] != methodology.english_hash(cells[where]):
            problems.append(f"data_translations.csv: {where} {t['lang']} was made from other English; retranslate "
                            f"it and set english_hash to {methodology.english_hash(cells[where])}")
        elif t["lang"] not in OTHER_LANGUAGES or not t["text"].strip():
            problems.append(f"data_translations.csv: {where} has language {t['lang']!r} or an empty text")
    assert not problems, "\n".join(problems)


def test_the_chinese_texts_are_chinese_and_the_filipino_ones_are_not_the_english():
    english = {}
    for file, (key_column, _) in methodology.TRANSLATED_COLUMNS.items():
        for row in rows(file):
            english.update({(file, row[key_column], c): v for c, v in row.items()})
    for t in translation_rows():
        source = english[(t["file"], t["key"], t["column"])]
        if t["lang"] == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in t["text"]), t
            assert "抵消" not in t["text"], t  # the glossary says 中和
        elif len(source.split()) > 3:
            assert t["text"] != source, t


def test_a_translation_keeps_the_figures_of_its_english():
    """Numbers are facts: a translated note quotes the same figures as the English (as written, or as the
    Chinese writes large ones: 14.0967 亿 for 1,409.67 million)."""
    import re

    number = re.compile(r"\d+(?:[.,]\d+)*")
    english = {}
    for file, (key_column, _) in methodology.TRANSLATED_COLUMNS.items():
        for row in rows(file):
            english.update({(file, row[key_column], c): v for c, v in row.items()})
    for t in translation_rows():
        source = english[(t["file"], t["key"], t["column"])]
        missing = {n for n in number.findall(source) if n not in t["text"] and n.replace(",", "") not in t["text"]}
        if t["lang"] == "zh":
            # written as 14.0967 亿, 119 亿, 378 亿, 81 亿, 13,524 亿, 80.6 亿 (people, 8.06 billion)
            missing -= {"1,409.67", "11.9", "37.8", "8.1", "1,352.4", "9", "8.06"}
        assert not missing, (t["file"], t["key"], t["column"], t["lang"], missing)


def test_every_factor_computed_in_code_has_a_note_in_the_catalogue():
    computed = [f for f in footprint.factor_table() if f.id not in footprint.factor_rows()]
    assert computed and all(methodology.derived_note(f.id) is not None for f in computed)
    assert methodology.derived_note("car:petrol") is None


def test_every_unit_in_the_data_has_a_label():
    units = {r["unit"] for r in rows("factors.csv")} | {f.unit for f in footprint.factor_table()}
    units |= {r["quantity_unit"] for r in rows("comparisons.csv")} | {r["unit"] for r in rows("per_capita.csv")}
    missing = sorted(units - set(labels.UNITS))
    assert not missing, f"add these units to labels.UNITS (and translate them): {missing}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_the_catalogue_translates_the_units_and_the_computed_notes(lang):
    compile_catalogues()
    catalogue = Translations.load(TRANSLATIONS, [lang])
    for msgid in [*labels.UNITS.values(), *methodology.DERIVED_NOTES.values(), *methodology.DERIVED_SOURCES.values()]:
        text = catalogue.gettext(msgid)
        assert text and (text != msgid or lang == "fil" and len(msgid) < 30), (lang, msgid)


def test_every_factor_has_a_name_of_its_own():
    names = {f.id: labels.factor_name(f.id, "en") for f in footprint.factor_table()}
    nameless = sorted(i for i, n in names.items() if n is None)
    assert not nameless, f"name these factors in labels.factor_name (or its tables): {nameless}"
    shared = {n for n in names.values() if list(names.values()).count(n) > 1}
    assert not shared, shared
    assert names["flight:international:economy:rf"] == "Flight not touching the UK, Economy, with radiative forcing"
    assert labels.factor_name("hotel:PH", "fil") == "Hotel room night: Pilipinas"
    assert labels.factor_name("flight:nowhere:economy:rf", "en") is None


def test_the_catalogue_notes_of_computed_factors_say_what_the_engine_says():
    """factors.py words these notes in English for the API; a change there must reach DERIVED_NOTES (and its
    translations), or the Chinese and Filipino pages would explain a different computation."""
    for f in footprint.factor_table():
        derived = methodology.derived_note(f.id)
        if derived is None:
            continue
        msgid, figures = derived
        if "portions" in figures:
            shown = " + ".join(f"{g.normalize():f} g {i.replace('_', ' ')} x {v}" for g, i, v in figures["portions"])
            english = msgid % {"portions": shown, "value": figures["value"]}
        else:
            english = msgid % figures
        assert english == f.note, f"{f.id}: update methodology.DERIVED_NOTES to factors.py's note and translate it"

    for f in footprint.factor_table():
        source = methodology.derived_source(f.id)
        if source is not None:
            msgid, rows = source
            assert msgid % {k: footprint.factor(i).source for k, i in rows.items()} == f.source, f.id
