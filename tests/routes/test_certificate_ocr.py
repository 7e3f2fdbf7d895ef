"""Issue #24, done when: the Chinese certificate PNG, fetched through its real route, is read back by OCR
(tesseract chi_sim, Debian) and says 中和 and 吨 and the event's Chinese name. A missing tesseract fails
this under CARBONDOT_REQUIRE_BROWSER (CI), as a missing chromium or zbarimg does."""
import datetime as dt
import re
import subprocess

import pytest

from app.models import Organization
from tests.tools import TESSERACT_ENV, tesseract

EVENT = "首届中国数字碳中和高峰论坛"


def read(path: str, png: bytes, tmp_path) -> str:
    file = tmp_path / "certificate.png"
    file.write_bytes(png)
    text = subprocess.run([path, str(file), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=120,
                          env=TESSERACT_ENV,
                          check=True).stdout
    return re.sub(r"\s+", "", text)  # OCR puts spaces between CJK characters, and the sentence wraps


@pytest.mark.parametrize("shape", ["portrait", "wide"])
def test_ocr_reads_the_chinese_certificate(client, db, make_event, make_project, make_order, tmp_path, shape):
    path = tesseract()
    organizer = Organization(name="成都会展集团")
    db.session.add(organizer)
    db.session.commit()
    event = make_event(name=EVENT, organization_id=organizer.id)
    project = make_project(name="凉山森林恢复项目")
    cert = make_order(event=event, project=project, kg=434, name="张三",
                      now=dt.datetime(2026, 12, 3, 22, 5)).certificate
    url = f"/c/{cert.token}.png?lang=zh" if shape == "portrait" else f"/c/{cert.token}/preview.png?lang=zh"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    text = read(path, response.data, tmp_path)
    assert "中和" in text and "吨" in text, text
    assert EVENT in text, text
    assert "特发此证" in text and "0.434吨" in text, text
    assert "12月4日" in text and "12月3日" not in text, text  # the venue's day (UTC was still December 3)
    assert "抵消" not in text
    if shape == "portrait":  # the wide image's title is small and gold, beside the wordmark
        assert "碳中和荣誉证书" in text, text
    (tmp_path.parent / f"ocr-{shape}.png").write_bytes(response.data)  # to look at


def test_ocr_would_notice_a_missing_word(tmp_path):
    """The OCR check can fail: an English certificate has neither 中和 nor 吨."""
    from app.services.certificates.artwork import CertificateData, render_png

    path = tesseract()
    png = render_png(CertificateData(
        number="CD-2026-000001", name="Ana", organization="", event_name="Forum", kg=434, project_name="Forest",
        project_standard="CCER", serials=(), issued_on=dt.date(2026, 12, 4), url="https://example.org/c/x",
        language="en"))
    text = read(path, png, tmp_path)
    assert "中和" not in text and "吨" not in text
