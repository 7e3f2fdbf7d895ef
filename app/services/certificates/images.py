"""Certificate images, drawn when the certificate is issued and stored in the database.

When: right after the payment that issues the certificate is committed
(app/services/sales/checkout.py calls `store` for every settled payment), in the
certificate's own language and both shapes. A GET never writes: `png` serves the
stored image when its version is current, and otherwise draws the image for
that request only (another language asked with ?lang=, or a certificate whose
images predate a change to the drawing). `flask render-certificates` (`store_all`)
brings the stored images up to date after such a change.

Why the database and not instance/ on disk: several gunicorn servers share one
PostgreSQL but not a disk, and a PNG (25-50 KB) is a small row read by primary
key. The row is keyed by certificate token, shape and language.

Its `version` covers every input that changes the pixels: `fingerprint` (the
drawing code, typesetting and printed words: the source and the current
top-level values of artwork.py, typesetting.py, fonts.py and numbers.py; the bytes of the
font files; the certificate language's translation catalogue; the versions of
the libraries that draw) and the certificate's own data (content.artwork():
name, numbers, serials, the URL in the QR code, the language). The status is
not part of it: a revoked certificate's image is the same picture (its ETag
changes instead). Two servers storing the same image at once write the same
bytes (an upsert, no error).

Also here: `revoke`, the one place a certificate is revoked; revocation keeps
the stored images and bumps the live stamps.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from types import ModuleType

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import Certificate, CertificateImage, utcnow
from .. import languages
from ..live import stamps
from . import artwork as certs
from . import content, fonts, numbers, typesetting

# The modules whose code and top-level values decide what a certificate looks like.
RENDERING_MODULES: tuple[ModuleType, ...] = (certs, typesetting, fonts, numbers)
# Flask-Babel's catalogues (BABEL_TRANSLATION_DIRECTORIES is the default, app/translations).
CATALOGUES = Path(__file__).resolve().parents[2] / "translations"
# The libraries that lay out and draw the pixels (babel: dates may come from its locale data).
LIBRARIES = ("pillow", "qrcode", "fonttools", "babel")


def _canonical(value: object) -> str | None:
    """A text for a plain value that is the same in every process (sets sorted, so no
    hash seed shows), or None for anything that is not plain data (functions, modules)."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, Decimal, dt.date, enum.Enum)):
        return repr(value)
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [_canonical(v) for v in value]
        if None in items:
            return None
        if isinstance(value, (set, frozenset)):
            items.sort()
        return f"{type(value).__name__}({', '.join(items)})"  # type: ignore[arg-type]
    if isinstance(value, dict):
        pairs = [(_canonical(k), _canonical(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(pairs)) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        inner = _canonical(fields)
        return None if inner is None else f"{type(value).__name__}{inner}"
    return None


def _module_inputs(module: ModuleType) -> str:
    """A module's source and its top-level plain values as they are now (word tables,
    colours, metrics): a table patched at run time counts as much as an edited file."""
    values = {name: _canonical(value) for name, value in vars(module).items() if not name.startswith("__")}
    plain = "\n".join(f"{name}={text}" for name, text in sorted(values.items()) if text is not None)
    return Path(module.__file__ or "").read_text(encoding="utf-8") + "\n" + plain


@functools.cache
def _file_digest(path: str) -> str:
    """The file's bytes hashed, never its path: servers install the fonts in different places."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _catalogue_inputs(language: str) -> str:
    """The language's translations (msgid -> msgstr), without the header and comments, which
    change on every extraction; nothing for English, the source language."""
    from babel.messages.pofile import read_po

    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return ""
    with path.open("rb") as po:
        catalogue = read_po(po)
    pairs = [(repr(m.context), repr(m.id), repr(m.string)) for m in catalogue if m.id]
    return "\n".join(" ".join(pair) for pair in sorted(pairs))


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def fingerprint(language: str) -> str:
    """Everything besides a certificate's own data that decides its pixels in `language`,
    hashed once per process: the rendering modules, the font files, the language's
    catalogue, the drawing libraries (and Pillow's FreeType and Raqm builds)."""
    from PIL import features

    h = hashlib.sha256()
    for module in RENDERING_MODULES:
        h.update(_module_inputs(module).encode())
    for path in typesetting.font_paths():
        h.update(_file_digest(path).encode())
    h.update(_catalogue_inputs(language).encode())
    for name in LIBRARIES:
        h.update(f"{name}={_library_version(name)}".encode())
    for feature in ("freetype2", "raqm"):
        h.update(f"{feature}={features.version(feature)}".encode())
    return h.hexdigest()


def clear_fingerprints() -> None:
    """Forget the fingerprints (and font digests) computed so far: for tests that change an input."""
    fingerprint.cache_clear()
    _file_digest.cache_clear()


def warm_up() -> None:
    """Fonts, artwork and every certificate language's fingerprint, once per worker process,
    so that no visitor's request pays for them."""
    certs.warm_up()
    for language in languages.codes():
        fingerprint(language)


def version(data: certs.CertificateData) -> str:
    """The stored image's version: what draws it (`fingerprint`) and what it shows (`data`)."""
    inputs = f"{fingerprint(data.language)}|{_canonical(data)}"
    return hashlib.sha256(inputs.encode()).hexdigest()[:40]


def _key(shape: str, language: str) -> str:
    return f"{shape}:{language}"


def png(session: Session, cert: content.CertificateContent, shape: str) -> bytes:
    """The stored image if it is current, else drawn now for this request only (reads, never writes)."""
    data = cert.artwork()
    stored = session.execute(
        select(CertificateImage.version, CertificateImage.png)
        .where(CertificateImage.token == cert.token, CertificateImage.shape == _key(shape, data.language))
    ).one_or_none()
    if stored is not None and stored.version == version(data):
        return stored.png
    return certs.render_png(data, shape)


def store(session: Session, cert: content.CertificateContent, shapes: Iterable[str] = tuple(certs.SHAPES)) -> int:
    """Draw and keep the images of `cert` whose stored version is not current; how many were
    drawn. The caller commits. Called after a payment is committed, and by `store_all`."""
    data = cert.artwork()
    wanted = version(data)
    keys = {shape: _key(shape, data.language) for shape in shapes}
    current = set(session.scalars(select(CertificateImage.shape).where(
        CertificateImage.token == cert.token, CertificateImage.shape.in_(keys.values()),
        CertificateImage.version == wanted)))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    drawn = 0
    for shape, key in keys.items():
        if key in current:
            continue
        body = certs.render_png(data, shape)
        stmt = insert(CertificateImage).values(token=cert.token, shape=key, version=wanted, png=body,
                                               rendered_at=utcnow())
        session.execute(stmt.on_conflict_do_update(
            index_elements=["token", "shape"],
            set_={"version": stmt.excluded.version, "png": stmt.excluded.png,
                  "rendered_at": stmt.excluded.rendered_at},
        ))
        drawn += 1
    return drawn


def store_all(session: Session, public_url: Callable[..., str], batch: int = 100) -> tuple[int, int]:
    """Bring every certificate's stored images (its own language, both shapes) up to date,
    committing each batch: after a deploy that changed the drawing, its words, fonts or
    catalogues. Returns (certificates looked at, images drawn)."""
    seen = drawn = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(Certificate).where(Certificate.id > last_id).order_by(Certificate.id).limit(batch)).all()
        if not rows:
            return seen, drawn
        for cert in rows:
            drawn += store(session, content.build(cert, public_url))
        seen += len(rows)
        last_id = rows[-1].id
        session.commit()
        session.expunge_all()  # keep memory flat over many certificates


def revoke(session: Session, certificate: Certificate, reason: str) -> None:
    """Revoke a certificate: its page and API say so, its image ETag changes, live fragments refresh."""
    certificate.status = "revoked"
    certificate.revoked_reason = " ".join(reason.split())[:200]
    stamps.bump(session, certificate.order.event_id)
