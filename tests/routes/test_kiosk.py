"""The venue kiosk (/kiosk/<slug>...) and the phone side of its handoff (/k/<token>).
Every kiosk response is checked for Set-Cookie: the kiosk keeps nothing."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

import pytest
from flask import g
from sqlalchemy import func, select

from app import create_app
from app.models import Footprint, Order, Participant, utcnow
from app.services.footprint import kiosk
from app.services.sales import checkout, handoff, money

WALKUP = {"mode": "flight", "from": "beijing-cn", "return": "1", "nights": "2"}
DEMO = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000)  # no provider configured: the demo


@pytest.fixture
def app_config(app_config):
    # CSRF on, as in production: the kiosk's posts must not need a token (nor a session).
    return {**app_config, "WTF_CSRF_ENABLED": True, "KIOSK_IDLE_SECONDS": 45}


@pytest.fixture
def kiosk_event(make_event, make_project):
    project = make_project(quantity=100_000, price=6000)
    return make_event(slug="forum", language="zh"), project


def no_cookie(response):
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    return response


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def start_order(client, slug="forum", project=None, **data):
    """The kiosk's handoff token of a new walk-up order (the kiosk's own page and the phone's link carry it)."""
    project_id = project if isinstance(project, int) else project.id
    response = no_cookie(client.post(f"/kiosk/{slug}/order", data={**WALKUP, "project": str(project_id), **data}))
    assert response.status_code == 303
    return re.search(r"/handoff/([\w-]+)", response.headers["Location"]).group(1)


def order_of(db, token):
    return handoff.handoff_order(db.session, token)


def test_home_speaks_the_event_s_language_and_each_visitor_may_switch(client, kiosk_event):
    home = no_cookie(client.get("/kiosk/forum"))
    text = home.get_data(as_text=True)
    assert home.status_code == 200 and '<html lang="zh-Hans">' in text
    assert 'hx-trigger="every 10s"' in text and 'data-idle="45"' in text
    assert 'href="/kiosk/forum/calculate"' in text and 'href="/kiosk/forum?lang=fil"' in text
    assert '<noscript><meta http-equiv="refresh"' not in text  # home in the event's language needs no reset
    visitor = no_cookie(client.get("/kiosk/forum?lang=fil")).get_data(as_text=True)
    assert '<html lang="fil">' in visitor and 'href="/kiosk/forum/calculate?lang=fil"' in visitor
    # Without JavaScript the idle reset is a refresh back to the event's language.
    assert '<noscript><meta http-equiv="refresh" content="45;url=/kiosk/forum"></noscript>' in visitor
    assert '<html lang="zh-Hans">' in no_cookie(client.get("/kiosk/forum?lang=xx")).get_data(as_text=True)


def test_home_live_block_for_htmx_shows_the_board(client, htmx, kiosk_event, make_order):
    event, project = kiosk_event
    make_order(event=event, project=project, kg=1500, name="Mei", show=True)
    block = no_cookie(htmx.get("/kiosk/forum")).get_data(as_text=True)
    assert block.strip().startswith('<div id="k-live"') and "<html" not in block
    assert "Mei" in block and "1.5 吨" in block  # the event speaks Chinese


def test_unknown_or_draft_events_are_404_without_a_cookie(client, make_event):
    make_event(slug="draft", status="draft")
    for url in ("/kiosk/nope", "/kiosk/draft", "/kiosk/draft/calculate", "/kiosk/nope/handoff/ord_x"):
        response = no_cookie(client.get(url))
        assert response.status_code == 404 and "csrf" not in response.get_data(as_text=True).lower()


def test_calculator_shows_the_footprint_and_the_exact_price_as_choices_change(client, kiosk_event):
    event, project = kiosk_event
    blank = no_cookie(client.get("/kiosk/forum/calculate")).get_data(as_text=True)
    assert "Pay on your phone" not in blank.replace("Pay on your phone</h1>", "")
    assert 'href="/kiosk/forum/calculate?mode=flight&amp;return=1&amp;nights=0"' in blank
    page = no_cookie(client.get("/kiosk/forum/calculate", query_string=WALKUP)).get_data(as_text=True)
    kg = money.kg_to_buy(kiosk.estimate(event, kiosk.parse(WALKUP)).total_kg)
    price = money.price(kg, project.price_per_tonne_minor, "CNY", 10)
    assert money.format_money(price.amount_minor, "CNY") in page
    assert f'name="project" value="{project.id}"' in page
    # The stepper and the toggle keep the other choices.
    assert "nights=3" in page and "nights=1" in page and "return=0" in page


