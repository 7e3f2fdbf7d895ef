"""Which language a page speaks: ?lang=, the cookie, Accept-Language; the switcher;
formatting; the certificate image and the WeChat hint in the chosen language."""
from __future__ import annotations

import re

import pytest

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


def lang_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("lang="):
            return header
    return None


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(("header", "lang", "phrase"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "扫一扫，碳中和"),
    ("zh", "zh-Hans", "扫一扫，碳中和"),
    ("zh-Hans-CN", "zh-Hans", "扫一扫，碳中和"),
    ("zh-TW,zh;q=0.9", "zh-Hans", "扫一扫，碳中和"),  # the only Chinese we have
    ("fil-PH,fil;q=0.9,en;q=0.5", "fil", "Neutral sa carbon sa isang scan"),
    ("tl", "fil", "Neutral sa carbon sa isang scan"),
    ("de-DE,fr;q=0.8,fil;q=0.5", "fil", "Neutral sa carbon sa isang scan"),
    ("de-DE,fr;q=0.8", "en", "Carbon neutral in one scan"),
    ("", "en", "Carbon neutral in one scan"),
])
def test_accept_language_picks_the_page_language(client, header, lang, phrase):
    response = client.get("/", headers={"Accept-Language": header})
    assert html_lang(response) == lang
    assert phrase in response.get_data(as_text=True)
    assert lang_cookie(response) is None  # only an explicit choice is remembered


def test_lang_parameter_wins_and_is_remembered_in_a_cookie(client):
    response = client.get("/?lang=fil", headers={"Accept-Language": "zh-CN"})
    assert html_lang(response) == "fil"
    assert re.search(r"^lang=fil; .*Max-Age=\d+", lang_cookie(response))
    # The cookie now beats Accept-Language on every page, without ?lang=.
    later = client.get("/methodology", headers={"Accept-Language": "zh-CN"})
    assert html_lang(later) == "fil"
    assert "Paano kami nagkakalkula" in later.get_data(as_text=True)
    back = client.get("/?lang=en")
    assert html_lang(back) == "en" and lang_cookie(back).startswith("lang=en;")


@pytest.mark.parametrize("value", ["zh", "zh-Hans", "zh_CN", "ZH-cn"])
def test_lang_parameter_accepts_chinese_tags(client, value):
    assert html_lang(client.get(f"/?lang={value}")) == "zh-Hans"


def test_unknown_lang_parameter_changes_nothing(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "fil"})
    assert html_lang(response) == "fil"
    assert lang_cookie(response) is None


def test_pages_vary_on_language_inputs(client):
    response = client.get("/")
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_switcher_links_keep_the_page_and_its_query(client, make_event):
    make_event(slug="switch-me", name="Switch Me")
    page = client.get("/?q=switch&lang=zh").get_data(as_text=True)
    nav = re.search(r'<nav class="langs".*?</nav>', page, re.S).group(0)
    assert 'hx-boost="false"' in nav  # a full load, so <html lang> changes too
    assert '<span class="lang current" lang="zh-Hans" aria-current="true">中文</span>' in nav
    assert 'href="/?q=switch&amp;lang=en"' in nav and ">English</a>" in nav
    assert 'href="/?q=switch&amp;lang=fil"' in nav and ">Filipino</a>" in nav


def test_money_tonnes_and_dates_follow_the_locale(app):
    import datetime as dt

    from flask_babel import refresh

    from app.web.template_helpers import day, money, tonnes

    for lang, t, date in (("en", "0.42 t", "Dec 1, 2026"), ("zh", "0.42 吨", "2026年12月1日"),
                          ("fil", "0.42 t", "Dis 1, 2026")):
        with app.test_request_context(f"/?lang={lang}"):
            refresh()  # the app fixture's context is shared; choose again for this request
            assert tonnes(420) == t
            assert day(dt.date(2026, 12, 1)) == date
            assert money(3449, "CNY") == "¥34.49"
            assert money(123456789, "CNY") == "¥1,234,567.89"


def test_certificate_image_follows_the_page_language(app, client, make_order):
    from app.services.certificates import content
    from app.services.certificates.artwork import render_png
    from app.web import public_url

    order = make_order(kg=420, name="林伟")
    cert = order.certificate
    assert cert.language == "en"
    page = client.get(f"/c/{cert.token}?lang=zh").get_data(as_text=True)
    assert f'src="/c/{cert.token}.png?lang=zh"' in page
    zh = client.get(f"/c/{cert.token}.png?lang=zh")
    en = client.get(f"/c/{cert.token}.png")
    with app.test_request_context():
        assert zh.data == render_png(content.build(cert, public_url, "zh").artwork(), "portrait")
        assert en.data == render_png(content.build(cert, public_url).artwork(), "portrait") != zh.data
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert lang_cookie(zh) is None  # an image never changes the visitor's choice
    # In English the page shows the image as issued.
    assert f'src="/c/{cert.token}.png"' in client.get(f"/c/{cert.token}?lang=en").get_data(as_text=True)


