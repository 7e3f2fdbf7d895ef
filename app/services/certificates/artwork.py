"""Carbon Neutral Certificate of Honor: the artwork (PNG in two shapes).

Pure Pillow + qrcode; no Flask, no database. Text is set with the public API of
app/services/certificates/typesetting.py (shared with the posters); ids, numbers and the
printed words come from app/services/certificates/numbers.py and are re-exported
here for callers.

Rendering is deterministic: the same CertificateData and shape always give the
same PNG bytes on the same installation (no timestamps, no metadata).
"""
from __future__ import annotations

import datetime
import functools
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import qrcode
from PIL import (
    Image,
    ImageDraw,
    ImagePalette,  # noqa: F401  (used by quantize; imported lazily otherwise)
)
from qrcode.constants import ERROR_CORRECT_M

from .. import languages
from .numbers import format_date, format_number, format_tonnes, labels, new_token, sentence
from .typesetting import (
    Block,
    Box,
    Span,
    block_height,
    clean_text,
    draw_block,
    draw_line,
    fit_block,
    fit_paragraph,
    font_path_for,
    font_paths,
    line_width,
    missing_glyphs,
    shape_spans,
    strip_line,
    union_box,
)

# Pillow registers its file plugins on first save; do it at import, not in the
# first request.
Image.preinit()

__all__ = [
    "SHAPES",
    "CertificateData",
    "Rendering",
    "format_date",
    "format_number",
    "format_tonnes",
    "font_path_for",
    "font_paths",
    "labels",
    "missing_glyphs",
    "new_token",
    "render_image",
    "render_png",
    "warm_up",
]

SHAPES: dict[str, tuple[int, int]] = {"portrait": (1080, 1350), "wide": (1200, 630)}


@dataclass(frozen=True)
class CertificateData:
    number: str
    name: str
    organization: str
    event_name: str
    kg: int
    project_name: str
    project_standard: str
    serials: tuple[str, ...]
    issued_on: datetime.date  # the venue's calendar day (services/zones.py), not UTC's
    url: str
    language: str = "en"
    demo: bool = False  # paid through the demo provider: the image says no money moved
    organizer: str = ""  # the event's organizer, who issues it with CarbonDot; "" for none
    sponsor: str = ""  # who paid for it from a sponsor's pool (issue #25): "Sponsored by X"; "" for none


# --------------------------------------------------------------------------
# Graphics: palette, emblem, ornaments, QR
# --------------------------------------------------------------------------

CREAM = "#faf6eb"
PAPER_EDGE = "#f1ead7"
GREEN = "#0f5132"
GREEN_DEEP = "#0a3d25"
GOLD = "#b38b3d"
INK = "#1d2b24"
MUTED = "#5f6f66"
WHITE = "#ffffff"

_SS = 4  # supersampling factor for anti-aliased shapes


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _leaf_polygon(cx: float, cy: float, length: float, width: float,
                  angle_deg: float) -> list[tuple[float, float]]:
    """A pointed leaf: half-width sin(pi*t)^0.9, slightly fuller near the base."""
    pts_top, pts_bottom = [], []
    steps = 48
    a = math.radians(angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    for i in range(steps + 1):
        t = i / steps
        x = (t - 0.5) * length
        hw = width / 2 * (math.sin(math.pi * t) ** 0.9) * (1.12 - 0.24 * t)
        pts_top.append((x, -hw))
        pts_bottom.append((x, hw))
    pts = pts_top + pts_bottom[::-1]
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def _rotate(cx: float, cy: float, x: float, y: float, angle_deg: float) -> tuple[float, float]:
    a = math.radians(angle_deg)
    return (cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))