def test_on_screen_search_finds_places_by_letters(client, kiosk_event):
    page = no_cookie(client.get("/kiosk/forum/calculate", query_string={"mode": "car", "q": "lesh"})).get_data(
        as_text=True)
    assert "LESH" in page and "Leshan" in page and "from=leshan-cn" in page
    assert 'href="/kiosk/forum/calculate?mode=car&amp;return=1&amp;nights=0&amp;q=LESHA"' in page


def test_order_starts_through_checkout_with_a_fresh_participant_and_no_cookie(client, db, kiosk_event):
    event, project = kiosk_event
    token = start_order(client, project=project, lang="fil")
    order = order_of(db, token)
    assert order.public_id not in token and order.handoff_hash != token  # only the token's hash is kept
    assert (order.status, order.kind, order.language, order.display_name) == ("pending", "visitor", "fil", "")
    assert order.footprint.inputs["legs"][0]["from"] == "beijing-cn" and order.participant.display_name == ""
    assert count(db, Participant) == 1


@pytest.mark.parametrize("data", [{"mode": ""}, {"from": "nowhere"}, {"mode": "", "nights": "0"}, {"project": "x"},
                                  {"project": "999"}])
def test_bad_orders_are_refused_and_change_nothing(client, db, kiosk_event, data):
    _event, project = kiosk_event
    form = {**WALKUP, "nights": "0", "project": str(project.id), **data}
    response = no_cookie(client.post("/kiosk/forum/order", data=form))
    assert response.status_code == 422
    assert count(db, Order) == 0 and count(db, Participant) == 0 and count(db, Footprint) == 0


