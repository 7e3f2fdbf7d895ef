"""The fonts that draw certificates and posters: the fallback chain, each face's coverage, and the cached
FreeType fonts (app/static/fonts/README.md says where each comes from). Used through
app/services/certificates/typesetting.py, whose public API re-exports what callers need.
"""
from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont, features

# --------------------------------------------------------------------------
# Fonts: chain, coverage, cached ImageFont objects
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Face:
    name: str  # what a language names in its `fonts` (services/languages.py)
    package: str  # a pip package, or "" for a system font that may be absent (`parts` is then its path)
    parts: tuple[str, ...]
    variable: bool  # True: has a wght axis with named instances (Bold, ...)
    index: int = 0  # the face in a font collection (.ttc)

    @property
    def optional(self) -> bool:
        return not self.package


# Order matters: the first face whose cmap has a character draws it. The last is a fallback where
# Debian's fonts-noto-cjk is installed (.ci/run installs it; face 2 of the collection is Noto Sans
# CJK SC): it draws the rarer CJK characters (Extension B and beyond, e.g. 𠮷) that Noto Sans SC lacks.
# Where it is absent those characters are drawn as a visible box (`TOFU`), never left out.
_FACES = (
    _Face("Noto Sans", "fontpkg_noto_sans", ("files", "NotoSans[wdth,wght].ttf"), True),
    _Face("Noto Sans SC", "pylopdf_fonts_zh_cn", ("NotoSansSC-Regular.otf",), False),
    _Face("Noto Sans CJK SC", "", ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",), False, 2),
)
# What a character no font covers is drawn as (white square, in Noto Sans SC): seen, not dropped.
TOFU = "\u25a1"


@functools.cache
def _available() -> tuple[tuple[str, _Face], ...]:
    found = []
    for face in _FACES:
        if face.optional:
            path = Path(face.parts[0])
            if path.is_file():
                found.append((str(path), face))
            continue
        path = Path(str(resources.files(face.package).joinpath(*face.parts)))
        if not path.is_file():
            raise FileNotFoundError(f"certificate font missing: {path} (pip package {face.package})")
        found.append((str(path), face))
    return tuple(found)


def _font_paths() -> tuple[str, ...]:
    return tuple(path for path, _ in _available())


def _face(path: str) -> _Face:
    return dict(_available())[path]


def _is_variable(path: str) -> bool:
    return _face(path).variable


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
    font = TTFont(path, lazy=True, fontNumber=_face(path).index if path.endswith(".ttc") else -1)
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
    font = ImageFont.truetype(_font_source(path), size, index=_face(path).index,  # type: ignore[arg-type]
                              layout_engine=_LAYOUT)
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