def test_wechat_gets_the_long_press_hint(client, make_order):
    token = make_order(kg=5).certificate.token
    wechat = client.get(f"/c/{token}?lang=zh", headers={"User-Agent": WECHAT_UA})
    assert wechat.status_code == 200
    assert "长按证书图片" in wechat.get_data(as_text=True)
    other = client.get(f"/c/{token}?lang=zh", headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/604.1"})
    assert "长按证书图片" not in other.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/e/wechat-event", "/e/wechat-event/calculate", "/e/wechat-event/board",
                                 "/methodology", "/life"])
def test_pages_work_in_wechat(client, make_event, url):
    make_event(slug="wechat-event")
    response = client.get(url, headers={"User-Agent": WECHAT_UA, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    assert html_lang(response) == "zh-Hans"


def test_comparisons_are_phrased_in_the_language(app):
    from decimal import Decimal

    from flask_babel import refresh

    from app.services import footprint
    from app.web.template_helpers import comparison

    trees = next(c for c in footprint.comparisons(Decimal(714)) if c.code == "tree_year")
    assert trees.label == "119 trees growing for a year"  # English keeps the engine's wording
    expected = {"en": trees.label, "zh": "119棵树一年吸收的CO₂",
                "fil": "119 punong lumalaki nang isang taon"}
    for lang, text in expected.items():
        with app.test_request_context(f"/?lang={lang}"):
            refresh()
            assert comparison(trees) == text
    tiny = next(c for c in footprint.comparisons(Decimal("0.01")) if c.code == "tree_year")
    with app.test_request_context("/?lang=zh"):
        refresh()
        assert comparison(tiny) == "不到0.1棵树一年吸收的CO₂"


def test_place_suggestions_speak_the_language(client):
    zh = client.get("/places?q=成都&lang=zh").get_data(as_text=True)
    assert '<option value="成都">成都, CN</option>' in zh
    one_character = client.get("/places?q=沪&lang=zh").get_data(as_text=True)
    assert '<option value="上海">上海, CN</option>' in one_character
    en = client.get("/places?q=成都&lang=en").get_data(as_text=True)
    assert '<option value="Chengdu">Chengdu, CN</option>' in en


@pytest.mark.parametrize(("origin", "destination"), [("北京", "成都"), ("上海", "重庆"), ("Chongqing", "都江堰")])
def test_api_resolves_chinese_place_names(client, origin, destination):
    from app.services.footprint import places

    typed = client.post("/api/v1/footprint", json={"legs": [{"mode": "rail_hsr", "from": origin, "to": destination}]})
    assert typed.status_code == 200, typed.get_json()
    a, b = places.lookup(origin), places.lookup(destination)
    by_code = client.post("/api/v1/footprint", json={"legs": [{"mode": "rail_hsr", "from": a.code, "to": b.code}]})
    assert typed.get_json()["total_kg"] == by_code.get_json()["total_kg"] > 0
    unknown = client.post("/api/v1/footprint", json={"legs": [{"mode": "rail_hsr", "from": "火星", "to": "成都"}]})
    assert unknown.status_code == 422


def test_calculator_errors_speak_the_language_while_the_api_stays_english(client, make_event, make_project):
    make_event(slug="forum")
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-from": "Atlantis", "legs-0-to": "Chengdu"}
    zh = client.post("/e/forum/calculate?lang=zh", data=form)
    html = zh.get_data(as_text=True)
    assert zh.status_code == 422
    assert "找不到这段行程的出发地" in html and "We couldn" not in html
    assert re.search(r'id="legs-0-from" name="legs-0-from"[^>]*aria-invalid="true"', html)
    fil = client.post("/e/forum/calculate?lang=fil", data={**form, "legs-0-from": "PEK", "legs-0-to": "PEK"})
    assert "Tingnan kung saan natapos ang biyaheng ito" in fil.get_data(as_text=True)
    api = client.post("/api/v1/footprint", json={"legs": [{"mode": "flight", "from": "Atlantis", "to": "CTU"}]},
                      headers={"Accept-Language": "zh-CN"})
    assert api.status_code == 422
    assert api.get_json()["error"]["message"].startswith("We couldn")


def test_certificate_page_dates_follow_the_locale(client, make_order, db):
    import datetime as dt

    cert = make_order(kg=5).certificate
    cert.issued_at = dt.datetime(2026, 12, 1, 22, 23)
    db.session.commit()
    assert "2026年12月2日 06:23 (UTC+8)" in client.get(f"/c/{cert.token}?lang=zh").get_data(as_text=True)
    assert "Dec 2, 2026 06:23 (UTC+8)" in client.get(f"/c/{cert.token}?lang=en").get_data(as_text=True)
