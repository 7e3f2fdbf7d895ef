"""Certificate rendering: sizes, determinism, scripts really drawn, QR, layout bounds."""
from __future__ import annotations

import datetime
import hashlib
import io
import os
import re
import struct
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from app.services import languages
from app.services.certificates import artwork as cert
from app.services.certificates import typesetting
from app.services.certificates.artwork import (
    SHAPES,
    CertificateData,
    format_number,
    format_tonnes,
    missing_glyphs,
    new_token,
    render_image,
    render_png,
)
from tests.tools import zbarimg

ROOT = Path(__file__).resolve().parents[2]

NAME_60 = "Maria Concepcion Dela Cruz-Santos Villanueva de los Reyes III"
assert len(NAME_60) >= 60

NAMES = [
    "王小明",
    "李堃喆",
    "Niño Dela Cruz Ñoño",
    "Łukasz Żółć",
    NAME_60,
    "Ana 王",
    "Dong-g\u0303 Ma\u00f1alac",  # g̃ has no precomposed form: g + U+0303
]


def make(**over) -> CertificateData:
    base = dict(
        number="CD-2026-000042",
        name="Niño Dela Cruz",
        organization="Ateneo de Manila",
        event_name="2026 China Digital Carbon Neutrality Forum",
        kg=420,
        project_name="Sichuan Rural Household Biogas",
        project_standard="Gold Standard",
        serials=(
            "CDCER-2021-0000120501 \u2013 CDCER-2021-0000120920",
            "CDCER-2022-0000004401 \u2013 CDCER-2022-0000004402",
        ),
        issued_on=datetime.date(2026, 9, 7),
        url="https://carbondot.example/c/q3Xf8v1kR0bT9mW2yZ4pLw",
        language="en",
    )
    base.update(over)
    return CertificateData(**base)


def decode(png: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(png))
    im.load()
    return im


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("seq", "year", "expected"),
    [(42, 2026, "CD-2026-000042"), (1, 2027, "CD-2027-000001"), (1234567, 2026, "CD-2026-1234567")],
)
def test_format_number(seq, year, expected):
    assert format_number(seq, year) == expected


def test_format_number_rejects_negative():
    with pytest.raises(ValueError):
        format_number(-1, 2026)


@pytest.mark.parametrize(
    ("kg", "expected"),
    [
        (420, "0.42 t"),
        (1, "0.001 t"),
        (425, "0.425 t"),
        (10, "0.01 t"),
        (0, "0.00 t"),
        (999, "0.999 t"),
        (1000, "1.00 t"),
        (1234, "1.234 t"),
        (1234567, "1,234.567 t"),
    ],
)
def test_format_tonnes(kg, expected):
    assert format_tonnes(kg) == expected


def test_format_tonnes_rejects_negative():
    with pytest.raises(ValueError):
        format_tonnes(-5)


def test_new_token_is_urlsafe_long_and_unique():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for t in list(tokens)[:50]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,32}", t)
        assert len(t) * 6 >= 128  # >= 128 bits of base64url


# The certificate's words as they were printed before they moved into the catalogues (msgctxt "certificate").
# Issue #24: the sentence is one template per language (a real 荣誉证书: 中和 and 吨, 特发此证; Filipino kay/sa).
PRINTED = {
    "zh": {"title": "碳中和荣誉证书", "certifies": "兹证明", "certifies_no_name": "兹证明",
           "body": "参加{event}，通过支持{project}（{standard}），中和二氧化碳当量 {tonnes}，特发此证。",
           "body_everyday": "通过支持{project}（{standard}），中和二氧化碳当量 {tonnes}，特发此证。",
           "tonnes": "%(n)s 吨",
           "serials": "减排量序列号", "number": "证书编号", "verify": "验证", "scan": "扫码验证",
           "anonymous": "匿名访客", "more": "另有 {n} 段", "co2e": "CO\u2082e", "demo": "演示：未发生真实付款",
           "sponsored": "由 {sponsor} 赞助"},
    "fil": {"title": "Sertipiko ng Karangalan sa Carbon Neutral", "certifies": "Ang sertipikong ito ay iginagawad kay",
            "certifies_no_name": "Ang sertipikong ito ay iginagawad sa",
            "body": "dahil sa pakikilahok sa {event} at sa pag-neutralize ng {tonnes} CO\u2082e sa pamamagitan ng "
                    "pagsuporta sa {project} ({standard}).",
            "body_everyday": "dahil sa pag-neutralize ng {tonnes} CO\u2082e sa pamamagitan ng pagsuporta sa {project} "
                             "({standard}).",
            "tonnes": "%(n)s t",
            "serials": "Mga serial number", "number": "Blg. ng Sertipiko",
            "verify": "I-verify", "scan": "I-scan para i-verify", "anonymous": "Di-kilalang bisita", "more": "+{n} pa",
            "co2e": "CO\u2082e", "demo": "DEMO: walang perang gumalaw", "sponsored": "Sponsored ng {sponsor}"},
}


