"""The methodology page's tables speak the page's language: notes, units, comparisons and averages."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from app.services import footprint
from app.services.footprint import life, methodology


def page(client, lang: str) -> str:
    return htmllib.unescape(client.get(f"/methodology?lang={lang}").get_data(as_text=True))


@pytest.mark.parametrize("lang", ["zh", "fil"])
def test_no_factor_note_or_unit_is_left_in_english(client, lang):
    text = page(client, lang)
    for f in footprint.factor_table():
        if f.note:
            assert f.note[:60] not in text, (lang, f.id)
    for c in footprint.comparison_table():
        # a basis may begin with a title (a citation, kept as published): the whole basis must not be English
        assert c.note[:60] not in text and c.basis not in text and c.what not in text, (lang, c.id)
    for a in life.averages():
        assert a.note[:60] not in text and f"{a.unit}<" not in text, (lang, a.id)
    for c in methodology.changes():
        assert c.what not in text and c.why[:60] not in text, (lang, c.key)
    for r in methodology.carbonstop():
        assert r.why[:60] not in text and f"{r.value} {r.unit}<" not in text, (lang, r.key)
    units = {f.unit for f in footprint.factor_table()} - ({"km", "km (great-circle)"} if lang == "fil" else set())
    shown = set(re.findall(r"</strong> ([^<]+)</td>", text)) | set(re.findall(r"</strong> ([^<]+) <code>", text))
    assert not units & shown, (lang, units & shown)


def test_known_rows_read_in_chinese(client):
    text = page(client, "zh")
    assert "DESNZ 类别：英国国内航班（往返英国） / 平均乘客 / 含辐射强迫。" in text
    assert "<strong>0.22928</strong> 千克CO₂e/人公里" in text  # GLOSSARY.md: 千克 on Chinese pages
    assert "<strong>不经英国的航班，经济舱，含辐射强迫</strong><br><code>flight:international:economy:rf</code>" in text
    assert "<strong>酒店间夜：菲律宾</strong>" in text and "<strong>单次行程最远距离：高铁</strong>" in text
    assert "DESNZ 表中的“China”行。" in text and "千克CO₂e/间夜" in text
    assert "覆盖省份：四川、重庆、西藏" in text
    assert "推算：100 g 牛肉 × 99.48 + 100 g 大米 × 4.45" in text  # a meal worked out in code
    # a Chinese document is cited by its Chinese title
    assert "生态环境部、国家统计局关于发布 2023 年电力二氧化碳排放因子的公告" in text
    assert "（区域电力平均二氧化碳排放因子，西南）" in text
    assert "1.3524万亿 kWh" in text and "每人每天 2.6284 kWh" in text  # the comparison's basis and note
    assert "<td>中国<br>" in text and "<td>全球<br>" in text and "8.4</strong> 吨CO₂/人/年" in text
    assert "<strong>6,371.0088</strong> 公里" in text  # the earth's radius, grouped as the locale does
    assert "150 g 卷心菜和西兰花" in text  # meal portions name the ingredient
    # source titles stay as published
    assert "UK Government GHG Conversion Factors for Company Reporting 2025" in text


def test_known_rows_read_in_filipino(client):
    text = page(client, "fil")
    assert "Kategorya ng DESNZ: Domestic, papunta/mula sa UK / Average na pasahero / May RF." in text
    assert "kg CO₂e bawat pasahero-km" in text and "Row na 'Philippines' ng DESNZ." in text
    assert "<strong>Gabi sa hotel bawat kuwarto: Pilipinas</strong>" in text
    assert "Kinuwenta: 100 g " in text and "Zero ang direktang emissions" in text
    assert "<td>Buong mundo<br>" in text and "<td>1 punong lumalaki nang isang taon<br>" in text
    assert "150 g repolyo at broccoli" in text


def test_the_english_page_keeps_the_data_files_english(client):
    text = page(client, "en")
    f = footprint.factor("hotel:CN")
    assert f.note in text and "kg CO₂e per room night" in text and "100 g beef" in text
    assert "Derived: 100 g beef x 99.48" in text and "<td>China<br>" in text
