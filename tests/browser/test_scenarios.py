"""Each scenario's calculator (and the life page) filled with a few taps at 390x844: the total
updates live, nothing scrolls sideways, every control is a 44 px target; the methodology page is short
on a phone and opens a folded section at its contents link."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, small_targets, watch_errors

pytestmark = pytest.mark.browser


def changes(page, locator, action) -> str:
    """Do `action` and wait until the live total shows something new; returns the new text."""
    before = locator.inner_text()
    action()
    expect(locator).not_to_have_text(before)
    return locator.inner_text()


def open_calculator(page, live_server, slug):
    page.goto(f"{live_server}/e/{slug}/calculate")
    total = page.locator(".total-value strong")
    expect(total).to_have_text(re.compile(r"^0"))
    return total


def fill_conference(page, total):
    changes(page, total, lambda: page.locator("#legs-0-from").fill("PEK"))
    changes(page, total, lambda: page.locator("#hotel-nights").fill("2"))
    page.locator("#more-meals > summary").click()
    changes(page, total, lambda: page.locator("#meals-chicken").fill("3"))


def fill_scenic(page, total):
    page.locator("#legs-0-mode").select_option("coach")
    changes(page, total, lambda: page.locator("#legs-0-distance_km").fill("65"))
    changes(page, total, lambda: page.locator("#hotel-nights").fill("1"))


def fill_supermarket(page, total):
    changes(page, total, lambda: page.locator("#basket-pork").fill("1"))
    changes(page, total, lambda: page.locator("#basket-rice").fill("2.5"))
    page.locator("#more-travel > summary").click()
    page.locator("#legs-0-mode").select_option("metro")
    changes(page, total, lambda: page.locator("#legs-0-distance_km").fill("8"))


def fill_restaurant(page, total):
    changes(page, total, lambda: page.locator("#meals-beef").fill("2"))
    changes(page, total, lambda: page.locator("#meals-vegetarian").fill("1"))


def fill_hotel(page, total):
    changes(page, total, lambda: page.locator("#hotel-nights").fill("3"))
    page.locator("#legs-0-mode").select_option("rail_hsr")
    changes(page, total, lambda: page.locator("#legs-0-from").fill("Chongqing North Railway Station"))


def fill_other(page, total):
    page.locator("#legs-0-mode").select_option("car")
    page.locator("#legs-0-fuel").select_option("electric")
    changes(page, total, lambda: page.locator("#legs-0-distance_km").fill("40"))


SCENARIOS = [
    ("conference", "cdcn-forum-2021", fill_conference, ["#sec-travel", "#sec-hotel", "#sec-meals"]),
    ("scenic", "qingcheng-mountain", fill_scenic, ["#sec-travel", "#sec-hotel"]),
    ("supermarket", "chunxi-supermarket", fill_supermarket, ["#sec-basket", "#sec-travel"]),
    ("restaurant", "jinli-teahouse", fill_restaurant, ["#sec-meals", "#sec-travel"]),
    ("hotel", "tianfu-riverside-hotel", fill_hotel, ["#sec-hotel", "#sec-travel"]),
    ("other", "chengdu-marathon-2026", fill_other, ["#sec-travel", "#sec-hotel"]),
]


@pytest.mark.parametrize(("name", "slug", "fill", "order"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario_calculator_fills_with_a_few_taps(live_server, phone, shot, name, slug, fill, order):
    page = phone
    errors = watch_errors(page)
    total = open_calculator(page, live_server, slug)
    boxes = [page.locator(sel).bounding_box()["y"] for sel in order]
    assert boxes == sorted(boxes), f"{name}: sections out of order"
    fill(page, total)
    assert float(total.inner_text().split()[0].replace(",", "")) > 0
    assert page.locator(".project input[type=radio]:checked").count() == 1
    assert no_horizontal_scroll(page)
    assert small_targets(page) == []
    shot(page, f"scenario-{name}")
    assert errors == []


def test_life_footprint_live_and_neutralize_a_month(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    page.goto(f"{live_server}/life")
    total = page.locator(".total-value strong")
    start = total.inner_text()  # a diet is chosen from the start: everyone eats
    changes(page, total, lambda: page.locator("#electricity").fill("180"))
    # The picker starts at the venue's province (Sichuan, carbondot-3): the region changes the total too.
    changes(page, total, lambda: page.locator("#grid").select_option("CN-SOUTHWEST"))
    changes(page, total, lambda: page.locator("#car_km").fill("6000"))
    changes(page, total, lambda: page.locator("#flights_short").fill("2"))
    changes(page, total, lambda: page.get_by_label("Vegetarian").check())
    assert total.inner_text() != start
    expect(page.locator(".bar-label", has_text="Average person in China")).to_be_visible()
    assert no_horizontal_scroll(page)
    assert small_targets(page) == []
    shot(page, "life")

    page.get_by_label("By what I buy each week").check()
    expect(page.locator("#basket-pork")).to_be_visible()
    expect(page.get_by_label("Vegetarian")).to_be_hidden()
    changes(page, total, lambda: page.locator("#basket-pork").fill("0.5"))

    page.get_by_role("button", name=re.compile(r"^Neutralize a month")).click()
    page.wait_for_url(re.compile(r"/life/neutralize$"))
    expect(page.get_by_role("heading", name="Neutralize a month of your life")).to_be_visible()
    assert page.locator(".project input[type=radio]:checked").count() == 1
    assert no_horizontal_scroll(page)
    shot(page, "life-neutralize-month")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    assert errors == []


def test_methodology_fits_a_phone(live_server, phone, shot):
    page = phone
    page.goto(f"{live_server}/methodology")
    expect(page.get_by_role("heading", name=re.compile(r"^Electricity \(\d+\)$"))).to_be_visible()
    assert no_horizontal_scroll(page)
    shot(page, "methodology")


def test_methodology_is_short_on_a_phone_with_linked_sources(live_server, phone, shot):
    page = phone
    page.goto(f"{live_server}/methodology")
    assert page.locator("nav.toc a").count() >= 5
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 12000, height
    page.locator("nav.toc a[href='#cat-transport']").click()
    link = page.locator("#cat-transport a[rel~=external]").first
    expect(link).to_be_visible()  # the folded section opens at its contents link
    shot(page, "methodology-sources")
