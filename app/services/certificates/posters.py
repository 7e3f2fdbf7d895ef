"""QR posters for the venue: an A4 poster and an A6 table card, as PNG, SVG or PDF.

One layout, two back ends: `layout` places the coloured band, the texts, the
QR code and the address as drawing operations in pixels; `render` paints them
with Pillow (PNG, and PDF through Pillow's PDF writer at the page's
resolution) or writes them as SVG (the QR code as a path from
qrcode.image.svg, the texts as <text> for the viewer's fonts).

The QR code uses error correction level H (30 % of the code can be dirty,
torn or covered and it still scans), a 4-module quiet zone and whole-pixel
modules. Texts go through the certificate's font chain (Noto Sans, then Noto
Sans SC), so a Chinese event name renders in the raster formats.

No Flask: the caller passes the absolute URL and the texts in the reader's
language.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_H

# The certificate's font chain and text fitting (runs per font, shrink, wrap,
# ellipsize): one implementation for every image CarbonDot draws.
from .typesetting import ASCENT, LEADING, Block, Span, block_height, draw_block, fit_block, line_text, line_width

# Page sizes in millimetres, and the raster resolution for each: the table card
# is read from closer, so it gets more dots per inch.
SIZES: dict[str, tuple[float, float]] = {"a4": (210, 297), "a6": (105, 148), "screen": (508, 285.75)}
DPI: dict[str, int] = {"a4": 200, "a6": 300, "screen": 96}  # "screen": 1920 x 1080 px for a venue display
FORMATS = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

INK = "#1d2b24"
MUTED = "#54615a"
WHITE = "#ffffff"
PAPER = "#ffffff"
GOLD = "#b38b3d"
DEFAULT_COLOR = "#0f5132"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_WEIGHTS = {"Regular": 400, "Medium": 500, "SemiBold": 600, "Bold": 700}
SVG_FONTS = "'Noto Sans', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif"


@dataclass(frozen=True)
class PosterData:
    event_name: str
    url: str  # absolute: what the QR code carries
    call_to_action: str  # "Scan to be carbon neutral"
    hint: str = ""  # one line under the address
    details: str = ""  # venue · date, in the bottom band
    color: str = DEFAULT_COLOR
    printed_url: str = ""  # the address printed under the code, when it differs (no ?src=); else url


# --------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------

def readable_url(url: str) -> str:
    """What people can type: no scheme, no trailing slash."""
    return re.sub(r"^https?://", "", url).rstrip("/")


def _rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def on_color(color: str) -> str:
    """White or ink, whichever reads better on `color`."""
    return WHITE if contrast(color, WHITE) >= contrast(color, INK) else INK


def accent(color: str) -> str:
    """The event colour if it reads on white paper (3:1, large text); else the default green."""
    return color if contrast(color, PAPER) >= 3 else DEFAULT_COLOR


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules at level H, with the 4-module quiet zone included."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=4, box_size=1)
    qr.add_data(url)
    qr.make(fit=True)
    return [[bool(v) for v in row] for row in qr.get_matrix()]


def qr_svg_path(url: str) -> tuple[str, int]:
    """The QR code as one SVG path (1 unit per module, quiet zone included) and its side in modules."""
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, error_correction=ERROR_CORRECT_H,
                      border=4, box_size=10)
    return img.path.get("d"), img.width + 2 * img.border


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Rect:
    box: tuple[float, float, float, float]
    fill: str
    radius: float = 0
    outline: str | None = None
    outline_width: float = 0


@dataclass(frozen=True)
class Text:
    block: Block
    top: float
    left: float
    width: float
    fill: str
    align: str = "center"


@dataclass(frozen=True)
class QR:
    left: int
    top: int
    module: int  # pixels per module
    modules: int  # side, quiet zone included


@dataclass(frozen=True)
class Dot:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Layout:
    size: str
    width: int
    height: int
    dpi: int
    ops: tuple[Rect | Text | QR | Dot, ...]
    url: str


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def layout(data: PosterData, size: str = "a4") -> Layout:
    """Place everything on the page, in pixels at the size's resolution."""
    if size not in SIZES:
        raise ValueError(f"unknown poster size {size!r}; use one of {sorted(SIZES)}")
    dpi = DPI[size]
    W, H = (_px(mm, dpi) for mm in SIZES[size])
    if size == "screen":
        return _screen_layout(data, W, H, dpi)
    color = data.color if _HEX.match(data.color or "") else DEFAULT_COLOR
    band_text = on_color(color)
    ink_accent = accent(color)
    u = W / 100  # one hundredth of the page width
    margin = 8 * u
    inner = W - 2 * margin
    ops: list[Rect | Text | QR | Dot] = [Rect((0, 0, W, H), PAPER)]

    # Top band: brand, then the event's name.
    brand = fit_block([Span("Carbon", "SemiBold", band_text), Span("Dot", "Bold", band_text)], inner, round(3.6 * u),
                 round(3 * u), 1)
    name = fit_block([Span(data.event_name, "Bold", band_text)], inner, round(7.2 * u), round(4.6 * u), 2)
    y = 6 * u
    band_ops: list[Rect | Text | QR | Dot] = [Text(brand, y, margin, inner, band_text, "left")]
    brand_w = line_width(brand.lines[0], brand.size) if brand.lines else 0
    band_ops.append(Dot(margin + brand_w + brand.size * 0.35, y + brand.size * 0.62, brand.size * 0.14, GOLD))
    y += block_height(brand) + 3 * u
    band_ops.append(Text(name, y, margin, inner, band_text, "left"))
    y += block_height(name) + 5 * u
    ops.append(Rect((0, 0, W, y), color))
    ops += band_ops

    # Bottom band: where and when.
    details = fit_block([Span(data.details, "Medium", band_text)], inner, round(3.2 * u), round(2.6 * u), 1) \
        if data.details else None
    foot_h = (block_height(details) if details else 0) + 7 * u
    foot_top = H - foot_h
    ops.append(Rect((0, foot_top, W, H), color))
    if details:
        ops.append(Text(details, foot_top + 3.5 * u, margin, inner, band_text, "left"))

    # Middle: call to action, QR, address, hint; centred in the space left.
    cta = fit_block([Span(data.call_to_action, "Bold", ink_accent)], inner, round(8.4 * u), round(5.6 * u), 2)
    printed = readable_url(data.printed_url or data.url)
    address = fit_block([Span(printed, "SemiBold", INK)], inner, round(4.2 * u), round(2.4 * u), 1)
    hint = None
    if data.hint:
        hint = fit_block([Span(data.hint, "Regular", MUTED)], inner, round(3.4 * u), round(2.8 * u), 2)

    matrix_side = len(qr_matrix(data.url))
    gap = 4 * u
    text_h = block_height(cta) + block_height(address) + (block_height(hint) + gap * 0.6 if hint else 0)
    room = foot_top - y - 2 * gap - text_h - 4 * gap
    qr_side_max = min(0.66 * W, room)
    module = max(1, int(qr_side_max // matrix_side))
    qr_side = module * matrix_side
    total = text_h + qr_side + 2.6 * gap
    top = y + max(gap, (foot_top - y - total) / 2)

    ops.append(Text(cta, top, margin, inner, ink_accent))
    top += block_height(cta) + gap
    qr_left = round((W - qr_side) / 2)
    qr_top = round(top)
    pad = module * 1.5  # a thin frame in the event colour, outside the quiet zone
    ops.append(Rect((qr_left - pad, qr_top - pad, qr_left + qr_side + pad, qr_top + qr_side + pad), PAPER,
                    radius=module * 3, outline=ink_accent, outline_width=max(2, module // 3)))
    ops.append(QR(qr_left, qr_top, module, matrix_side))
    top = qr_top + qr_side + pad + gap * 0.6
    ops.append(Text(address, top, margin, inner, INK))
    top += block_height(address) + gap * 0.6
    if hint:
        ops.append(Text(hint, top, margin, inner, MUTED))
    return Layout(size, W, H, dpi, tuple(ops), data.url)


def _screen_layout(data: PosterData, W: int, H: int, dpi: int) -> Layout:
    """Landscape, for a venue screen or kiosk idle slide: the texts on the event colour at the
    left, the QR code and its address on white at the right."""
    color = data.color if _HEX.match(data.color or "") else DEFAULT_COLOR
    ink = on_color(color)
    split, margin = round(W * 0.56), 96
    inner = split - 2 * margin
    brand = fit_block([Span("Carbon", "SemiBold", ink), Span("Dot", "Bold", ink)], inner, 56, 44, 1)
    name = fit_block([Span(data.event_name, "Bold", ink)], inner, 76, 52, 2)
    cta = fit_block([Span(data.call_to_action, "Bold", ink)], inner, 104, 64, 2)
    hint = fit_block([Span(data.hint, "Regular", ink)], inner, 38, 30, 3) if data.hint else None
    details = fit_block([Span(data.details, "Medium", ink)], inner, 34, 26, 1) if data.details else None
    ops: list[Rect | Text | QR | Dot] = [Rect((0, 0, W, H), PAPER), Rect((0, 0, split, H), color)]
    y: float = 80
    ops.append(Text(brand, y, margin, inner, ink, "left"))
    brand_w = line_width(brand.lines[0], brand.size) if brand.lines else 0
    ops.append(Dot(margin + brand_w + brand.size * 0.35, y + brand.size * 0.62, brand.size * 0.14, GOLD))
    y += block_height(brand) + 48
    ops.append(Text(name, y, margin, inner, ink, "left"))
    y += block_height(name) + 72
    ops.append(Text(cta, y, margin, inner, ink, "left"))
    y += block_height(cta) + 40
    if hint:
        ops.append(Text(hint, y, margin, inner, ink, "left"))
    if details:
        ops.append(Text(details, H - 80 - block_height(details), margin, inner, ink, "left"))

    side_modules = len(qr_matrix(data.url))
    module = max(1, int(min(W - split - 2 * margin, H - 300) // side_modules))
    qr_side = module * side_modules
    printed = readable_url(data.printed_url or data.url)
    address = fit_block([Span(printed, "SemiBold", INK)], W - split - 2 * 48, 40, 24, 1)
    top = round((H - qr_side - 32 - block_height(address)) / 2)
    left = split + round((W - split - qr_side) / 2)
    ops.append(QR(left, top, module, side_modules))
    ops.append(Text(address, top + qr_side + 32, split + 48, W - split - 96, INK))
    return Layout("screen", W, H, dpi, tuple(ops), data.url)


# --------------------------------------------------------------------------
# Back ends
# --------------------------------------------------------------------------

def _raster(lay: Layout) -> Image.Image:
    canvas = Image.new("RGB", (lay.width, lay.height), PAPER)
    draw = ImageDraw.Draw(canvas)
    for op in lay.ops:
        if isinstance(op, Rect):
            x0, y0, x1, y1 = (round(v) for v in op.box)
            if op.radius or op.outline:
                draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=round(op.radius), fill=op.fill,
                                       outline=op.outline, width=round(op.outline_width))
            else:
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=op.fill)
        elif isinstance(op, Text):
            draw_block(draw, op.block, op.top, op.left, op.width, op.align)
        elif isinstance(op, Dot):
            draw.ellipse((op.cx - op.r, op.cy - op.r, op.cx + op.r, op.cy + op.r), fill=op.fill)
        elif isinstance(op, QR):
            matrix = qr_matrix(lay.url)
            n = len(matrix)
            small = Image.new("L", (n, n), 255)
            small.putdata([0 if v else 255 for row in matrix for v in row])
            canvas.paste(small.resize((n * op.module, n * op.module), Image.Resampling.NEAREST).convert("RGB"),
                         (op.left, op.top))
    return canvas


def _svg(lay: Layout) -> bytes:
    mm_w, mm_h = SIZES[lay.size]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{mm_w}mm" height="{mm_h}mm" '
        f'viewBox="0 0 {lay.width} {lay.height}">',
        f"<title>{escape(readable_url(lay.url))}</title>",
    ]
    for op in lay.ops:
        if isinstance(op, Rect):
            x0, y0, x1, y1 = op.box
            stroke = (f' stroke="{op.outline}" stroke-width="{op.outline_width:.1f}"' if op.outline else "")
            out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
                       f'rx="{op.radius:.1f}" fill="{op.fill}"{stroke}/>')
        elif isinstance(op, Text):
            anchor, x = {"left": ("start", op.left), "right": ("end", op.left + op.width)}.get(
                op.align, ("middle", op.left + op.width / 2))
            weight = _WEIGHTS.get(op.block.lines[0][0].weight if op.block.lines and op.block.lines[0] else "", 400)
            baseline = op.top + op.block.size * ASCENT
            for line in op.block.lines:
                out.append(f'<text x="{x:.1f}" y="{baseline:.1f}" font-family={quoteattr(SVG_FONTS)} '
                           f'font-size="{op.block.size}" font-weight="{weight}" fill="{op.fill}" '
                           f'text-anchor="{anchor}">{escape(line_text(line))}</text>')
                baseline += op.block.size * LEADING
        elif isinstance(op, Dot):
            out.append(f'<circle cx="{op.cx:.1f}" cy="{op.cy:.1f}" r="{op.r:.1f}" fill="{op.fill}"/>')
        elif isinstance(op, QR):
            path, side = qr_svg_path(lay.url)
            out.append(f'<g transform="translate({op.left} {op.top}) scale({op.module})">'
                       f'<rect width="{side}" height="{side}" fill="#ffffff"/>'
                       f'<path d="{path}" fill="#000000"/></g>')
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")


def render(data: PosterData, size: str = "a4", fmt: str = "png") -> bytes:
    """The poster as bytes in `fmt` (png, svg or pdf)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown poster format {fmt!r}; use one of {FORMATS}")
    lay = layout(data, size)
    if fmt == "svg":
        return _svg(lay)
    image = _raster(lay)
    buf = io.BytesIO()
    if fmt == "pdf":
        # Pillow writes RGB pages as JPEG: keep it sharp (no chroma subsampling, high quality).
        image.save(buf, format="PDF", resolution=lay.dpi, quality=92, subsampling=0,
                   title=data.event_name, creator="CarbonDot")
    else:
        image.save(buf, format="PNG", dpi=(lay.dpi, lay.dpi), optimize=False, compress_level=6)
    return buf.getvalue()
