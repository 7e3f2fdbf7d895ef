"""Typesetting for every image CarbonDot draws (certificates, posters).

Pure Pillow + fontTools. Fonts come from installed pip packages (see
app/static/fonts/README.md): Noto Sans (variable, Latin/Greek/Cyrillic incl.
Filipino and Latin Extended) then Noto Sans SC (CJK). Pillow has no font
fallback, so text is split into runs and each character cluster (a base
character plus its combining marks) is drawn with the first font of the chain
whose cmap has it.

The public API:
- `font_for(cluster)`, `font_path_for`, `font_paths`, `face_names`,
  `missing_glyphs`: which font covers a cluster, and what no font (or no
  named face) covers;
- `clean_text`, `Span` (a piece of text in a weight), `fit_block` (shrink to
  fit one line, then wrap, then ellipsize) giving a `Block`;
- `block_height`, `draw_block`, `draw_line`, `line_width`, `line_text`,
  `shape_spans`, `strip_line`, `union_box`, and the vertical metrics `ASCENT`,
  `DESCENT`, `LEADING` (fractions of the em).
"""
from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass

from PIL import ImageDraw

from .fonts import (  # noqa: F401  (tests and images.py reach the chain's internals through this module)
    _FACES,
    TOFU,
    _available,
    _coverage,
    _covers,
    _face,
    _font,
    _font_paths,
    _font_source,
    _stroke,
)

# The font chain lives in app/services/certificates/fonts.py.
# --------------------------------------------------------------------------
# Text: cleaning, clusters, runs, fitting
# --------------------------------------------------------------------------

def _ignorable(ch: str) -> bool:
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    return unicodedata.category(ch) in ("Cc", "Cf")


def clean_text(text: str, strip: bool = True) -> str:
    """NFC, whitespace collapsed, invisible control/format characters removed."""
    text = unicodedata.normalize("NFC", text or "")
    out: list[str] = []
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


def font_for(cluster: str, prefer: str | None = None) -> tuple[str | None, str]:
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
    return font_for(unicodedata.normalize("NFC", cluster))[0]


def face_names() -> tuple[str, ...]:
    """The faces by name, in fallback order (an optional system face only where it is installed)."""
    return tuple(face.name for _, face in _available())


def missing_glyphs(text: str, faces: tuple[str, ...] | None = None) -> list[str]:
    """Characters of `text` that no bundled font (or none of the named `faces`) covers, unique, in order.

    Whitespace and invisible format characters (ZWJ, variation selectors) are
    never reported; they are not drawn.
    """
    by_name = dict(zip(face_names(), _font_paths(), strict=True))
    paths = _font_paths() if faces is None else tuple(by_name[name] for name in faces)
    missing: list[str] = []
    for ch in clean_text(text):
        if ch == " " or ch in missing:
            continue
        if not any(ord(ch) in _coverage(p) for p in paths):
            missing.append(ch)
    return missing


@dataclass(frozen=True)
class Span:
    text: str
    weight: str = "Regular"
    fill: str = "#1d2b24"
    keep_together: bool = False  # never broken inside (a figure and its unit: "0.434 吨")


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


def shape_spans(spans: list[Span]) -> list[_Cluster]:
    out: list[_Cluster] = []
    prev_path: str | None = None
    together: list[int] = []  # clusters that must not be followed by a break
    for span in spans:
        first = len(out)
        for cl in _clusters(clean_text(span.text, strip=False)):
            path, drawable = font_for(cl, prev_path)
            if path is None:  # nothing can draw it (e.g. emoji): a visible box in its place, never nothing
                path, drawable = font_for(TOFU)
                if path is None:
                    raise RuntimeError("no certificate font draws the replacement box")
            brk = 2 if cl == " " or _is_wide(cl[0]) else 1 if cl in _SOFT_BREAKS else 0
            out.append(_Cluster(drawable, path, span.weight, span.fill, brk))
            prev_path = path
        if span.keep_together:
            together.extend(range(first, len(out) - 1))
    # Also allow a break *before* a wide character (between "Ana" and "王").
    for i in range(len(out) - 1):
        if _is_wide(out[i + 1].text[0]) and out[i].break_after < 2:
            c = out[i]
            out[i] = _Cluster(c.text, c.path, c.weight, c.fill, 2)
    # Kinsoku (禁则): no line starts with closing punctuation (，。、）」…) and none ends with an
    # opening one (（「): no break before the one or after the other.
    for i, c in enumerate(out):
        if c.break_after and (c.text[0] in NO_LINE_END or (i + 1 < len(out) and out[i + 1].text[0] in NO_LINE_START)):
            out[i] = _Cluster(c.text, c.path, c.weight, c.fill, 0)
    for i in together:
        c = out[i]
        out[i] = _Cluster(c.text, c.path, c.weight, c.fill, 0)
    return out


