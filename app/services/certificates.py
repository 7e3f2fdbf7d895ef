"""Carbon Neutral Certificate of Honor: PNG rendering, numbers and tokens.

Pure Pillow + qrcode + fontTools; no Flask, no database.

Fonts come from installed pip packages (see app/static/fonts/README.md):
Noto Sans (variable, Latin/Greek/Cyrillic incl. Filipino and Latin Extended)
then Noto Sans SC (CJK).  Pillow has no font fallback, so text is split into
runs and each character cluster (a base character plus its combining marks)
is drawn with the first font of the chain whose cmap has it.

Rendering is deterministic: the same CertificateData and shape always give the
same PNG bytes on the same installation (no timestamps, no metadata).
"""
from __future__ import annotations

import datetime
import functools
import io
import math
import os
import secrets
import struct
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import qrcode
from fontTools.ttLib import TTFont
from PIL import (
    Image,
    ImageDraw,
    ImageFont,
    ImagePalette,  # noqa: F401  (used by quantize; imported lazily otherwise)
    features,
)
from qrcode.constants import ERROR_CORRECT_M

# Pillow registers its file plugins on first save; do it at import, not in the
# first request.
Image.preinit()

__all__ = [
    "LABELS",
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
    issued_on: datetime.date
    url: str
    language: str = "en"


# --------------------------------------------------------------------------
# Numbers, tokens, labels
# --------------------------------------------------------------------------

def new_token() -> str:
    """Unguessable URL-safe token for a certificate's public link (144 bits)."""
    return secrets.token_urlsafe(18)


def format_number(seq: int, year: int) -> str:
    """Readable certificate number: format_number(42, 2026) -> "CD-2026-000042"."""
    if seq < 0 or not 0 < year <= 9999:
        raise ValueError(f"bad certificate sequence/year: {seq!r}/{year!r}")
    return f"CD-{year:04d}-{seq:06d}"


def format_tonnes(kg: int) -> str:
    """Kilograms as tonnes, exact to the kilogram: 420 -> "0.42 t", 1 -> "0.001 t".

    Three decimals with trailing zeros trimmed down to two; thousands grouped:
    1000 -> "1.00 t", 1234 -> "1.234 t", 1234567 -> "1,234.567 t".
    """
    if kg < 0:
        raise ValueError("kg must not be negative")
    whole, rest = divmod(int(kg), 1000)
    decimals = f"{rest:03d}"
    if decimals.endswith("0"):
        decimals = decimals[:2]
    return f"{whole:,}.{decimals} t"


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Carbon Neutral Certificate of Honor",
        "certifies": "This certifies that",
        "neutralized": "has neutralized",
        "at": "at",
        "through": "through",
        "serials": "Serial numbers",
        "number": "Certificate No.",
        "issued": "Issued on",
        "verify": "Verify",
        "scan": "Scan to verify",
        "anonymous": "Anonymous visitor",
        "more": "+{n} more",
        "co2e": "CO\u2082e",
    },
    "zh": {
        "title": "碳中和荣誉证书",
        "certifies": "兹证明",
        "neutralized": "已抵消",
        "at": "参加",
        "through": "通过",
        "serials": "减排量序列号",
        "number": "证书编号",
        "issued": "签发日期",
        "verify": "验证",
        "scan": "扫码验证",
        "anonymous": "匿名访客",
        "more": "另有 {n} 段",
        "co2e": "CO\u2082e",
    },
    "fil": {
        "title": "Sertipiko ng Karangalan sa Carbon Neutral",
        "certifies": "Pinatutunayan nito na si",
        "neutralized": "ay nag-neutralize ng",
        "at": "sa",
        "through": "sa pamamagitan ng",
        "serials": "Mga serial number",
        "number": "Blg. ng Sertipiko",
        "issued": "Inisyu noong",
        "verify": "I-verify",
        "scan": "I-scan para i-verify",
        "anonymous": "Di-kilalang bisita",
        "more": "+{n} pa",
        "co2e": "CO\u2082e",
    },
}