def test_labels_fallback_and_aliases():
    assert cert.labels("de") is cert.labels("en")
    assert cert.labels(None) is cert.labels("en")
    assert cert.labels("zh-CN") is cert.labels("zh")
    assert cert.labels("zh_Hans") is cert.labels("zh")
    assert cert.labels("tl") is cert.labels("fil")
    assert cert.labels("en")["title"] == "Carbon Neutral Certificate of Honor"
    for code, printed in PRINTED.items():
        assert dict(cert.labels(code)) == printed


def test_format_date_per_language():
    d = datetime.date(2026, 9, 7)
    assert cert.format_date(d, "en") == "September 7, 2026"  # Babel's long English date (was "7 September 2026")
    assert cert.format_date(d, "zh") == "2026年9月7日"
    assert cert.format_date(d, "fil") == "Setyembre 7, 2026"


# ---------------------------------------------------------------- PNG basics


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_png_has_exact_size(shape):
    im = decode(render_png(make(), shape))
    assert im.format == "PNG"
    assert im.size == SHAPES[shape]


def test_default_shape_is_portrait_and_unknown_shape_rejected():
    assert decode(render_png(make())).size == (1080, 1350)
    with pytest.raises(ValueError):
        render_png(make(), "square")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_render_is_deterministic(shape):
    data = make(name="Ana 王")
    first = render_png(data, shape)
    assert render_png(data, shape) == first
    assert render_png(replace(data), shape) == first
    # and the bytes do depend on the content
    assert render_png(replace(data, number="CD-2026-000043"), shape) != first


def _chunks(png: bytes) -> list[bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        out.append(png[pos + 4:pos + 8])
        pos += 12 + length
    return out


def test_png_carries_no_metadata():
    chunks = _chunks(render_png(make()))
    assert set(chunks) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}, chunks


