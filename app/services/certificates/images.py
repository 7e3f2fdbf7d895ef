"""Certificate images rendered once for every app server, stored in the database.

Why the database and not instance/ on disk: several gunicorn servers share one
PostgreSQL but not a disk, and a PNG (25-50 KB) is a small row read by primary
key. The row is keyed by certificate token, shape and language; its `version` is a hash
of what the image is made from: the renderer's own source (so a new renderer
re-renders), the certificate's data (name, serials, URL in the QR code,
language), the words printed in that language and its status (revocation gives a new version). A request whose
version differs renders again and replaces the row; two servers rendering the
same image at once both write the same bytes (an upsert, no error).

Also here: `revoke`, the one place a certificate is revoked, because revocation
must change the stored images' version and bump the live stamps together.
"""
from __future__ import annotations

import functools
import hashlib
import inspect

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import Certificate, CertificateImage, utcnow
from ..live import stamps
from . import artwork as certs


@functools.cache
def renderer_version() -> str:
    """Changes whenever the module that draws certificates changes."""
    source = inspect.getsource(inspect.getmodule(certs.render_png))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def version(data: certs.CertificateData, status: str) -> str:
    # The words come from the catalogues and Babel: a new translation or date format re-renders too.
    words = (dict(certs.labels(data.language)), certs.format_date(data.issued_on, data.language))
    inputs = f"{renderer_version()}|{status}|{data!r}|{words!r}"
    return hashlib.sha256(inputs.encode()).hexdigest()[:40]


def png(session: Session, token: str, status: str, data: certs.CertificateData, shape: str) -> bytes:
    """The stored image if it is current, else rendered now and stored for every server.
    One image per shape and language (a page may ask for the certificate in its own language)."""
    wanted = version(data, status)
    key = f"{shape}:{data.language}"
    stored = session.execute(
        select(CertificateImage.version, CertificateImage.png)
        .where(CertificateImage.token == token, CertificateImage.shape == key)
    ).one_or_none()
    if stored is not None and stored.version == wanted:
        return stored.png
    body = certs.render_png(data, shape)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CertificateImage).values(token=token, shape=key, version=wanted, png=body, rendered_at=utcnow())
    session.execute(stmt.on_conflict_do_update(
        index_elements=["token", "shape"],
        set_={"version": stmt.excluded.version, "png": stmt.excluded.png, "rendered_at": stmt.excluded.rendered_at},
    ))
    return body


def revoke(session: Session, certificate: Certificate, reason: str) -> None:
    """Revoke a certificate: its page says so, its images get a new version, live fragments refresh."""
    certificate.status = "revoked"
    certificate.revoked_reason = " ".join(reason.split())[:200]
    stamps.bump(session, certificate.order.event_id)