def test_kiosk_posts_count_at_venue_scale_and_a_refusal_keeps_the_walkup(app_config, db, kiosk_event):
    project = kiosk_event[1].id
    db.session.rollback()  # let the second app write to the same database
    client = create_app({**app_config, "RATELIMIT_ENABLED": True, "VENUE_RATE_LIMIT": "2 per minute"}).test_client()
    start_order(client, project=project)
    start_order(client, project=project)
    refused = no_cookie(client.post("/kiosk/forum/order", data={**WALKUP, "project": str(project)}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "许多人正在同时下单" in page  # the kiosk's language
    assert 'name="nights" value="2"' in page or "beijing-cn" in page  # the walk-up's answers are kept
    assert no_cookie(client.get("/kiosk/forum/calculate")).status_code == 200  # only posts count
    assert count(db, Order) == 2


def test_handoff_shows_the_phone_link_and_watches_until_paid(app, client, htmx, db, kiosk_event):
    _event, project = kiosk_event
    token = start_order(client, project=project)
    page = no_cookie(client.get(f"/kiosk/forum/handoff/{token}")).get_data(as_text=True)
    order = order_of(db, token)
    assert f"localhost/k/{token}" in page and order.public_id not in page and "<svg class=\"k-qr\"" in page
    assert 'hx-trigger="every 3s"' in page and "刷新" in page  # "Check again", in the event's Chinese
    assert 'data-idle="135"' in page  # the visitor is busy on the phone: three idle periods
    unchanged = no_cookie(htmx.get(f"/kiosk/forum/handoff/{token}?seen=open"))
    assert unchanged.status_code == 204 and not unchanged.data  # the codes on the screen stay as they are

    demo = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000)
    checkout.apply_demo_outcome(db.session, demo, order, "paid")
    poll = no_cookie(htmx.get(f"/kiosk/forum/handoff/{token}"))
    assert poll.headers["HX-Refresh"] == "true"
    done = no_cookie(client.get(f"/kiosk/forum/handoff/{token}")).get_data(as_text=True)
    assert order.certificate.number in done and 'data-idle="45"' in done
    assert f"/c/{order.certificate.token}" not in done.split("<svg")[0]  # the certificate link is only in the QR


def test_handoff_of_another_event_is_404_and_a_lapsed_one_says_so(client, db, kiosk_event, make_event):
    _event, project = kiosk_event
    make_event(slug="other")
    token = start_order(client, project=project)
    assert no_cookie(client.get(f"/kiosk/other/handoff/{token}")).status_code == 404
    order = order_of(db, token)
    order.hold_expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    page = no_cookie(client.get(f"/kiosk/forum/handoff/{token}")).get_data(as_text=True)
    assert "此订单未支付" in page and "localhost/k/" not in page  # "This order was not paid"


def phone_url(app, db, token):
    return f"/k/{token}", order_of(db, token)


def test_phone_adds_a_name_adopts_the_participant_and_goes_to_pay(app, client, db, kiosk_event):
    _event, project = kiosk_event
    url, order = phone_url(app, db, start_order(client, project=project))
    public_id = order.public_id
    phone = app.test_client()
    page = phone.get(url)
    # The phone speaks the language the order was started in at the kiosk (the event's Chinese), not the browser's.
    assert page.status_code == 200 and "您在这里填写的内容不会出现在自助终端上。" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    paid = phone.post(url, data={"csrf_token": token, "display_name": "Li Wei", "organization": "Lab",
                                 "show_on_board": "on"})
    assert paid.status_code == 303 and paid.headers["Location"] == f"/pay/{public_id}?lang=zh"
    cookie = phone.get_cookie(app.config["PARTICIPANT_COOKIE"])
    db.session.expire_all()
    assert cookie.value == order.participant.token
    assert (order.display_name, order.show_on_board, order.participant.display_name) == ("Li Wei", True, "Li Wei")


def test_phone_refuses_a_bad_token_a_bad_name_and_a_lapsed_order(app, client, db, kiosk_event):
    _event, project = kiosk_event
    url, order = phone_url(app, db, start_order(client, project=project))
    public_id = order.public_id
    phone = app.test_client()
    assert phone.get(url[:-2] + "xx").status_code == 404
    assert phone.get(f"/k/{public_id.removeprefix('ord_')}").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    long_name = phone.post(url, data={"display_name": "x" * 61})
    assert long_name.status_code == 422 and phone.get_cookie(app.config["PARTICIPANT_COOKIE"]) is None
    order.hold_expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert phone.get(url).status_code == 410
    lapsed = phone.post(url, data={"display_name": "Li"})
    assert lapsed.status_code == 410 and "此链接已失效" in lapsed.get_data(as_text=True)  # "This link has lapsed"
    db.session.expire_all()
    assert order.display_name == "" and phone.get_cookie(app.config["PARTICIPANT_COOKIE"]) is None


class Phone:
    """A phone's own browser. The test's app context outlives requests, so its `g` keeps the last request's
    participant (a real request starts without): each request here forgets it first."""

    def __init__(self, app):
        self.client, self.cookie_name = app.test_client(), app.config["PARTICIPANT_COOKIE"]

    def get(self, url):
        g.pop("participant", None)
        return self.client.get(url)

    def post(self, url, data):
        g.pop("participant", None)
        return self.client.post(url, data=data)

    def cookie(self):
        return self.client.get_cookie(self.cookie_name)


def old_phone_link(app, public_id):
    """The phone link as it used to be made: the order id and a MAC of it under SECRET_KEY."""
    mac = hmac.new(app.config["SECRET_KEY"].encode(), b"kiosk-handoff:" + public_id.encode(), hashlib.sha256)
    return f"/k/{public_id.removeprefix('ord_')}.{base64.urlsafe_b64encode(mac.digest()[:6]).decode()}"


def test_no_link_to_a_visitor_s_cookie_comes_from_an_order_id(app, client, db, kiosk_event, make_order):
    """The attack: a visitor's order id (in every /pay/<id> link) opened the kiosk's handoff page, whose QR
    link handed the attacker the visitor's participant cookie and renamed their board line."""
    event, project = kiosk_event
    victim = make_order(event=event, project=project, name="Mei", show=True, paid=False)
    assert no_cookie(client.get(f"/kiosk/forum/handoff/{victim.public_id}")).status_code == 404
    kiosk_order = order_of(db, start_order(client, project=project))
    assert no_cookie(client.get(f"/kiosk/forum/handoff/{kiosk_order.public_id}")).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False
    attacker = Phone(app)
    for order in (victim, kiosk_order):
        for url in (old_phone_link(app, order.public_id), f"/k/{order.public_id}"):
            assert attacker.get(url).status_code == 404
            assert attacker.post(url, data={"display_name": "Pwned", "show_on_board": "on"}).status_code == 404
    assert attacker.cookie() is None
    db.session.expire_all()
    assert (victim.display_name, victim.handoff_hash) == ("Mei", None)  # no handoff for a visitor's own order
    assert kiosk_order.display_name == ""


def test_the_first_phone_keeps_the_order_and_a_second_is_refused(app, client, db, kiosk_event):
    _event, project = kiosk_event
    token = start_order(client, project=project)
    url, order = phone_url(app, db, token)
    app.config["WTF_CSRF_ENABLED"] = False
    first, second = Phone(app), Phone(app)
    assert second.get(url).status_code == 200  # opening the page claims nothing
    assert first.post(url, data={"display_name": "Li Wei", "show_on_board": "on"}).status_code == 303
    refused = second.post(url, data={"display_name": "Pwned", "show_on_board": "on"})
    assert refused.status_code == 409 and "此订单已在另一部手机上打开" in refused.get_data(as_text=True)
    assert second.get(url).status_code == 409 and "Continue to payment" not in second.get(url).get_data(as_text=True)
    assert second.cookie() is None
    # The first phone may change its name until it pays.
    assert first.post(url, data={"display_name": "Li"}).status_code == 303
    db.session.expire_all()
    assert (order.display_name, order.participant.display_name) == ("Li", "Li")
    # The kiosk shows no code to scan any more, and says the order is on a phone.
    page = no_cookie(client.get(f"/kiosk/forum/handoff/{token}")).get_data(as_text=True)
    assert "k-claimed" in page and "localhost/k/" not in page and '<svg class="k-qr"' not in page
    assert 'hx-trigger="every 3s"' in page  # still watching for the payment


def test_the_phone_link_is_dead_once_the_order_is_paid(app, client, db, kiosk_event):
    _event, project = kiosk_event
    token = start_order(client, project=project)
    url, order = phone_url(app, db, token)
    app.config["WTF_CSRF_ENABLED"] = False
    payer, later = Phone(app), Phone(app)
    assert payer.post(url, data={"display_name": "Li Wei", "show_on_board": "on"}).status_code == 303
    demo = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000)
    checkout.apply_demo_outcome(db.session, demo, order, "paid")
    page = later.get(url)
    assert page.status_code == 410 and "此订单已支付" in page.get_data(as_text=True)
    assert later.post(url, data={"display_name": "Pwned", "show_on_board": "on"}).status_code == 410
    assert payer.post(url, data={"display_name": "Renamed"}).status_code == 410  # even the payer's phone
    assert later.cookie() is None
    db.session.expire_all()
    assert (order.display_name, order.participant.display_name) == ("Li Wei", "Li Wei")
    again = payer.get(url)  # the payer's phone scanning again finds its own order
    assert again.status_code == 303 and again.headers["Location"] == f"/orders/{order.public_id}?lang=zh"


