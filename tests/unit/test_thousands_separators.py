"""Issue #26 item 4: whole numbers and amounts typed with the page's language's thousands separators
(Babel's number symbols): "1,200" and "1 200" are 1200 in en, zh and fil; "1.200" is 1200 only where "."
groups (de, id), and in en/zh/fil never (a whole number refuses it, an amount reads one point two)."""
import pytest
from werkzeug.datastructures import MultiDict

from app.services import integers
from app.services.integers import IntegerError, parse_int, plain_number


@pytest.mark.parametrize("locale", ["en", "zh", "fil"])
@pytest.mark.parametrize("text", ["1,200", "1 200", "1\u00a0200", "1\u202f200", " 1,200 ", "1200"])
def test_a_thousands_separator_of_the_language_is_read(locale, text):
    assert parse_int(text, locale=locale) == 1200
    assert plain_number(text, locale) == "1200"


@pytest.mark.parametrize("locale", ["en", "zh", "fil"])
def test_a_point_never_groups_where_it_is_the_decimal_point(locale):
    with pytest.raises(IntegerError):
        parse_int("1.200", locale=locale)
    assert plain_number("1.200", locale) == "1.200"  # one point two
    assert plain_number("1,200.5", locale) == "1200.5"


def test_a_point_groups_where_the_language_means_it():
    assert parse_int("1.200", locale="de") == 1200 and parse_int("1.200", locale="id") == 1200
    assert plain_number("1.200,5", "de") == "1200.5"
    with pytest.raises(IntegerError):
        parse_int("1,200", locale="de")  # in German that is one point two
    assert parse_int("1'200", locale="de_CH") == 1200
    assert parse_int("1,00,000", locale="en_IN") == 100000  # the locale's own group sizes


@pytest.mark.parametrize("text", ["1,2", "12,00", "1,2000", ",200", "1,,200", "1,200 300", "1, 200", "1,200,",
                                  "1,20", "１,２００", "1,20a", "1_200"])
def test_a_grouping_that_is_not_well_formed_is_refused(text):
    with pytest.raises(IntegerError):
        parse_int(text, locale="en")
    assert plain_number(text, "en") == text  # left as typed, for the engine to refuse


def test_without_a_locale_the_parser_is_as_strict_as_ever():
    for text in ("1,200", "1 200", "\u00a012"):
        with pytest.raises(IntegerError):
            parse_int(text)
    assert parse_int("-1,200", low=integers.INT32_MIN, locale="en") == -1200
    with pytest.raises(IntegerError):
        parse_int("-1,200", locale="en")  # no sign where the range has none
    assert parse_int("2,147,483,648", high=integers.INT64_MAX, locale="en") == 2**31
    with pytest.raises(IntegerError):
        parse_int("2,147,483,648", locale="en")  # still the column's range
    assert integers.number_symbols("xx-nowhere")[1] == "."  # an unknown locale reads as English


def test_whole_number_fields_read_the_page_language(app):
    from wtforms import Form

    from app.web.forms import WholeNumberField

    class F(Form):
        n = WholeNumberField()

    for lang, text, expected in (("en", "1,200", 1200), ("zh", "1 200", 1200), ("fil", "12,000", 12000),
                                 ("en", "1.200", None)):
        with app.test_request_context(f"/?lang={lang}"):
            form = F(MultiDict({"n": text}))
            assert form.validate() is (expected is not None) and form.n.data == expected


def test_the_calculator_reads_amounts_in_the_page_language(app):
    from app.web.calculator_form import to_engine_input

    form = MultiDict({"hotel-nights": "1,000", "basket-pork": "1,200.5", "energy-electricity": "12 000"})
    with app.test_request_context("/?lang=zh"):
        data = to_engine_input([{"mode": "taxi", "from": "", "to": "", "distance_km": "1,200", "occupants": "1",
                                 "return": False, "trips": "", "country": ""}], form)
    assert data["legs"][0]["distance_km"] == "1200" and data["hotel_nights"][0]["nights"] == "1000"
    assert data["basket"] == [{"category": "pork", "amount": "1200.5"}]
    assert data["energy"][0]["amount"] == "12000"
