"""QR posters: the code decodes to the exact event URL, every format is what it
says, and names in any script fit the page."""
import io
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from app.services.certificates import posters, typesetting
from app.services.certificates.artwork import missing_glyphs
from tests.tools import zbarimg

URL = "https://carbondot.example/e/cdcn-forum-2021"


def data(name="China Digital Carbon Neutrality Forum", url=URL, color="#0f5132", **extra) -> posters.PosterData:
    return posters.PosterData(event_name=name, url=url, call_to_action="Scan to be carbon neutral",
                              hint="Work out your trip's footprint and get your certificate.",
                              details="Chengdu Global Center · 2026-09-07", color=color, **extra)


def decode(png: bytes, tmp_path) -> list[str]:
    path = tmp_path / "poster.png"
    path.write_bytes(png)
    result = subprocess.run([zbarimg(), "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("size", ["a4", "a6", "screen"])
def test_the_printed_code_decodes_to_the_exact_event_url(tmp_path, size):
    png = posters.render(data(), size, "png")
    assert decode(png, tmp_path) == [URL]


def test_a_chinese_name_and_a_light_colour_still_decode(tmp_path):
    url = "http://127.0.0.1:5000/e/chengdu-event-2"
    png = posters.render(data(name="首届中国数字碳中和论坛（成都）", url=url, color="#ffe066"), "a6", "png")
    assert decode(png, tmp_path) == [url]


@pytest.mark.parametrize("size, mm, dpi", [("a4", (210, 297), 200), ("a6", (105, 148), 300)])
def test_png_and_pdf_have_the_paper_size(size, mm, dpi):
    png = Image.open(io.BytesIO(posters.render(data(), size, "png")))
    assert png.size == tuple(round(v / 25.4 * dpi) for v in mm)
    assert round(png.info["dpi"][0]) == dpi
    pdf = posters.render(data(), size, "pdf")
    assert pdf.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    points = tuple(float(v) for v in box.groups())
    assert all(abs(p - m / 25.4 * 72) < 1.5 for p, m in zip(points, mm, strict=True))


def test_svg_is_vector_with_the_qr_path_and_the_texts():
    svg = posters.render(data(name="Forum <&> 2026"), "a4", "svg")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("width") == "210mm" and root.get("height") == "297mm"
    texts = " ".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "Forum <&> 2026" in texts and "Scan to be carbon neutral" in texts
    assert "carbondot.example/e/cdcn-forum-2021" in texts
    assert any(p.get("d", "").startswith("M") for p in root.iter(f"{ns}path"))
    assert root.find(f"{ns}title").text == "carbondot.example/e/cdcn-forum-2021"


def test_qr_uses_high_error_correction():
    # Level H needs a bigger symbol than M for the same URL: version 5 (37 modules + 8 of quiet zone).
    assert len(posters.qr_matrix(URL)) == 37 + 8


@pytest.mark.parametrize("name", [
    "首届中国数字碳中和论坛（成都）",
    "Kumperensya ng Pilipinas sa Pagbabago ng Klima — Niño, Ñañez",
    "A" * 200,
])
def test_names_fit_inside_the_margins_in_any_script(name):
    lay = posters.layout(data(name=name), "a4")
    texts = [op for op in lay.ops if isinstance(op, posters.Text)]
    assert not missing_glyphs(name)
    drawn = " ".join("".join(c.text for c in line) for op in texts for line in op.block.lines)
    assert name[:10] in drawn
    for op in texts:
        assert op.left >= 0.07 * lay.width and op.left + op.width <= 0.93 * lay.width
        assert len(op.block.lines) <= 2
        for line in op.block.lines:
            assert typesetting.line_width(line, op.block.size) <= op.width + 1


def test_text_on_the_band_stays_readable():
    assert posters.on_color("#0f5132") == posters.WHITE
    assert posters.on_color("#ffe066") == posters.INK
    assert posters.accent("#ffe066") == posters.DEFAULT_COLOR  # too light for text on white paper
    assert posters.contrast("#000000", "#ffffff") == pytest.approx(21)


def test_readable_url_and_bad_arguments():
    assert posters.readable_url("https://carbondot.example/e/x/") == "carbondot.example/e/x"
    with pytest.raises(ValueError):
        posters.render(data(), "a3", "png")
    with pytest.raises(ValueError):
        posters.render(data(), "a4", "gif")


def test_the_screen_slide_is_full_hd_landscape_with_a_big_code(tmp_path):
    lay = posters.layout(data(name="首届中国数字碳中和论坛（成都）"), "screen")
    assert (lay.width, lay.height) == (1920, 1080)
    code = next(op for op in lay.ops if isinstance(op, posters.QR))
    assert code.module * code.modules >= 600 and code.left > lay.width / 2  # the code on the right, readable afar
    assert Image.open(io.BytesIO(posters.render(data(), "screen", "png"))).size == (1920, 1080)