def test_places_on_the_kiosk_speak_its_language(client, kiosk_event):
    """The event speaks Chinese: origin tiles and the chosen place in Chinese (an airport by its city and code)."""
    chinese = no_cookie(client.get("/kiosk/forum/calculate", query_string={"mode": "flight", "from": "PEK"}))
    page = chinese.get_data(as_text=True)
    assert '<span class="k-chosen">北京 PEK</span>' in page and ">绵阳</a>" in page and "Mianyang" not in page
    english = client.get("/kiosk/forum/calculate", query_string={"mode": "flight", "from": "PEK", "lang": "en"})
    page = english.get_data(as_text=True)
    assert '<span class="k-chosen">Beijing Capital International Airport</span>' in page and ">Mianyang</a>" in page


def test_cancel_releases_the_held_credits_at_once(client, db, kiosk_event):
    """Issue #26 item 16: "Cancel" on the handoff ends the order (its hold released), unless a phone has it."""
    _event, project = kiosk_event
    token = start_order(client, project=project)
    assert order_of(db, token).status == "pending"
    response = no_cookie(client.post(f"/kiosk/forum/handoff/{token}/cancel"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/forum")
    db.session.expire_all()
    assert order_of(db, token).status == "cancelled"
    claimed = start_order(client, project=project)
    order_of(db, claimed).handoff_claimed_at = utcnow()  # a phone claims it: the kiosk leaves it be
    db.session.commit()
    no_cookie(client.post(f"/kiosk/forum/handoff/{claimed}/cancel"))
    db.session.expire_all()
    assert order_of(db, claimed).status == "pending"


def test_the_calculator_offers_each_project_and_says_the_minimum(client, db, kiosk_event, make_project):
    """Issue #26 items 15 and 16: a local trip under the minimum says so; every project is a tile."""
    _event, project = kiosk_event
    other = make_project(quantity=100_000, price=9000, name="Second Forest")
    page = no_cookie(client.get("/kiosk/forum/calculate?mode=metro&from=chengdu-cn&km=2&lang=en")
                     ).get_data(as_text=True)
    assert "minimum: retires" in page and "more than your footprint" in page
    assert project.name in page and other.name in page
    chosen = no_cookie(client.get(f"/kiosk/forum/calculate?mode=metro&from=chengdu-cn&km=2&project={other.id}")
                       ).get_data(as_text=True)
    assert f'name="project" value="{other.id}"' in chosen