def test_render_is_identical_in_a_fresh_interpreter():
    """No dependence on hash seeds or on what an earlier render left in caches."""
    data = make(name="李堃喆 Ana", language="zh")
    code = (
        "import datetime, hashlib, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from app.services.certificates.artwork import CertificateData, render_png\n"
        f"d = CertificateData(**{ {k: getattr(data, k) for k in data.__dataclass_fields__}!r})\n"
        "print(hashlib.sha256(render_png(d, 'portrait')).hexdigest())\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, check=True, timeout=120)
    assert res.stdout.strip() == hashlib.sha256(render_png(data, "portrait")).hexdigest()


# ---------------------------------------------------------------- fonts


def test_font_files_come_from_the_pip_packages():
    import fontpkg_noto_sans
    import pylopdf_fonts_zh_cn

    latin, cjk, *system = cert.font_paths()
    assert system in ([], ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"])  # Debian fonts-noto-cjk
    assert Path(latin).is_relative_to(Path(fontpkg_noto_sans.__file__).parent)
    assert Path(cjk).is_relative_to(Path(pylopdf_fonts_zh_cn.__file__).parent)
    assert cert.font_path_for("a") == latin
    assert cert.font_path_for("Ł") == latin  # Noto Sans SC lacks Ł: must not pick it
    assert cert.font_path_for("ñ") == latin
    assert cert.font_path_for("王") == cjk
    assert cert.font_path_for("堃") == cjk
    assert cert.font_path_for("\U0001F331") is None  # emoji: nothing bundled draws it


@pytest.mark.parametrize("name", NAMES)
def test_names_have_no_missing_glyphs(name):
    assert missing_glyphs(name) == []


def test_missing_glyphs_reports_uncovered_characters_only():
    assert missing_glyphs("Ana \U0001F331\ufe0f\u200d") == ["\U0001F331"]
    assert missing_glyphs("\ue000x\ue000") == ["\ue000"]
    assert missing_glyphs("") == []


def _glyph_bitmap(path: str, text: str) -> Image.Image:
    font = ImageFont.truetype(path, 64, index=typesetting._face(path).index)
    im = Image.new("L", (200, 120), 0)
    ImageDraw.Draw(im).text((20, 90), text, font=font, fill=255, anchor="ls")
    return im


def _drawn_differs_from_notdef(path: str, text: str) -> bool:
    glyph = _glyph_bitmap(path, text)
    notdef = _glyph_bitmap(path, "\U0010FFFD")  # a code point no font maps
    return glyph.getbbox() is not None and ImageChops.difference(glyph, notdef).getbbox() is not None


def test_notdef_comparison_detects_tofu():
    """The check below can fail: a CJK character in the Latin font is .notdef."""
    latin, cjk, *_ = cert.font_paths()
    assert not _drawn_differs_from_notdef(latin, "王")
    assert not _drawn_differs_from_notdef(cjk, "\ue000")
    assert _drawn_differs_from_notdef(cjk, "王")


@pytest.mark.parametrize("name", NAMES)
def test_every_character_of_the_name_is_a_real_glyph(name):
    for cluster in typesetting._clusters(typesetting.clean_text(name)):
        if cluster == " ":
            continue
        path = cert.font_path_for(cluster)
        assert path is not None, cluster
        assert _drawn_differs_from_notdef(path, cluster), (name, cluster, path)


def test_combining_mark_is_drawn_with_its_base():
    g_tilde = "g\u0303"
    assert typesetting._clusters("Dong-g\u0303") == ["D", "o", "n", "g", "-", g_tilde]
    path = cert.font_path_for(g_tilde)
    assert path == cert.font_paths()[0]
    # the tilde really adds ink on top of the g
    assert ImageChops.difference(_glyph_bitmap(path, g_tilde), _glyph_bitmap(path, "g")).getbbox()
    # a decomposed ñ is normalised to the precomposed letter
    assert typesetting.clean_text("Nin\u0303o") == "Niño"


def test_fast_coverage_equals_fonttools_best_cmap():
    for path in cert.font_paths():
        font = TTFont(path, lazy=True, fontNumber=typesetting._face(path).index if path.endswith(".ttc") else -1)
        notdef = font.getGlyphOrder()[0]
        expected = {cp for cp, glyph in font.getBestCmap().items() if glyph != notdef}
        assert typesetting._coverage(path) == expected


def test_patched_latin_font_keeps_every_glyph_and_advance():
    """The in-memory font (fpgm added for speed) maps and measures exactly like the file."""
    latin = cert.font_paths()[0]
    source = typesetting._font_source(latin)
    patched = Path(source).read_bytes() if isinstance(source, str) else source.read()
    assert patched != Path(latin).read_bytes()
    a, b = TTFont(latin, lazy=True), TTFont(io.BytesIO(patched), lazy=True)
    assert "fpgm" in b and "fpgm" not in a
    assert a.getBestCmap() == b.getBestCmap()
    sample = "Niño Dela Cruz Łukasz Żółć AVATAR g\u0303 0.42 t CO\u2082e"
    for weight in ("Regular", "Bold"):
        original = ImageFont.truetype(latin, 40)
        original.set_variation_by_name(weight)
        assert typesetting._font(latin, 40, weight).getlength(sample) == pytest.approx(original.getlength(sample))


# ---------------------------------------------------------------- the name on the certificate


def _ink_pixels(im: Image.Image, box) -> int:
    """Pixels in box noticeably darker than the cream paper."""
    region = im.convert("L").crop(box)
    return sum(region.histogram()[:160])


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", NAMES)
def test_name_is_drawn_in_the_name_region(name, shape):
    data = make(name=name, language="zh" if "王" in name else "en")
    r = render_image(data, shape)
    assert missing_glyphs(name) == []
    assert "".join(r.name_lines).replace(" ", "") == typesetting.clean_text(name).replace(" ", "")
    box = r.boxes["name"]
    im = decode(render_png(data, shape))
    assert _ink_pixels(im, box) > 150 * len(typesetting.clean_text(name).replace(" ", ""))
    # the region is only ink because of the name: with another name it changes
    other = decode(render_png(replace(data, name="Zed"), shape))
    assert ImageChops.difference(im.convert("RGB").crop(box), other.convert("RGB").crop(box)).getbbox()


@pytest.mark.parametrize("language", languages.codes())
def test_empty_name_prints_localized_anonymous(language):
    for name in ("", "   ", "\ufe0f\u200d"):
        r = render_image(make(name=name, language=language), "portrait")
        assert r.name_lines == (cert.labels(language)["anonymous"],)
        assert r.texts["certifies"] == (cert.labels(language)["certifies_no_name"],)


def test_uncoverable_characters_are_boxed_never_dropped():
    """Issue #24: what no font draws (an emoji; 𠮷 where Debian's CJK font is absent) shows as a box."""
    for name in ("Ana \U0001F331", "\U0001F331"):
        r = render_image(make(name=name), "portrait")
        assert r.name_lines == (name.replace("\U0001F331", typesetting.TOFU),)
    r = render_image(make(name="\U00020BB7田", language="zh"), "portrait")  # 𠮷田
    expected = "\U00020BB7田" if cert.font_path_for("\U00020BB7") else typesetting.TOFU + "田"
    assert r.name_lines == (expected,)
    assert typesetting.font_path_for(typesetting.TOFU) is not None


def test_unknown_language_falls_back_to_english():
    r = render_image(make(language="de"), "portrait")
    assert r.texts["title"] == ("Carbon Neutral Certificate of Honor",)
    r = render_image(make(language="zh"), "portrait")
    assert r.texts["title"] == ("碳中和荣誉证书",)


def test_many_serials_show_first_two_and_a_count():
    serials = tuple(f"CDCER-2021-00001{i:05d} \u2013 CDCER-2021-00001{i:05d}" for i in range(5))
    r = render_image(make(serials=serials), "portrait")
    assert r.texts["serials"] == (serials[0], serials[1], "+3 more")
    r = render_image(make(serials=serials[:1], language="zh"), "portrait")
    assert r.texts["serials"] == (serials[0],)
    r = render_image(make(serials=serials, language="zh"), "portrait")
    assert r.texts["serials"][-1] == "另有 3 段"


# ---------------------------------------------------------------- long names and layout bounds


def _gutters(r):
    """Columns between the decorative frame and the text margin: paper only."""
    w, _ = r.image.size
    if r.shape == "portrait":
        return [(52, r.margin - 2), (w - r.margin + 2, w - 52)]
    return [(36, r.margin - 2), (860 - r.margin + 2, 860 - 36)]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize(
    "name",
    [NAME_60, "W" * 120, "王" * 90, "Supercalifragilisticexpialidocious-Wolfeschlegelsteinhausen Ñoño"],
)
def test_long_names_stay_inside_the_margins(name, shape):
    r = render_image(make(name=name, organization="Asian Institute of Sustainable Futures"), shape)
    w, h = r.image.size
    x0, y0, x1, y1 = r.boxes["name"]
    assert r.margin <= x0 and x1 <= (w - r.margin if shape == "portrait" else 860 - r.margin)
    assert 0 < y0 < y1 < h
    assert 1 <= len(r.name_lines) <= 2
    # measured on the pixels, not on the layout: nothing drawn in the gutters
    # anywhere along the name's rows
    im = decode(render_png(make(name=name, organization="Asian Institute of Sustainable Futures"), shape))
    im = im.convert("RGB")
    paper = im.getpixel((_gutters(r)[0][0] + 2, y0))
    for gx0, gx1 in _gutters(r):
        colors = im.crop((gx0, y0, gx1, y1)).getcolors()
        assert colors is not None and [c for _, c in colors] == [paper], (gx0, gx1)


def test_a_60_char_name_is_wrapped_not_cut_on_portrait():
    r = render_image(make(name=NAME_60), "portrait")
    assert len(r.name_lines) == 2
    assert not r.name_ellipsized
    assert " ".join(r.name_lines).replace("- ", "-") == NAME_60


def test_an_unbreakable_huge_name_is_ellipsized():
    for name in ("W" * 200, "王" * 200):
        r = render_image(make(name=name), "portrait")
        assert r.name_ellipsized
        assert len(r.name_lines) == 2
        assert r.name_lines[-1].endswith("\u2026")


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("language", languages.codes())
def test_worst_case_content_does_not_overlap(shape, language):
    data = make(
        name=NAME_60 + " " + NAME_60,
        organization="The Extraordinarily Long Name of an Organization for Sustainable Futures",
        event_name="The 2026 International Conference on Digital Carbon Neutrality and Climate "
                   "Finance, Chengdu, Sichuan Province",
        project_name="Sichuan Rural Household Biogas Development Programme of Activities, "
                     "Phase II",
        project_standard="Gold Standard for the Global Goals",
        serials=tuple(f"CDCER-2021-00001{i:05d} \u2013 CDCER-2021-00001{i:05d}" for i in range(9)),
        kg=123456789,
        language=language,
    )
    r = render_image(data, shape)
    w, h = r.image.size
    boxes = {k: v for k, v in r.boxes.items()}
    for key, (x0, y0, x1, y1) in boxes.items():
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, key
    keys = sorted(boxes)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])


