"""A stored certificate image's version changes with every input that changes its pixels:
the printed words, the typesetting, the drawing code, the font files, the language's
catalogue and the certificate's own data; and it is the same on every server."""
from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
import types
from dataclasses import replace
from pathlib import Path

import pytest

from app.services.certificates import artwork, fonts, images, numbers, typesetting
from app.services.certificates.artwork import CertificateData

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_fingerprints():
    images.clear_fingerprints()
    yield
    images.clear_fingerprints()  # a patched input must not outlive its test


def data(**over) -> CertificateData:
    base = dict(number="CD-2026-000042", name="Ana", organization="", event_name="Forum", kg=420,
                project_name="Biogas", project_standard="CCER", serials=("T-0000001000 \u2013 T-0000001419",),
                issued_on=datetime.date(2026, 9, 7), url="https://carbondot.example/c/q3Xf8v1kR0bT9mW2yZ4pLw",
                language="en")
    base.update(over)
    return CertificateData(**base)


def changed(change) -> bool:
    """Whether `change()` gives the same certificate a new version (in English and Chinese)."""
    before = images.version(data()), images.version(data(language="zh"))
    change()
    images.clear_fingerprints()
    after = images.version(data()), images.version(data(language="zh"))
    return before[0] != after[0] and before[1] != after[1]


def test_the_same_inputs_give_the_same_version():
    assert images.version(data()) == images.version(data())
    assert len(images.version(data())) == 40


def test_the_certificate_s_own_data(monkeypatch):
    base = images.version(data())
    for field, value in (("name", "Bo"), ("organization", "Acme"), ("event_name", ""), ("kg", 421),
                         ("serials", ()), ("issued_on", datetime.date(2026, 9, 8)), ("url", "https://x/c/y"),
                         ("number", "CD-2026-000043"), ("project_standard", "VCS"), ("language", "fil")):
        assert images.version(replace(data(), **{field: value})) != base, field


def test_the_printed_words(monkeypatch):
    def new_title():
        monkeypatch.setitem(numbers.TEXTS, "title", "Certificate of Honor")
        numbers._labels.cache_clear()

    try:
        assert changed(new_title)
    finally:
        monkeypatch.undo()
        numbers._labels.cache_clear()


def test_the_date_formats(monkeypatch):
    """Month names and date patterns come from Babel: its version counts."""
    real = images._library_version
    assert changed(lambda: monkeypatch.setattr(
        images, "_library_version", lambda name: "99.0" if name == "babel" else real(name)))


def test_a_typesetting_constant(monkeypatch):
    assert changed(lambda: monkeypatch.setattr(typesetting, "LEADING", typesetting.LEADING + 0.01))


def test_an_artwork_colour(monkeypatch):
    assert changed(lambda: monkeypatch.setattr(artwork, "GOLD", "#b38b3e"))


def test_the_drawing_code(monkeypatch, tmp_path):
    """A module's source counts, not only its values: an edited function re-renders."""
    source = tmp_path / "drawing.py"
    source.write_text("def draw():\n    return 1\n")
    module = types.ModuleType("drawing")
    module.__file__ = str(source)
    monkeypatch.setattr(images, "RENDERING_MODULES", (*images.RENDERING_MODULES, module))
    assert {artwork, typesetting, fonts, numbers} <= set(images.RENDERING_MODULES)
    assert changed(lambda: source.write_text("def draw():\n    return 2\n"))


def test_the_font_files_bytes_not_their_path(monkeypatch, tmp_path):
    copies = []
    for n, path in enumerate(typesetting.font_paths()):
        copy = tmp_path / f"{n}-{Path(path).name}"
        shutil.copyfile(path, copy)
        copies.append(str(copy))
    base = images.version(data())
    monkeypatch.setattr(typesetting, "font_paths", lambda: tuple(copies))
    images.clear_fingerprints()
    assert images.version(data()) == base  # another server, the same fonts installed elsewhere

    def edit_a_byte():
        raw = bytearray(Path(copies[1]).read_bytes())
        raw[-1] ^= 1
        Path(copies[1]).write_bytes(bytes(raw))

    assert changed(edit_a_byte)


def test_the_language_s_catalogue(monkeypatch, tmp_path):
    shutil.copytree(images.CATALOGUES, tmp_path / "translations")
    monkeypatch.setattr(images, "CATALOGUES", tmp_path / "translations")
    zh, fil, en = (images.version(data(language=lang)) for lang in ("zh", "fil", "en"))
    po = tmp_path / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "碳中和荣誉证书"', 'msgstr "碳中和证书"', 1), encoding="utf-8")
    assert po.read_text(encoding="utf-8") != text  # the certificate's title is in the catalogue
    images.clear_fingerprints()
    assert images.version(data(language="zh")) != zh
    assert (images.version(data(language="fil")), images.version(data())) == (fil, en)  # other languages keep theirs
    # The header changes on every extraction; it draws nothing.
    po.write_text(re.sub(r'"POT-Creation-Date: [^\\]+', '"POT-Creation-Date: 1999-01-01 00:00+0000',
                         po.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    assert "1999-01-01" in po.read_text(encoding="utf-8")
    before = images.version(data(language="zh"))
    images.clear_fingerprints()
    assert images.version(data(language="zh")) == before


def test_every_server_computes_the_same_version():
    """No set order, hash seed or install path leaks into the version."""
    fields = {k: getattr(data(), k) for k in data().__dataclass_fields__}
    code = ("import datetime, sys; sys.path.insert(0, sys.argv[1])\n"
            "from app.services.certificates import images\n"
            "from app.services.certificates.artwork import CertificateData\n"
            f"print(images.version(CertificateData(**{fields!r})))")
    seen = {subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip() for seed in ("1", "2")}
    assert seen == {images.version(data())}