NO_LINE_START = frozenset("、，。．！？）」』】〉》〕］｝〗〙〛’”…‥：；・ー々〻ゝゞ〜～%,.!?;:)]}"
                          "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
NO_LINE_END = frozenset("（「『【〈《〔［｛〖〘〚‘“([{")
_SOFT_BREAKS = frozenset({"-", "/", "\u2010", "\u2013", "\u2014", "\u00b7"})


def strip_line(line: list[_Cluster]) -> list[_Cluster]:
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


def line_width(line: list[_Cluster], size: int) -> float:
    left, right = _extent(line, size)
    return right - left


def line_text(line: list[_Cluster]) -> str:
    return "".join(c.text for c in line)


@dataclass
class Block:
    lines: list[list[_Cluster]]
    size: int
    ellipsized: bool = False

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(line_text(line) for line in self.lines)


def _split_two(cl: list[_Cluster], size: int, max_width: float) -> list[list[_Cluster]] | None:
    """Most balanced two-line split, preferring spaces over hyphens; or None."""
    for level in (2, 1):
        best, best_w = None, math.inf
        for i, c in enumerate(cl[:-1]):
            if c.break_after < level:
                continue
            a, b = strip_line(cl[: i + 1]), strip_line(cl[i + 1:])
            if not a or not b:
                continue
            wa, wb = line_width(a, size), line_width(b, size)
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
    ell_path, _ = font_for("\u2026")
    ell = _Cluster("\u2026", ell_path or tail.path, tail.weight, tail.fill, 0)
    cut = strip_line(list(line))
    while cut and line_width(cut + [ell], size) > max_width:
        cut = strip_line(cut[:-1])
    # End on a whole word ("Association for…", never "Association for Sustain…"): cut back to the
    # last place a line may break (a space, a hyphen, beside a CJK character). Only a single word
    # wider than the line is cut inside.
    if len(cut) < len(line):
        ends = [i for i, c in enumerate(cut) if c.break_after and c.text != " "] + \
               [i - 1 for i, c in enumerate(cut) if c.text == " " and i > 0]
        if ends:
            cut = strip_line(cut[: max(ends) + 1])
    while cut and cut[-1].text in _SOFT_BREAKS | {",", ";", ":"}:
        cut = strip_line(cut[:-1])
    return cut + [ell]


def _greedy(cl: list[_Cluster], size: int, max_width: float) -> list[int]:
    """Greedy line breaking; returns the start index of each line in `cl`."""
    starts = [0]
    last_break = -1
    i = 0
    while i < len(cl):
        line = strip_line(cl[starts[-1]: i + 1])
        if len(line) > 1 and line_width(line, size) > max_width:
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


def fit_block(spans: list[Span], max_width: float, size: int, min_size: int,
         max_lines: int = 2) -> Block:
    """Shrink to fit one line (down to min_size), then wrap, then ellipsize."""
    cl = strip_line(shape_spans(spans))
    full = line_width(cl, size)
    if full <= max_width:
        return Block([cl], size)
    # Unhinted advances scale linearly with the size: jump straight to the
    # largest size that fits instead of trying every step (each size is a
    # FreeType face to create and cache).
    s = max(min_size, int(size * max_width / full))
    while s > min_size and line_width(cl, s) > max_width:
        s -= 1
    if line_width(cl, s) <= max_width:
        return Block([cl], s)
    if max_lines >= 2:
        two = _split_two(cl, min_size, max_width)
        if two is not None and max_lines == 2:
            return Block(two, min_size)
    starts = _greedy(cl, min_size, max_width)
    ends = starts[1:] + [len(cl)]
    lines = [strip_line(cl[a:b]) for a, b in zip(starts, ends, strict=True)]
    if len(lines) <= max_lines:
        return Block(lines, min_size)
    keep = lines[: max_lines - 1]
    keep.append(_ellipsize(cl[starts[max_lines - 1]:], min_size, max_width))
    return Block(keep, min_size, ellipsized=True)


def fit_paragraph(spans: list[Span], max_width: float, size: int, min_size: int, max_lines: int) -> Block:
    """A running text (a certificate's sentence): wrapped at the largest size from `size` down to
    `min_size` that needs at most `max_lines` lines, breaking only where a line may break (spaces,
    beside CJK characters, never before 。，、 or after （); ellipsized on a word at the smallest size."""
    cl = strip_line(shape_spans(spans))
    for s in range(size, min_size - 1, -1):
        starts = _greedy(cl, s, max_width)
        if len(starts) <= max_lines:
            # Balanced: the narrowest measure that still needs no more lines, so the last line is not
            # one orphaned character ("证。").
            low, high = max_width / 2, max_width
            while high - low > 4:
                mid = (low + high) / 2
                trial = _greedy(cl, s, mid)
                if len(trial) <= len(starts) and all(cl[i - 1].break_after for i in trial[1:]):
                    high = mid
                else:
                    low = mid
            starts = _greedy(cl, s, high)
            ends = starts[1:] + [len(cl)]
            return Block([strip_line(cl[a:b]) for a, b in zip(starts, ends, strict=True)], s)
    starts = _greedy(cl, min_size, max_width)
    keep = [strip_line(cl[a:b]) for a, b in zip(starts[: max_lines - 1], starts[1:max_lines], strict=True)]
    keep.append(_ellipsize(cl[starts[max_lines - 1]:], min_size, max_width))
    return Block(keep, min_size, ellipsized=True)


Box = tuple[int, int, int, int]


def union_box(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def draw_line(draw: ImageDraw.ImageDraw, x: float, baseline: float,
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
            box = union_box(box, ink)
        x += _run_metrics(text, path, size, weight)[2]
    return box


# Vertical metrics as fractions of the em; Noto Sans' own ascender/descender
# are very tall (1.07/0.29 em), which makes stacked lines look loose.
ASCENT, DESCENT, LEADING = 0.80, 0.24, 1.22


def block_height(block: Block) -> float:
    n = len(block.lines)
    return block.size * (ASCENT + DESCENT + (n - 1) * LEADING)


def draw_block(draw: ImageDraw.ImageDraw, block: Block, top: float, left: float,
                width: float, align: str = "center") -> Box | None:
    box: Box | None = None
    baseline = top + block.size * ASCENT
    for line in block.lines:
        w = line_width(line, block.size)
        if align == "center":
            x = left + (width - w) / 2
        elif align == "right":
            x = left + width - w
        else:
            x = left
        box = union_box(box, draw_line(draw, x, baseline, line, block.size))
        baseline += block.size * LEADING
    return box