@functools.lru_cache(maxsize=8)
def _emblem(diameter: int) -> Image.Image:
    """Round seal: green disc, gold dotted ring, cream leaf with veins (RGBA)."""
    s = diameter * _SS
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    c = s / 2
    r = s / 2 - _SS
    d.ellipse((c - r, c - r, c + r, c + r), fill=GREEN)
    ring = r * 0.86
    d.ellipse((c - ring, c - ring, c + ring, c + ring), outline=GOLD, width=max(2, int(s * 0.012)))
    dots = 40
    dr = s * 0.011
    for i in range(dots):
        a = 2 * math.pi * i / dots
        x, y = c + r * 0.935 * math.cos(a), c + r * 0.935 * math.sin(a)
        d.ellipse((x - dr, y - dr, x + dr, y + dr), fill=GOLD)
    # leaf, tilted, with a stem and veins in green
    angle = -50
    length, width = r * 1.2, r * 0.64
    d.polygon(_leaf_polygon(c, c, length, width, angle), fill=CREAM)
    vein_w = max(2, int(s * 0.012))
    base = _rotate(c, c, -length / 2, 0, angle)
    tip = _rotate(c, c, length * 0.40, 0, angle)
    stem = _rotate(c, c, -length * 0.66, length * 0.04, angle)
    d.line([stem, base, tip], fill=GREEN, width=vein_w, joint="curve")
    for k in range(1, 5):
        px = -length / 2 + length * k / 5.4
        spread = width * 0.36 * math.sin(math.pi * (k / 5.4 + 0.05))
        for sign in (-1, 1):
            p0 = _rotate(c, c, px, 0, angle)
            p1 = _rotate(c, c, px + spread * 0.9, sign * spread, angle)
            d.line([p0, p1], fill=GREEN, width=max(1, vein_w * 2 // 3))
    return im.reduce(_SS)


def _draw_leaf_mark(draw: ImageDraw.ImageDraw, cx: float, cy: float, size: float,
                    color: str, background: str, angle: float) -> None:
    """A large faint leaf (silhouette + veins in the background colour).

    Drawn without supersampling: at such low contrast no stair-stepping shows,
    and it keeps the first render of a process cheap.
    """
    length, width = size * 0.92, size * 0.50
    draw.polygon(_leaf_polygon(cx, cy, length, width, angle), fill=color)
    base = _rotate(cx, cy, -length / 2, 0, angle)
    tip = _rotate(cx, cy, length * 0.42, 0, angle)
    draw.line([base, tip], fill=background, width=max(2, int(size // 90)))
    for k in range(1, 6):
        px = -length / 2 + length * k / 6.2
        spread = width * 0.38 * math.sin(math.pi * (k / 6.2 + 0.04))
        for sign in (-1, 1):
            draw.line([_rotate(cx, cy, px, 0, angle),
                       _rotate(cx, cy, px + spread * 0.9, sign * spread, angle)],
                      fill=background, width=max(2, int(size // 140)))


@functools.lru_cache(maxsize=16)
def _diamond(size: int, color: str) -> Image.Image:
    s = size * _SS
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    ImageDraw.Draw(im).polygon([(s / 2, 0), (s, s / 2), (s / 2, s), (0, s / 2)], fill=color)
    return im.reduce(_SS)


@functools.lru_cache(maxsize=16)
def _round_rect(w: int, h: int, radius: int, color: str) -> Image.Image:
    big = Image.new("L", (w * _SS, h * _SS), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, w * _SS - 1, h * _SS - 1),
                                          radius=radius * _SS, fill=255)
    mask = big.reduce(_SS)
    im = Image.new("RGBA", (w, h), color)
    im.putalpha(mask)
    return im


def _paste(canvas: Image.Image, sprite: Image.Image, x: float, y: float) -> Box:
    xi, yi = int(round(x)), int(round(y))
    canvas.paste(sprite, (xi, yi), sprite)
    return (xi, yi, xi + sprite.width, yi + sprite.height)


def _divider(canvas: Image.Image, draw: ImageDraw.ImageDraw, cx: float, y: float,
             half: float, color: str = GOLD) -> None:
    """Hairline with a small diamond in the middle."""
    gap = 14
    draw.line([(cx - half, y), (cx - gap, y)], fill=color, width=2)
    draw.line([(cx + gap, y), (cx + half, y)], fill=color, width=2)
    dia = _diamond(13, color)
    _paste(canvas, dia, cx - dia.width / 2, y - dia.height / 2 + 1)


@functools.lru_cache(maxsize=32)
def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    # A fixed mask: any of the 8 is valid for every reader, and trying all 8 for the
    # "best" one was half of a first render (about 50 ms of qrcode's penalty scoring).
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1, mask_pattern=0)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())


def _qr_image(url: str, max_px: int, color: str) -> Image.Image:
    """Crisp QR (integer module size, 4-module white quiet zone) <= max_px square."""
    matrix = _qr_matrix(url)
    n = len(matrix)
    module = max(1, max_px // n)
    small = Image.new("L", (n, n), 0)
    small.putdata([255 if v else 0 for row in matrix for v in row])
    mask = small.resize((n * module, n * module), Image.Resampling.NEAREST)
    im = Image.new("RGB", mask.size, WHITE)
    im.paste(color, (0, 0), mask)
    return im


def _draw_frame(canvas: Image.Image, draw: ImageDraw.ImageDraw, outer: int,
                inner: int, box: Box | None = None) -> None:
    w, h = canvas.size
    x0, y0, x1, y1 = box if box else (0, 0, w, h)
    draw.rectangle((x0 + outer, y0 + outer, x1 - outer - 1, y1 - outer - 1),
                   outline=GREEN, width=4)
    draw.rectangle((x0 + inner, y0 + inner, x1 - inner - 1, y1 - inner - 1),
                   outline=GOLD, width=2)
    dia = _diamond(17, GOLD)
    for cx, cy in ((x0 + inner, y0 + inner), (x1 - inner - 1, y0 + inner),
                   (x0 + inner, y1 - inner - 1), (x1 - inner - 1, y1 - inner - 1)):
        _paste(canvas, dia, cx - dia.width / 2 + 0.5, cy - dia.height / 2 + 0.5)


def _wordmark(canvas: Image.Image, draw: ImageDraw.ImageDraw, x: float, baseline: float,
              size: int, color: str, align: str = "left") -> Box | None:
    """"CarbonDot" with a gold dot: the brand's wordmark."""
    line = strip_line(shape_spans([Span("Carbon", "SemiBold", color), Span("Dot", "Bold", color)]))
    w = line_width(line, size)
    dot = max(4, int(size * 0.28))
    total = w + dot * 1.6
    if align == "center":
        x -= total / 2
    box = draw_line(draw, x, baseline, line, size)
    dx, dy = x + w + dot * 0.55, baseline - dot
    sprite = _round_rect(dot, dot, dot // 2, GOLD)
    return union_box(box, _paste(canvas, sprite, dx, dy))


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

@dataclass
class Rendering:
    """A rendered certificate plus where things were drawn (for tests/callers)."""
    image: Image.Image
    shape: str
    margin: int  # text never comes closer than this to the canvas edge
    boxes: dict[str, Box] = field(default_factory=dict)  # ink boxes by element
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lines as drawn
    name_size: int = 0
    name_ellipsized: bool = False

    @property
    def name_lines(self) -> tuple[str, ...]:
        return self.texts.get("name", ())

    def put(self, key: str, box: Box | None, block: Block | None = None) -> None:
        if box is not None:
            self.boxes[key] = union_box(self.boxes.get(key), box)  # type: ignore[assignment]
        if block is not None:
            self.texts[key] = self.texts.get(key, ()) + block.texts


def _display_name(data: CertificateData, lab: Mapping[str, str]) -> str:
    """The name as given (a character no font draws shows as a box), or the language's "anonymous"."""
    return clean_text(data.name) or lab["anonymous"]


def _certifies(data: CertificateData, lab: Mapping[str, str]) -> str:
    """The words before the name: for a person, or (Filipino "sa" instead of "kay") for no name."""
    return lab["certifies"] if clean_text(data.name) else lab["certifies_no_name"]


# The weight and colour of each part of the sentence (numbers.sentence's roles).
_SENTENCE_STYLE = {"text": ("Regular", MUTED), "tonnes": ("Bold", GREEN), "event": ("SemiBold", INK),
                   "project": ("Medium", INK), "standard": ("Medium", INK)}


def _sentence_spans(data: CertificateData) -> list[Span]:
    return [Span(text, *_SENTENCE_STYLE[role], keep_together=role in ("tonnes", "standard"))
            for role, text in sentence(data.language, data.kg, clean_text(data.event_name),
                                       clean_text(data.project_name), clean_text(data.project_standard))]


def _issuer(data: CertificateData) -> str:
    """Who issues it, as the signature of a certificate: CarbonDot, and the event's organizer."""
    organizer = clean_text(data.organizer)
    return f"CarbonDot \u00b7 {organizer}" if organizer and organizer != "CarbonDot" else "CarbonDot"


def _sponsored(data: CertificateData, lab: Mapping[str, str]) -> str:
    """"Sponsored by X" in the certificate's language, or "" when the visitor paid for it."""
    sponsor = clean_text(data.sponsor)
    return lab["sponsored"].replace("{sponsor}", sponsor) if sponsor else ""


def _serial_lines(serials: tuple[str, ...], lab: Mapping[str, str]) -> list[str]:
    shown = list(serials[:2])
    if len(serials) > 2:
        shown.append(lab["more"].format(n=len(serials) - 2))
    return shown


def render_image(data: CertificateData, shape: str = "portrait") -> Rendering:
    if shape not in SHAPES:
        raise ValueError(f"unknown certificate shape {shape!r}; use one of {sorted(SHAPES)}")
    rendering = _render_portrait(data) if shape == "portrait" else _render_wide(data)
    if data.demo:
        _stamp_demo(rendering, labels(data.language)["demo"])
    return rendering


DEMO_RED = "#b42318"


def _stamp_demo(rendering: Rendering, text: str) -> None:
    """A demo payment's certificate says so where a sharer cannot crop it away without the title."""
    draw = ImageDraw.Draw(rendering.image)
    if rendering.shape == "portrait":  # the top left corner, beside the centred emblem
        left, width, align = rendering.margin, 380, "left"
    else:  # the top right of the paper, left of the green panel
        left, width, align = _WIDE_PANEL_X - rendering.margin - 420, 420, "right"
    block = fit_block([Span(text, "SemiBold", DEMO_RED)], width, 22, 15, max_lines=2)
    draw_block(draw, block, rendering.margin - 18, left, width, align)


def warm_up() -> None:
    """Load fonts, cmaps and the static artwork now (e.g. when a worker starts),
    so the first certificate request does not pay for them."""
    for language in languages.codes():
        for shape in SHAPES:
            render_image(CertificateData(
                number=format_number(0, 2026), name="Ana 王 Niño", organization="CarbonDot",
                event_name="CarbonDot", kg=1234, project_name="CarbonDot", project_standard="VCS",
                serials=("CDCER-0000-0000000001 \u2013 CDCER-0000-0000000002",),
                issued_on=datetime.date(2026, 1, 1), url="https://carbondot.example/c/warm-up",
                language=language), shape)


def render_png(data: CertificateData, shape: str = "portrait") -> bytes:
    """The certificate as PNG bytes; identical input gives identical bytes."""
    image = render_image(data, shape).image
    # A flat design with anti-aliased text needs far fewer than 256 colours:
    # an indexed PNG is a third of the size (faster to share on mobile data)
    # and quicker to encode.  Octree quantisation is deterministic.
    indexed = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    # No pnginfo/exif/time chunks are written; fixed compression settings.
    indexed.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


_PORTRAIT_EMBLEM = (128, 92)  # diameter, top
_WIDE_PANEL_X, _WIDE_EMBLEM = 860, (72, 72, 62)  # panel left; diameter, left, top


@functools.lru_cache(maxsize=2)
def _background(shape: str) -> Image.Image:
    """Everything that does not depend on the certificate: paper, marks, frame, seal."""
    w, h = SHAPES[shape]
    canvas = Image.new("RGB", (w, h), CREAM)
    draw = ImageDraw.Draw(canvas)
    if shape == "portrait":
        _draw_leaf_mark(draw, w / 2, 690, 720, "#f5efdf", CREAM, -50)
        _draw_frame(canvas, draw, outer=30, inner=44)
        d, top = _PORTRAIT_EMBLEM
        _paste(canvas, _emblem(d), (w - d) / 2, top)
    else:
        draw.rectangle((_WIDE_PANEL_X, 0, w, h), fill=GREEN)
        _draw_leaf_mark(draw, w - 70, h - 100, 460, "#14603d", GREEN, -35)
        _draw_frame(canvas, draw, outer=18, inner=30, box=(0, 0, _WIDE_PANEL_X + 1, h))
        d, left, top = _WIDE_EMBLEM
        _paste(canvas, _emblem(d), left, top)
    return canvas


def _render_portrait(data: CertificateData) -> Rendering:
    W, H = SHAPES["portrait"]
    lab = labels(data.language)
    canvas = _background("portrait").copy()
    draw = ImageDraw.Draw(canvas)
    margin = 108  # text column: 108..972 (864 px)
    left, width = margin, W - 2 * margin
    cx = W / 2
    out = Rendering(canvas, "portrait", margin)

    # -- head: emblem (in the background), title, divider
    d, top = _PORTRAIT_EMBLEM
    out.put("emblem", ((W - d) // 2, top, (W - d) // 2 + d, top + d))
    title = fit_block([Span(lab["title"], "SemiBold", GREEN)], width, 46, 36)
    y: float = top + d + 30
    out.put("title", draw_block(draw, title, y, left, width), title)
    y += block_height(title) + 26
    _divider(canvas, draw, cx, y, 150)
    head_bottom = y + 10

    # -- foot: wordmark at the bottom, details band + QR above it
    foot_baseline = H - 74
    out.put("wordmark", _wordmark(canvas, draw, cx, foot_baseline, 26, GREEN, "center"))

    band_bottom = foot_baseline - 56
    qr_card = 232
    qr_img = _qr_image(data.url, qr_card - 24, GREEN_DEEP)
    card = _round_rect(qr_card, qr_card + 40, 18, WHITE)
    band_h = card.height
    band_top = band_bottom - band_h
    card_x = left + width - card.width
    _paste(canvas, card, card_x, band_top)
    draw.rounded_rectangle((card_x, band_top, card_x + card.width - 1, band_top + card.height - 1),
                           radius=18, outline=PAPER_EDGE, width=2)
    qx = card_x + (card.width - qr_img.width) // 2
    qy = band_top + (qr_card - qr_img.height) // 2
    canvas.paste(qr_img, (qx, qy))
    out.put("qr", (qx, qy, qx + qr_img.width, qy + qr_img.height))
    cap = fit_block([Span(lab["scan"], "Medium", GREEN)], card.width - 24, 20, 15, max_lines=1)
    out.put("scan", draw_block(draw, cap, band_top + qr_card - 4, card_x, card.width), cap)

    # details column (left of the QR card)
    col_w = card_x - left - 40
    dy: float = band_top + 4

    def detail(key: str, label: str, values: list[str], value_size: int = 21) -> None:
        nonlocal dy
        lb = fit_block([Span(label.upper(), "SemiBold", GOLD)], col_w, 16, 13, max_lines=1)
        out.put(key, draw_block(draw, lb, dy, left, col_w, "left"))
        dy += block_height(lb) + 8
        for v in values:
            vb = fit_block([Span(v, "Regular", INK)], col_w, value_size, 15, max_lines=1)
            out.put(key, draw_block(draw, vb, dy, left, col_w, "left"), vb)
            dy += block_height(vb) + 6
        dy += 14

    detail("serials", lab["serials"], _serial_lines(data.serials, lab) or ["\u2014"])
    detail("number", lab["number"], [data.number], 22)

    draw.line([(left, band_top - 34), (left + width, band_top - 34)], fill=PAPER_EDGE, width=2)

    # -- the signature, where a certificate has it: the issuer and the date, bottom right of the text
    issuer = fit_block([Span(_issuer(data), "SemiBold", INK)], width * 0.7, 24, 18, 2)
    date = fit_block([Span(format_date(data.issued_on, data.language), "Regular", INK)], width * 0.7, 24, 18, 1)
    sig_top = band_top - 34 - 22 - block_height(date) - 8 - block_height(issuer)
    out.put("issuer", draw_block(draw, issuer, sig_top, left, width, "right"), issuer)
    out.put("issued", draw_block(draw, date, sig_top + block_height(issuer) + 8, left, width, "right"), date)

    # -- hero: the words before the name, the name, the sentence; centred between head and signature
    name = _display_name(data, lab)
    name_block = fit_block([Span(name, "Bold", INK)], width, 84, 50)
    blocks: list[tuple[str, Block, float]] = []  # key, block, gap after
    blocks.append(("certifies", fit_block([Span(_certifies(data, lab), "Regular", MUTED)],
                                     width, 28, 20, 2), 18))
    blocks.append(("name", name_block, 14))
    org = clean_text(data.organization)
    if org:
        blocks.append(("organization", fit_block([Span(org, "Medium", MUTED)], width, 28, 22, 2), 14))
    blocks[-1] = (blocks[-1][0], blocks[-1][1], 30)
    blocks.append(("sentence", fit_paragraph(_sentence_spans(data), width, 34, 24, 5), 0))
    if sponsored := _sponsored(data, lab):
        blocks[-1] = (blocks[-1][0], blocks[-1][1], 22)
        blocks.append(("sponsor", fit_block([Span(sponsored, "SemiBold", GREEN)], width, 28, 20, 2), 0))

    avail_top, avail_bottom = head_bottom + 24, sig_top - 26
    total = sum(block_height(b) + gap for _, b, gap in blocks)
    scale = 1.0
    if total > avail_bottom - avail_top:  # squeeze the gaps, never the text
        text_h = sum(block_height(b) for _, b, _ in blocks)
        gaps = sum(gap for *_, gap in blocks) or 1
        scale = max(0.0, (avail_bottom - avail_top - text_h) / gaps)
        total = text_h + gaps * scale
    y = avail_top + max(0.0, (avail_bottom - avail_top - total) / 2)
    for key, block, gap in blocks:
        out.put(key, draw_block(draw, block, y, left, width), block)
        y += block_height(block) + gap * scale

    out.name_size, out.name_ellipsized = name_block.size, name_block.ellipsized
    return out


def _render_wide(data: CertificateData) -> Rendering:
    W, H = SHAPES["wide"]
    lab = labels(data.language)
    canvas = _background("wide").copy()
    draw = ImageDraw.Draw(canvas)
    panel_x = _WIDE_PANEL_X
    margin = 72
    left, width = margin, panel_x - 2 * margin
    out = Rendering(canvas, "wide", margin)

    # -- right panel (green, in the background): QR card, number
    pw = W - panel_x
    pcx = panel_x + pw / 2
    qr_card = 220
    card = _round_rect(qr_card, qr_card, 16, WHITE)
    card_x, card_y = pcx - qr_card / 2, 78
    _paste(canvas, card, card_x, card_y)
    qr_img = _qr_image(data.url, qr_card - 16, GREEN_DEEP)
    qx = int(card_x + (qr_card - qr_img.width) / 2)
    qy = int(card_y + (qr_card - qr_img.height) / 2)
    canvas.paste(qr_img, (qx, qy))
    out.put("qr", (qx, qy, qx + qr_img.width, qy + qr_img.height))
    pl, pwid = panel_x + 30, pw - 60
    cap = fit_block([Span(lab["scan"], "SemiBold", CREAM)], pwid, 22, 16, 1)
    out.put("scan", draw_block(draw, cap, card_y + qr_card + 22, pl, pwid), cap)
    ny = card_y + qr_card + 92
    draw.line([(pcx - 40, ny - 22), (pcx + 40, ny - 22)], fill=GOLD, width=2)
    numlab = fit_block([Span(lab["number"], "Regular", "#b9d1c2")], pwid, 18, 13, 1)
    out.put("number", draw_block(draw, numlab, ny, pl, pwid))
    num = fit_block([Span(data.number, "SemiBold", CREAM)], pwid, 24, 15, 1)
    out.put("number", draw_block(draw, num, ny + 30, pl, pwid), num)

    # -- left: brand row (emblem is in the background)
    d, ex, ey = _WIDE_EMBLEM
    out.put("emblem", (ex, ey, ex + d, ey + d))
    tx = left + d + 20
    out.put("wordmark", _wordmark(canvas, draw, tx, 62 + 32, 25, GREEN))
    title = fit_block([Span(lab["title"], "Medium", GOLD)], width - (tx - left), 21, 16, 1)
    out.put("title", draw_block(draw, title, 62 + 44, tx, width - (tx - left), "left"), title)
    head_bottom = ey + d

    # -- footer, the signature: issuer and date, bottom right
    foot = fit_block([Span(_issuer(data), "SemiBold", INK),
                      Span("   " + format_date(data.issued_on, data.language), "Regular", INK)], width, 19, 15, 1)
    foot_top = H - 62 - block_height(foot)
    out.put("footer", draw_block(draw, foot, foot_top, left, width, "right"), foot)

    # -- body: the words before the name, the name, the sentence; centred in the space left
    name = _display_name(data, lab)
    certifies = fit_block([Span(_certifies(data, lab), "Regular", MUTED)], width, 22, 16, 1)
    name_block = fit_block([Span(name, "Bold", INK)], width, 64, 36)
    body = fit_paragraph(_sentence_spans(data), width, 26, 17, 4)
    sponsored = _sponsored(data, lab)
    sponsor = fit_block([Span(sponsored, "SemiBold", GREEN)], width, 22, 16, 1) if sponsored else None
    heights = [block_height(certifies), block_height(name_block), block_height(body)]
    gaps = [10, 18]
    total = sum(heights) + sum(gaps) + (12 + block_height(sponsor) if sponsor else 0)
    y = head_bottom + 18 + max(0.0, (foot_top - 18 - (head_bottom + 18) - total) / 2)
    out.put("certifies", draw_block(draw, certifies, y, left, width, "left"), certifies)
    y += heights[0] + gaps[0]
    out.put("name", draw_block(draw, name_block, y, left, width, "left"), name_block)
    y += heights[1] + gaps[1]
    out.put("sentence", draw_block(draw, body, y, left, width, "left"), body)
    if sponsor is not None:
        out.put("sponsor", draw_block(draw, sponsor, y + heights[2] + 12, left, width, "left"), sponsor)

    out.name_size, out.name_ellipsized = name_block.size, name_block.ellipsized
    return out
