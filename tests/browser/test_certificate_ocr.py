"""Issue #24, done when: a browser pays for a trip to an event with a Chinese name, opens its certificate
page in Chinese, and the PNG that page shows is read back by OCR (tesseract chi_sim): 中和, 吨 and the
event's name. A missing tesseract fails under CARBONDOT_REQUIRE_BROWSER, as a missing chromium does."""
from __future__ import annotations

import re
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import SHOTS
from tests.browser.helpers import pay_for_a_taxi
from tests.tools import TESSERACT_ENV, tesseract

pytestmark = pytest.mark.browser

EVENT = "首届中国数字碳中和高峰论坛"


@pytest.fixture(scope="module")
def chinese_event_server(tmp_path_factory):
    """The seeded demo, with the event the helper pays at renamed to a Chinese name."""
    from flask_migrate import upgrade
    from sqlalchemy import update

    from app import create_app
    from app.commands.demo import seed_demo
    from app.extensions import db
    from app.models import Event

    db_file = tmp_path_factory.mktemp("ocr") / "ocr.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "WTF_CSRF_ENABLED": True, "TESTING": False})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.execute(update(Event).where(Event.slug == "qingcheng-mountain")
                           .values(name=EVENT, names={"zh": {"name": EVENT}}))
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


def test_the_chinese_certificate_png_reads_back(phone, chinese_event_server, tmp_path):
    path = tesseract()
    pay_for_a_taxi(phone, chinese_event_server, name="张三")
    phone.goto(phone.url + "?lang=zh")
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "certificate-page-zh.png"), full_page=True)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\d{4}年\d+月\d+日 \d\d:\d\d \(UTC\+8\)</time>',
                     phone.content())
    image = phone.locator("img[src*='.png']").first
    src = image.get_attribute("src")
    assert src and "lang=zh" in src
    png = phone.request.get(chinese_event_server + src if src.startswith("/") else src)
    assert png.ok and png.headers["content-type"] == "image/png"
    (SHOTS / "certificate-zh-ocr.png").write_bytes(png.body())
    file = tmp_path / "certificate.png"
    file.write_bytes(png.body())
    text = subprocess.run([path, str(file), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=120,
                          env=TESSERACT_ENV,
                          check=True).stdout
    text = re.sub(r"\s+", "", text)
    assert "中和" in text and "吨" in text and EVENT in text, text
    assert "特发此证" in text and "抵消" not in text, text
