"""The label module covers exactly the engine's item codes, and every label is translated."""
from __future__ import annotations

import pytest
from babel.support import Translations

from app.services import footprint
from app.services.footprint import labels
from app.web.i18n import TRANSLATIONS, compile_catalogues


def engine_codes(name: str) -> set[str]:
    """The codes of one of the engine's tables: plain codes or (code, English label) pairs."""
    return {item if isinstance(item, str) else item[0] for item in getattr(footprint, name)}


@pytest.mark.parametrize("name", sorted(labels.TABLES))
def test_label_keys_equal_the_engine_codes(name):
    assert set(labels.TABLES[name]) == engine_codes(name)


def test_every_engine_code_table_has_labels():
    # Any tuple of item codes the engine exposes (MODES, GRIDS, ...) needs a label table here.
    tables = {
        name for name, value in vars(footprint).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, tuple) and value
        and all(isinstance(v, str) or (isinstance(v, tuple) and len(v) == 2) for v in value)
        and name not in {"HOTEL_COUNTRIES"}  # country names come from CLDR: labels.hotel_countries
    }
    assert tables == set(labels.TABLES)


@pytest.mark.parametrize("locale", ["zh", "fil"])
def test_every_label_is_translated(locale):
    compile_catalogues()
    catalogue = Translations.load(TRANSLATIONS, [locale])
    for table in labels.TABLES.values():
        for msgid in table.values():
            text = catalogue.gettext(msgid)
            assert text
            if locale == "zh":
                assert text != msgid, msgid


def test_hotel_countries_are_named_in_the_locale():
    zh = dict(labels.hotel_countries("zh", lambda s: {"Other country": "其他国家/地区"}[s]))
    assert set(zh) == {code for code, _ in footprint.HOTEL_COUNTRIES}
    assert zh["CN"] == "中国" and zh["PH"] == "菲律宾" and zh["OTHER"] == "其他国家/地区"
    assert dict(labels.hotel_countries("fil"))["PH"] == "Pilipinas"
    assert labels.hotel_countries("en") == list(footprint.HOTEL_COUNTRIES)


def test_comparison_labels_cover_the_comparison_data():
    assert set(labels.COMPARISONS) == {basis.id for basis in footprint.comparison_table()}
    assert {c.code for c in footprint.comparisons(footprint.Decimal(500))} == set(labels.COMPARISONS)