# ---------------------------------------------------------------- QR


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize(
    "url",
    [
        "https://carbondot.example/c/q3Xf8v1kR0bT9mW2yZ4pLw",
        "https://certificates.carbondot.example/zh/c/" + "A" * 40 + "?utm_source=share",
    ],
)
def test_qr_decodes_to_the_certificate_url(shape, url, tmp_path):
    path = tmp_path / f"{shape}.png"
    path.write_bytes(render_png(make(url=url), shape))
    res = subprocess.run([zbarimg(), "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines() == [url]


def test_qr_sits_in_the_layout_with_a_quiet_zone():
    for shape in SHAPES:
        r = render_image(make(), shape)
        x0, y0, x1, y1 = r.boxes["qr"]
        assert x1 - x0 == y1 - y0 >= 150
        # the 4-module quiet zone is part of the drawn QR: its border is white
        border = r.image.crop((x0, y0, x1, y0 + 4))
        assert border.getcolors() == [((x1 - x0) * 4, (255, 255, 255))]


# ---------------------------------------------------------------- issue #24: the wording and the line breaking


def _sentence(r) -> str:
    """The sentence as read: lines joined by a space, except between two CJK characters."""
    out = ""
    for line in r.texts["sentence"]:
        out += ("" if not out or (ord(out[-1]) > 0x2E80 or ord(line[0]) > 0x2E80) else " ") + line
    return out


def test_the_chinese_certificate_reads_like_a_real_one():
    data = make(name="张三", organization="", event_name="首届中国数字碳中和高峰论坛", project_name="凉山森林恢复项目",
                project_standard="CCER", kg=434, language="zh", organizer="成都会展集团",
                issued_on=datetime.date(2026, 12, 4))
    for shape in sorted(SHAPES):
        r = render_image(data, shape)
        assert _sentence(r) == ("参加首届中国数字碳中和高峰论坛，通过支持凉山森林恢复项目（CCER），"
                                "中和二氧化碳当量 0.434 吨，特发此证。")
        assert "抵消" not in _sentence(r) and " t " not in _sentence(r)
        signature = r.texts["footer"] if shape == "wide" else r.texts["issuer"] + r.texts["issued"]
        assert "成都会展集团" in " ".join(signature) and "2026年12月4日" in " ".join(signature)
    r = render_image(data, "portrait")
    assert r.texts["certifies"] == ("兹证明",)
    # the signature sits bottom right: right of the centre, below the sentence
    assert r.boxes["issued"][0] > SHAPES["portrait"][0] / 2 and r.boxes["issued"][1] > r.boxes["sentence"][3]
    everyday = render_image(replace(data, event_name=""), "portrait")
    assert _sentence(everyday) == "通过支持凉山森林恢复项目（CCER），中和二氧化碳当量 0.434 吨，特发此证。"


def test_filipino_says_kay_for_a_person_and_sa_otherwise():
    r = render_image(make(language="fil"), "portrait")
    assert r.texts["certifies"] == ("Ang sertipikong ito ay iginagawad kay",)
    assert _sentence(r).startswith("dahil sa pakikilahok sa 2026 China Digital Carbon Neutrality Forum")
    r = render_image(make(language="fil", name=""), "portrait")
    assert r.texts["certifies"] == ("Ang sertipikong ito ay iginagawad sa",)
    assert r.name_lines == ("Di-kilalang bisita",)


def test_english_keeps_its_words():
    r = render_image(make(kg=434), "portrait")
    assert r.texts["certifies"] == ("This certifies that",)
    assert " ".join(r.texts["sentence"]) == ("has neutralized 0.434 t CO\u2082e at 2026 China Digital Carbon "
                                             "Neutrality Forum through Sichuan Rural Household Biogas (Gold Standard).")


KINSOKU_TEXT = ("参加首届中国数字碳中和高峰论坛（成都），通过支持「凉山森林恢复项目」、「雅安竹林」！"
                "中和二氧化碳当量 0.434 吨。特发此证？")


@pytest.mark.parametrize("width", range(150, 700, 23))
def test_kinsoku_no_line_starts_with_closing_punctuation(width):
    text = KINSOKU_TEXT
    block = typesetting.fit_paragraph([typesetting.Span(text)], width, 30, 30, 20)
    lines = block.texts
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert len(lines) > 1
    for line in lines[1:]:
        assert line[0] not in typesetting.NO_LINE_START, lines
    for line in lines[:-1]:
        assert line[-1] not in typesetting.NO_LINE_END, lines


def test_kinsoku_check_can_fail():
    """Without the rule, a narrow measure does put a comma first on a line (so the test above means something)."""
    text = KINSOKU_TEXT
    clusters = typesetting.shape_spans([typesetting.Span(text)])
    plain = [typesetting._Cluster(c.text, c.path, c.weight, c.fill, 2) for c in clusters]
    starts = [typesetting._greedy(plain, 30, w) for w in range(150, 700, 23)]
    assert any(plain[i].text in typesetting.NO_LINE_START for s in starts for i in s[1:])


def test_a_figure_and_its_unit_stay_on_one_line():
    for width in range(200, 800, 17):
        block = typesetting.fit_paragraph(
            [typesetting.Span("中和二氧化碳当量 "), typesetting.Span("1,234.567 吨", keep_together=True),
             typesetting.Span("，特发此证。")], width, 30, 30, 20)
        assert any("1,234.567 吨" in line for line in block.texts), block.texts


LONG_ORGANIZATION = ("The Extraordinarily Long Name of an International Organization for Sustainable Development "
                     "and Climate Finance Cooperation in the Asia-Pacific Region")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_long_latin_organization_name_is_never_cut_inside_a_word(shape):
    words = set(LONG_ORGANIZATION.replace("-", "- ").split())
    r = render_image(make(organization=LONG_ORGANIZATION, organizer=LONG_ORGANIZATION,
                          event_name=LONG_ORGANIZATION), shape)
    for key in ("organization", "issuer", "sentence", "footer"):
        for line in r.texts.get(key, ()):
            for word in line.replace("-", "- ").replace("\u2026", "").split():
                assert word.strip(".,()\u00b7") in words | {"", "CarbonDot", "has", "neutralized", "0.42", "t",
                                                           "CO\u2082e", "at", "through", "Sichuan", "Rural",
                                                           "Household", "Biogas", "Gold", "Standard",
                                                           "September", "7,", "2026", "7"}, (key, line)


def test_ellipsis_ends_on_a_whole_word():
    block = typesetting.fit_block([typesetting.Span(LONG_ORGANIZATION)], 500, 28, 22, 1)
    assert block.ellipsized
    kept = block.texts[0].removesuffix("\u2026").split()
    assert kept == LONG_ORGANIZATION.split()[: len(kept)]


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("language, words", [("en", "Sponsored by Panda Bank"), ("zh", "由 Panda Bank 赞助"),
                                              ("fil", "Sponsored ng Panda Bank")])
def test_a_sponsored_certificate_says_who_sponsored_it_in_its_language(shape, language, words):
    """Issue #25: an attendee's certificate paid from a sponsor's pool says "Sponsored by X" on the image too,
    below the sentence, inside the margins and clear of the signature; a bought one says nothing of it."""
    r = render_image(make(language=language, sponsor="Panda Bank"), shape)
    assert " ".join(r.texts["sponsor"]) == words
    x0, y0, x1, y1 = r.boxes["sponsor"]
    w = r.image.size[0] if shape == "portrait" else 860
    assert r.margin <= x0 and x1 <= w - r.margin
    assert r.boxes["sentence"][3] < y0
    signature = r.boxes["issuer"] if shape == "portrait" else r.boxes["footer"]
    assert y1 < signature[1]
    assert "sponsor" not in render_image(make(language=language), shape).texts