_LANGUAGE_ALIASES = {"tl": "fil", "zh-cn": "zh", "zh-hans": "zh", "zh_cn": "zh"}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
    "fil": ("Enero", "Pebrero", "Marso", "Abril", "Mayo", "Hunyo", "Hulyo",
            "Agosto", "Setyembre", "Oktubre", "Nobyembre", "Disyembre"),
}


def _language(language: str | None) -> str:
    code = (language or "en").strip().lower()
    code = _LANGUAGE_ALIASES.get(code, code)
    if code not in LABELS:
        code = code.replace("_", "-").split("-")[0]
        code = _LANGUAGE_ALIASES.get(code, code)
    return code if code in LABELS else "en"


def labels(language: str | None) -> dict[str, str]:
    """Fixed certificate texts for a language; unknown languages get English."""
    return LABELS[_language(language)]


def format_date(day: datetime.date, language: str | None = "en") -> str:
    lang = _language(language)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    if lang == "fil":
        return f"{_MONTHS['fil'][day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"


# --------------------------------------------------------------------------
# Fonts: chain, coverage, cached ImageFont objects
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Face:
    package: str
    parts: tuple[str, ...]
    variable: bool  # True: has a wght axis with named instances (Bold, ...)


# Order matters: the first face whose cmap has a character draws it.
_FACES = (
    _Face("fontpkg_noto_sans", ("files", "NotoSans[wdth,wght].ttf"), True),
    _Face("pylopdf_fonts_zh_cn", ("NotoSansSC-Regular.otf",), False),
)


@functools.cache
def _font_paths() -> tuple[str, ...]:
    paths = []
    for face in _FACES:
        path = Path(str(resources.files(face.package).joinpath(*face.parts)))
        if not path.is_file():
            raise FileNotFoundError(f"certificate font missing: {path} (pip package {face.package})")
        paths.append(str(path))
    return tuple(paths)


def _is_variable(path: str) -> bool:
    return _FACES[_font_paths().index(path)].variable


def _format12_coverage(raw_cmap: bytes) -> frozenset[int] | None:
    """Code points of the Windows full-repertoire (3, 10) format-12 subtable.

    A format-12 subtable is a sorted list of (first, last, first glyph id)
    groups, so coverage is just the union of the ranges (minus any code point
    mapped to glyph 0, .notdef).  None when the font has no such subtable.
    """
    _, count = struct.unpack_from(">HH", raw_cmap)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", raw_cmap, 4 + 8 * i)
        if (platform, encoding) != (3, 10) or struct.unpack_from(">H", raw_cmap, offset)[0] != 12:
            continue
        (groups,) = struct.unpack_from(">I", raw_cmap, offset + 12)
        data = raw_cmap[offset + 16: offset + 16 + 12 * groups]
        points: set[int] = set()
        for first, last, glyph in struct.iter_unpack(">III", data):
            points.update(range(first + (glyph == 0), last + 1))
        return frozenset(points)
    return None


@functools.cache
def _coverage(path: str) -> frozenset[int]:
    """Code points the font maps to a real glyph (its best cmap, via fontTools)."""
    font = TTFont(path, lazy=True)
    try:
        # Fast path: read the raw format-12 subtable (~2 ms for Noto Sans SC's
        # 30,890 code points).  fontTools' getBestCmap() gives the same set but
        # builds glyph names first, ~150 ms for a CID-keyed CFF font.
        fast = _format12_coverage(font.reader["cmap"])
        if fast is not None:
            return fast
        best = font.getBestCmap() or {}
        notdef = font.getGlyphOrder()[0]
        return frozenset(cp for cp, name in best.items() if name != notdef)
    finally:
        font.close()


def _covers(path: str, cluster: str) -> bool:
    cov = _coverage(path)
    return all(ord(ch) in cov for ch in cluster)


_LAYOUT = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


