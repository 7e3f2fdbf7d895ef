from decimal import Decimal

import pytest

from app.services.sales import money


def test_price_is_ceiling_of_kg_times_price_per_tonne():
    # 420 kg at ¥58.00/t = 2436 fen exactly; 421 kg = 2441.8 -> 2442
    assert money.price(420, 5800, "CNY", 10).amount_minor == 2436
    assert money.price(421, 5800, "CNY", 10).amount_minor == 2442


def test_minimum_charge_applies_and_is_flagged():
    p = money.price(1, 5800, "CNY", 10)  # 5.8 fen -> 6, raised to ¥4.00
    assert p.amount_minor == 400
    assert p.minimum_applied is True
    assert money.price(1000, 5800, "CNY", 10).minimum_applied is False


def test_the_minimum_charge_buys_the_credits_it_pays_for():
    # A chicken meal, 2 kg, at ¥42/t: ¥0.09 raised to the ¥4.00 minimum, which buys
    # floor(400 x 1000 / 4200) = 95 kg (93 kg more than the meal).
    p = money.price(2, 4200, "CNY", 10)
    assert (p.amount_minor, p.minimum_applied, p.credits_kg, p.extra_kg) == (400, True, 95, 93)
    assert (p.owner_minor, p.platform_fee_minor) == (360, 40)
    assert money.price(1, 5800, "CNY", 10).credits_kg == 68  # floor(400,000 / 5,800)
    # Without the minimum the payment buys exactly what was asked (rounding up never adds kg).
    assert money.price(421, 5800, "CNY", 10).credits_kg == 421
    # Never less than asked: 79 kg at ¥50.64/t cost ¥4.01 > ¥4.00 (no minimum) -> 79 kg.
    assert money.price(79, 5064, "CNY", 10).credits_kg == 79


def test_split_adds_up_and_fee_rounds_down():
    p = money.price(421, 5800, "CNY", 10)
    assert p.platform_fee_minor == 244  # 10 % of 2442 = 244.2, rounded down
    assert p.owner_minor + p.platform_fee_minor == p.amount_minor


def test_kg_to_buy_rounds_up_and_never_zero():
    assert money.kg_to_buy(Decimal("0.001")) == 1
    assert money.kg_to_buy(Decimal("12.0")) == 12
    assert money.kg_to_buy(Decimal("12.0001")) == 13


def test_unknown_currency_and_bad_kg_are_refused():
    with pytest.raises(ValueError):
        money.price(10, 100, "XXX", 10)
    with pytest.raises(ValueError):
        money.price(0, 100, "CNY", 10)


def test_format_money():
    assert money.format_money(123456, "CNY") == "¥1,234.56"
    assert money.format_money(50, "JPY") == "¥50"