def _with_fpgm(sfnt: bytes) -> bytes:
    """The same TrueType font with a 3-byte no-op 'fpgm' table added.

    Noto Sans ships unhinted (no fpgm, a trivial prep), so FreeType hands it to
    its auto-hinter, which analyses the whole GSUB table for every new face:
    ~17 ms per (size, weight) before the first glyph.  With an fpgm present
    FreeType uses the TrueType driver instead; the glyphs carry no
    instructions, so outlines render unhinted (visually the same at these
    sizes) and a new face costs ~0.5 ms.  Nothing else in the font changes.
    """
    version, count = struct.unpack(">4sH", sfnt[:6])
    records = [struct.unpack(">4sIII", sfnt[12 + 16 * i: 28 + 16 * i]) for i in range(count)]
    if version != b"\x00\x01\x00\x00" or any(r[0] in (b"fpgm", b"CFF ") for r in records):
        return sfnt
    program = bytes([0xB0, 0x00, 0x21])  # PUSHB[0] 0; POP
    dir_end = 12 + 16 * count
    body = sfnt[dir_end:]
    records = [(tag, csum, offset + 16, length) for tag, csum, offset, length in records]
    end = 12 + 16 * (count + 1) + len(body)
    pad = -end % 4
    padded = program + b"\0" * (-len(program) % 4)
    csum = sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF
    records.append((b"fpgm", csum, end + pad, len(program)))
    records.sort()
    count += 1
    selector = count.bit_length() - 1
    search = (1 << selector) * 16
    header = struct.pack(">4sHHHH", version, count, search, selector, count * 16 - search)
    directory = b"".join(struct.pack(">4sIII", *r) for r in records)
    return header + directory + body + b"\0" * pad + program


class _FontBytes:
    """File-like handing Pillow the same bytes object on every read()."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, *_: object) -> bytes:
        return self.data


def _memfd_path(name: str, data: bytes) -> str | None:
    """Put bytes in an anonymous in-memory file (Linux) and return a path to it.

    Pillow copies font bytes into every FreeTypeFont (~2 MB per size/weight);
    a path lets FreeType map one shared copy instead.  The descriptor stays
    open for the life of the process (and is inherited by forked workers).
    """
    if not hasattr(os, "memfd_create"):
        return None
    try:
        fd = os.memfd_create(name)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        return None
    path = f"/proc/self/fd/{fd}"
    if not os.path.exists(path):
        os.close(fd)
        return None
    return path


@functools.cache
def _font_source(path: str) -> str | _FontBytes:
    if not _is_variable(path):
        return path  # CFF (Noto Sans SC): opened by path, FreeType maps the file
    patched = _with_fpgm(Path(path).read_bytes())
    return _memfd_path("carbondot-" + Path(path).name, patched) or _FontBytes(patched)


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int, weight: str) -> ImageFont.FreeTypeFont:
    """One FreeTypeFont per (path, size, weight); the variation is set once here.

    Fonts are shared between threads afterwards and never mutated again
    (Pillow holds the GIL / a per-font critical section while using FT_Face).
    """
    font = ImageFont.truetype(_font_source(path), size, layout_engine=_LAYOUT)  # type: ignore[arg-type]
    if _is_variable(path):
        try:
            font.set_variation_by_name(weight)
        except (OSError, ValueError):
            font.set_variation_by_name("Regular")
    return font


_FAUX_BOLD = {"Regular": 0.0, "Medium": 0.008, "SemiBold": 0.016, "Bold": 0.026}


def _stroke(path: str, size: int, weight: str) -> float:
    """Static fonts (Noto Sans SC has Regular only) get a same-colour stroke as bold."""
    if _is_variable(path):
        return 0.0
    return round(size * _FAUX_BOLD.get(weight, 0.0), 1)


# --------------------------------------------------------------------------
# Text: cleaning, clusters, runs, fitting
# --------------------------------------------------------------------------

def _ignorable(ch: str) -> bool:
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    return unicodedata.category(ch) in ("Cc", "Cf")


def _clean(text: str, strip: bool = True) -> str:
    """NFC, whitespace collapsed, invisible control/format characters removed."""
    text = unicodedata.normalize("NFC", text or "")
    out = []
    for ch in text:
        if ch.isspace():
            if not out or out[-1] != " ":
                out.append(" ")
        elif not _ignorable(ch):
            out.append(ch)
    joined = "".join(out)
    return joined.strip() if strip else joined


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _clusters(text: str) -> list[str]:
    """Split into base character + following combining marks (kept together)."""
    out: list[str] = []
    for ch in text:
        if out and _is_mark(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _font_for(cluster: str, prefer: str | None = None) -> tuple[str | None, str]:
    """(font path, drawable cluster) for one cluster; path None if nothing covers it."""
    paths = _font_paths()
    if prefer is not None and cluster.isspace() and _covers(prefer, cluster):
        return prefer, cluster  # spaces stay in the current run
    for path in paths:
        if _covers(path, cluster):
            return path, cluster
    base = cluster[0]
    for path in paths:
        if _covers(path, base):
            # Keep only the marks this font has: a mark drawn from another font
            # would not attach to the base, a missing one would be a box.
            return path, base + "".join(m for m in cluster[1:] if _covers(path, m))
    return None, cluster


def font_paths() -> tuple[str, ...]:
    """The font chain, in fallback order (files inside the installed pip packages)."""
    return _font_paths()


def font_path_for(cluster: str) -> str | None:
    """The font that draws this character (or base + combining marks), or None."""
    return _font_for(unicodedata.normalize("NFC", cluster))[0]


def missing_glyphs(text: str) -> list[str]:
    """Characters of `text` that no bundled font covers (unique, in order).

    Whitespace and invisible format characters (ZWJ, variation selectors) are
    never reported; they are not drawn.
    """
    paths = _font_paths()
    missing: list[str] = []
    for ch in _clean(text):
        if ch == " " or ch in missing:
            continue
        if not any(ord(ch) in _coverage(p) for p in paths):
            missing.append(ch)
    return missing


@dataclass(frozen=True)
class _Span:
    text: str
    weight: str = "Regular"
    fill: str = "#1d2b24"


@dataclass(frozen=True)
class _Cluster:
    text: str
    path: str
    weight: str
    fill: str
    # Line break allowed after this cluster: 0 no, 1 after a hyphen/slash
    # (used only if needed), 2 at a space or next to a CJK character.
    break_after: int


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _shape(spans: list[_Span]) -> list[_Cluster]:
    out: list[_Cluster] = []
    prev_path: str | None = None
    for span in spans:
        for cl in _clusters(_clean(span.text, strip=False)):
            path, drawable = _font_for(cl, prev_path)
            if path is None:
                continue  # nothing can draw it (e.g. emoji): leave it out, not a box
            brk = 2 if cl == " " or _is_wide(cl[0]) else 1 if cl in _SOFT_BREAKS else 0
            out.append(_Cluster(drawable, path, span.weight, span.fill, brk))
            prev_path = path
    # Also allow a break *before* a wide character (between "Ana" and "王").
    for i in range(len(out) - 1):
        if _is_wide(out[i + 1].text[0]) and out[i].break_after < 2:
            c = out[i]
            out[i] = _Cluster(c.text, c.path, c.weight, c.fill, 2)
    return out


_SOFT_BREAKS = frozenset({"-", "/", "\u2010", "\u2013", "\u2014", "\u00b7"})


def _strip(line: list[_Cluster]) -> list[_Cluster]:
    start, end = 0, len(line)
    while start < end and line[start].text == " ":
        start += 1
    while end > start and line[end - 1].text == " ":
        end -= 1
    return line[start:end]


def _runs(line: list[_Cluster]) -> tuple[tuple[str, str, str, str], ...]:
    """Merge clusters into (text, path, weight, fill) runs."""
    runs: list[list[str]] = []
    for c in line:
        if runs and runs[-1][1:] == [c.path, c.weight, c.fill]:
            runs[-1][0] += c.text
        else:
            runs.append([c.text, c.path, c.weight, c.fill])
    return tuple((r[0], r[1], r[2], r[3]) for r in runs)


@functools.lru_cache(maxsize=4096)
def _run_metrics(text: str, path: str, size: int, weight: str) -> tuple[float, float, float]:
    """(ink left, ink right, advance) of one run; ink includes faux-bold strokes."""
    font = _font(path, size, weight)
    advance = font.getlength(text)
    if not text.strip():
        return 0.0, advance, advance
    bb = font.getbbox(text, anchor="ls", stroke_width=_stroke(path, size, weight))
    return bb[0], bb[2], advance


def _extent(line: list[_Cluster], size: int) -> tuple[float, float]:
    """(left, right) of a line relative to its pen origin: the advance widened by
    any ink that overhangs it (side bearings, faux-bold strokes)."""
    left, right, x = 0.0, 0.0, 0.0
    for text, path, weight, _ in _runs(line):
        ink_left, ink_right, advance = _run_metrics(text, path, size, weight)
        left, right = min(left, x + ink_left), max(right, x + ink_right)
        x += advance
    return left, max(right, x)


def _width(line: list[_Cluster], size: int) -> float:
    left, right = _extent(line, size)
    return right - left


def _line_text(line: list[_Cluster]) -> str:
    return "".join(c.text for c in line)


@dataclass
class _Block:
    lines: list[list[_Cluster]]
    size: int
    ellipsized: bool = False

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(_line_text(line) for line in self.lines)


def _split_two(cl: list[_Cluster], size: int, max_width: float) -> list[list[_Cluster]] | None:
    """Most balanced two-line split, preferring spaces over hyphens; or None."""
    for level in (2, 1):
        best, best_w = None, math.inf
        for i, c in enumerate(cl[:-1]):
            if c.break_after < level:
                continue
            a, b = _strip(cl[: i + 1]), _strip(cl[i + 1:])
            if not a or not b:
                continue
            wa, wb = _width(a, size), _width(b, size)
            if wa <= max_width and wb <= max_width and max(wa, wb) < best_w:
                best, best_w = [a, b], max(wa, wb)
        if best is not None:
            return best
    return None


def _ellipsize(line: list[_Cluster], size: int, max_width: float) -> list[_Cluster]:
    """Cut clusters off the end until the line plus "…" fits."""
    if not line:
        return line
    tail = line[-1]
    ell_path, _ = _font_for("\u2026")
    ell = _Cluster("\u2026", ell_path or tail.path, tail.weight, tail.fill, 0)
    cut = _strip(list(line))
    while cut and _width(cut + [ell], size) > max_width:
        cut = _strip(cut[:-1])
    # End on a whole word ("de los Reyes…", not "de los Reyes II…") unless
    # that would throw away much of the line.
    spaces = [i for i, c in enumerate(cut) if c.text == " "]
    if spaces and spaces[-1] >= 0.7 * len(cut) and len(cut) < len(line):
        cut = _strip(cut[: spaces[-1]])
    while cut and cut[-1].text in _SOFT_BREAKS | {",", ";", ":"}:
        cut = _strip(cut[:-1])
    return cut + [ell]


def _greedy(cl: list[_Cluster], size: int, max_width: float) -> list[int]:
    """Greedy line breaking; returns the start index of each line in `cl`."""
    starts = [0]
    last_break = -1
    i = 0
    while i < len(cl):
        line = _strip(cl[starts[-1]: i + 1])
        if len(line) > 1 and _width(line, size) > max_width:
            # break after the last opportunity, or before this cluster if the
            # word alone is wider than the line
            nxt = last_break + 1 if last_break >= starts[-1] else i
            while nxt < len(cl) and cl[nxt].text == " ":
                nxt += 1
            starts.append(nxt)
            last_break = -1
            i = nxt
            continue
        if cl[i].break_after:
            last_break = i
        i += 1
    return starts


def _fit(spans: list[_Span], max_width: float, size: int, min_size: int,
         max_lines: int = 2) -> _Block:
    """Shrink to fit one line (down to min_size), then wrap, then ellipsize."""
    cl = _strip(_shape(spans))
    full = _width(cl, size)
    if full <= max_width:
        return _Block([cl], size)
    # Unhinted advances scale linearly with the size: jump straight to the
    # largest size that fits instead of trying every step (each size is a
    # FreeType face to create and cache).
    s = max(min_size, int(size * max_width / full))
    while s > min_size and _width(cl, s) > max_width:
        s -= 1
    if _width(cl, s) <= max_width:
        return _Block([cl], s)
    if max_lines >= 2:
        two = _split_two(cl, min_size, max_width)
        if two is not None and max_lines == 2:
            return _Block(two, min_size)
    starts = _greedy(cl, min_size, max_width)
    ends = starts[1:] + [len(cl)]
    lines = [_strip(cl[a:b]) for a, b in zip(starts, ends, strict=True)]
    if len(lines) <= max_lines:
        return _Block(lines, min_size)
    keep = lines[: max_lines - 1]
    keep.append(_ellipsize(cl[starts[max_lines - 1]:], min_size, max_width))
    return _Block(keep, min_size, ellipsized=True)


Box = tuple[int, int, int, int]


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _draw_line(draw: ImageDraw.ImageDraw, x: float, baseline: float,
               line: list[_Cluster], size: int) -> Box | None:
    """Draw one line run by run on a shared baseline, its ink starting at x.

    Returns the ink box."""
    box: Box | None = None
    x -= _extent(line, size)[0]
    for text, path, weight, fill in _runs(line):
        font = _font(path, size, weight)
        stroke = _stroke(path, size, weight)
        draw.text((x, baseline), text, font=font, fill=fill, anchor="ls",
                  stroke_width=stroke, stroke_fill=fill)
        if text.strip():
            bb = draw.textbbox((x, baseline), text, font=font, anchor="ls", stroke_width=stroke)
            ink = (math.floor(bb[0]), math.floor(bb[1]), math.ceil(bb[2]), math.ceil(bb[3]))
            box = _union(box, ink)
        x += _run_metrics(text, path, size, weight)[2]
    return box


# Vertical metrics as fractions of the em; Noto Sans' own ascender/descender
# are very tall (1.07/0.29 em), which makes stacked lines look loose.
_ASCENT, _DESCENT, _LEADING = 0.80, 0.24, 1.22


def _block_height(block: _Block) -> float:
    n = len(block.lines)
    return block.size * (_ASCENT + _DESCENT + (n - 1) * _LEADING)


def _draw_block(draw: ImageDraw.ImageDraw, block: _Block, top: float, left: float,
                width: float, align: str = "center") -> Box | None:
    box: Box | None = None
    baseline = top + block.size * _ASCENT
    for line in block.lines:
        w = _width(line, block.size)
        if align == "center":
            x = left + (width - w) / 2
        elif align == "right":
            x = left + width - w
        else:
            x = left
        box = _union(box, _draw_line(draw, x, baseline, line, block.size))
        baseline += block.size * _LEADING
    return box


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
    line = _strip(_shape([_Span("Carbon", "SemiBold", color), _Span("Dot", "Bold", color)]))
    w = _width(line, size)
    dot = max(4, int(size * 0.28))
    total = w + dot * 1.6
    if align == "center":
        x -= total / 2
    box = _draw_line(draw, x, baseline, line, size)
    dx, dy = x + w + dot * 0.55, baseline - dot
    sprite = _round_rect(dot, dot, dot // 2, GOLD)
    return _union(box, _paste(canvas, sprite, dx, dy))


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

    def put(self, key: str, box: Box | None, block: _Block | None = None) -> None:
        if box is not None:
            self.boxes[key] = _union(self.boxes.get(key), box)  # type: ignore[assignment]
        if block is not None:
            self.texts[key] = self.texts.get(key, ()) + block.texts


def _display_name(data: CertificateData, lab: dict[str, str]) -> str:
    name = _clean(data.name)
    if not name or all(ch == " " or not _font_for(ch)[0] for ch in name):
        return lab["anonymous"]
    return name


def _serial_lines(serials: tuple[str, ...], lab: dict[str, str]) -> list[str]:
    shown = list(serials[:2])
    if len(serials) > 2:
        shown.append(lab["more"].format(n=len(serials) - 2))
    return shown


def _project_text(data: CertificateData) -> str:
    name, std = _clean(data.project_name), _clean(data.project_standard)
    return f"{name} \u00b7 {std}" if name and std else (name or std)


def render_image(data: CertificateData, shape: str = "portrait") -> Rendering:
    if shape not in SHAPES:
        raise ValueError(f"unknown certificate shape {shape!r}; use one of {sorted(SHAPES)}")
    if shape == "portrait":
        return _render_portrait(data)
    return _render_wide(data)


def warm_up() -> None:
    """Load fonts, cmaps and the static artwork now (e.g. when a worker starts),
    so the first certificate request does not pay for them."""
    for language in LABELS:
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
    title = _fit([_Span(lab["title"], "SemiBold", GREEN)], width, 46, 36)
    y = top + d + 30
    out.put("title", _draw_block(draw, title, y, left, width), title)
    y += _block_height(title) + 26
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
    cap = _fit([_Span(lab["scan"], "Medium", GREEN)], card.width - 24, 20, 15, max_lines=1)
    out.put("scan", _draw_block(draw, cap, band_top + qr_card - 4, card_x, card.width), cap)

    # details column (left of the QR card)
    col_w = card_x - left - 40
    dy = band_top + 4

    def detail(key: str, label: str, values: list[str], value_size: int = 21) -> None:
        nonlocal dy
        lb = _fit([_Span(label.upper(), "SemiBold", GOLD)], col_w, 16, 13, max_lines=1)
        out.put(key, _draw_block(draw, lb, dy, left, col_w, "left"))
        dy += _block_height(lb) + 8
        for v in values:
            vb = _fit([_Span(v, "Regular", INK)], col_w, value_size, 15, max_lines=1)
            out.put(key, _draw_block(draw, vb, dy, left, col_w, "left"), vb)
            dy += _block_height(vb) + 6
        dy += 14

    detail("serials", lab["serials"], _serial_lines(data.serials, lab) or ["\u2014"])
    detail("issued", lab["issued"], [format_date(data.issued_on, data.language)])
    detail("number", lab["number"], [data.number], 22)

    draw.line([(left, band_top - 34), (left + width, band_top - 34)], fill=PAPER_EDGE, width=2)

    # -- hero: name, tonnes, event, project; centred between head and band
    name = _display_name(data, lab)
    name_block = _fit([_Span(name, "Bold", INK)], width, 84, 50)
    blocks: list[tuple[str, _Block, float]] = []  # key, block, gap after
    blocks.append(("certifies", _fit([_Span(lab["certifies"], "Regular", MUTED)],
                                     width, 26, 20, 1), 18))
    blocks.append(("name", name_block, 14))
    org = _clean(data.organization)
    if org:
        blocks.append(("organization", _fit([_Span(org, "Medium", MUTED)], width, 28, 22, 1), 14))
    blocks[-1] = (blocks[-1][0], blocks[-1][1], 34)
    blocks.append(("neutralized", _fit([_Span(lab["neutralized"], "Regular", MUTED)],
                                       width, 26, 20, 1), 16))
    tonnes = [_Span(format_tonnes(data.kg), "Bold", GREEN),
              _Span(" " + lab["co2e"], "SemiBold", GREEN)]
    blocks.append(("tonnes", _fit(tonnes, width, 92, 60, 1), 34))
    event = _clean(data.event_name)
    if event:
        blocks.append(("event", _fit([_Span(lab["at"] + " ", "Regular", MUTED),
                                      _Span(event, "SemiBold", INK)], width, 30, 24), 14))
    project = _project_text(data)
    if project:
        blocks.append(("project", _fit([_Span(lab["through"] + " ", "Regular", MUTED),
                                        _Span(project, "Medium", INK)], width, 26, 21), 0))
    blocks[-1] = (blocks[-1][0], blocks[-1][1], 0)

    avail_top, avail_bottom = head_bottom + 24, band_top - 34 - 30
    total = sum(_block_height(b) + gap for _, b, gap in blocks)
    scale = 1.0
    if total > avail_bottom - avail_top:  # squeeze the gaps, never the text
        text_h = sum(_block_height(b) for _, b, _ in blocks)
        gaps = sum(gap for *_, gap in blocks) or 1
        scale = max(0.0, (avail_bottom - avail_top - text_h) / gaps)
        total = text_h + gaps * scale
    y = avail_top + max(0.0, (avail_bottom - avail_top - total) / 2)
    for key, block, gap in blocks:
        out.put(key, _draw_block(draw, block, y, left, width), block)
        y += _block_height(block) + gap * scale

    out.name_size, out.name_ellipsized = name_block.size, name_block.ellipsized
    return out


def _inline(draw: ImageDraw.ImageDraw, parts: list[_Block], top: float, left: float,
            gap: float) -> tuple[float, Box | None]:
    """Blocks of different sizes side by side on one shared baseline (one line each)."""
    size = max(b.size for b in parts)
    baseline = top + size * _ASCENT
    box: Box | None = None
    x = left
    for b in parts:
        box = _union(box, _draw_line(draw, x, baseline, b.lines[0], b.size))
        x += _width(b.lines[0], b.size) + gap
    return size * (_ASCENT + _DESCENT), box


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
    cap = _fit([_Span(lab["scan"], "SemiBold", CREAM)], pwid, 22, 16, 1)
    out.put("scan", _draw_block(draw, cap, card_y + qr_card + 22, pl, pwid), cap)
    ny = card_y + qr_card + 92
    draw.line([(pcx - 40, ny - 22), (pcx + 40, ny - 22)], fill=GOLD, width=2)
    numlab = _fit([_Span(lab["number"], "Regular", "#b9d1c2")], pwid, 18, 13, 1)
    out.put("number", _draw_block(draw, numlab, ny, pl, pwid))
    num = _fit([_Span(data.number, "SemiBold", CREAM)], pwid, 24, 15, 1)
    out.put("number", _draw_block(draw, num, ny + 30, pl, pwid), num)

    # -- left: brand row (emblem is in the background)
    d, ex, ey = _WIDE_EMBLEM
    out.put("emblem", (ex, ey, ex + d, ey + d))
    tx = left + d + 20
    out.put("wordmark", _wordmark(canvas, draw, tx, 62 + 32, 25, GREEN))
    title = _fit([_Span(lab["title"], "Medium", GOLD)], width - (tx - left), 21, 16, 1)
    out.put("title", _draw_block(draw, title, 62 + 44, tx, width - (tx - left), "left"), title)
    head_bottom = ey + d

    # -- footer: date and project
    foot_parts = [format_date(data.issued_on, data.language), _project_text(data)]
    foot = _fit([_Span("   \u00b7   ".join(p for p in foot_parts if p), "Regular", MUTED)],
                width, 19, 15, 1)
    foot_top = H - 62 - _block_height(foot)
    out.put("footer", _draw_block(draw, foot, foot_top, left, width, "left"), foot)

    # -- body: name, neutralized + tonnes, event; centred in the space left
    name = _display_name(data, lab)
    name_block = _fit([_Span(name, "Bold", INK)], width, 72, 40)
    neut = _fit([_Span(lab["neutralized"], "Regular", MUTED)], width * 0.45, 28, 20, 1)
    neut_w = _width(neut.lines[0], neut.size) + 16
    tonnes = _fit([_Span(format_tonnes(data.kg), "Bold", GREEN),
                   _Span(" " + lab["co2e"], "SemiBold", GREEN)], width - neut_w, 58, 36, 1)
    event = _clean(data.event_name)
    event_block = _fit([_Span(lab["at"] + " ", "Regular", MUTED),
                        _Span(event, "SemiBold", INK)], width, 27, 21, 1) if event else None

    heights = [_block_height(name_block), tonnes.size * (_ASCENT + _DESCENT)]
    gaps = [26, 18]
    if event_block:
        heights.append(_block_height(event_block))
    total = sum(heights) + sum(gaps[: len(heights) - 1])
    y = head_bottom + 24 + max(0.0, (foot_top - 24 - (head_bottom + 24) - total) / 2)
    out.put("name", _draw_block(draw, name_block, y, left, width, "left"), name_block)
    y += heights[0] + gaps[0]
    _, tbox = _inline(draw, [neut, tonnes], y, left, 16)
    out.put("tonnes", tbox, tonnes)
    y += heights[1] + gaps[1]
    if event_block:
        out.put("event", _draw_block(draw, event_block, y, left, width, "left"), event_block)

    out.name_size, out.name_ellipsized = name_block.size, name_block.ellipsized
    return out
