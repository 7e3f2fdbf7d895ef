"""Certificate images are drawn once, when the payment is confirmed, and stored for every
server; showing them only reads (a GET never writes)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.models import CertificateImage
from app.services.certificates import artwork as certs
from app.services.certificates import content, images, numbers
from app.web import public_url


@pytest.fixture(autouse=True)
def fresh_fingerprints():
    images.clear_fingerprints()
    yield
    images.clear_fingerprints()  # a patched input must not outlive its test


@pytest.fixture
def renders(monkeypatch):
    """The shapes drawn from now on."""
    drawn = []
    real = certs.render_png
    monkeypatch.setattr(certs, "render_png", lambda data, shape: drawn.append(shape) or real(data, shape))
    return drawn


def paid(client, make_order, **kw):
    order = make_order(paid=False, **kw)
    assert client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"}).status_code == 303
    return order.certificate


def stored(db, token) -> dict[str, tuple[str, bytes]]:
    """The committed images of a certificate: {shape: (version, png)}."""
    db.session.rollback()
    rows = db.session.execute(select(CertificateImage.shape, CertificateImage.version, CertificateImage.png)
                              .where(CertificateImage.token == token)).all()
    db.session.rollback()  # SQLite: let the other server's transaction in
    return {row.shape: (row.version, row.png) for row in rows}


def test_drawn_at_payment_then_served_from_the_store(app, app_config, client, db, make_order, renders):
    from app import create_app

    cert = paid(client, make_order)
    token = cert.token
    assert sorted(renders) == ["portrait", "wide"]  # both shapes, in the certificate's language
    with app.test_request_context():
        wanted = images.version(content.build(cert, public_url).artwork())
    rows = stored(db, token)
    assert set(rows) == {"portrait:en", "wide:en"}
    assert {version for version, _png in rows.values()} == {wanted}

    other_server = create_app(app_config).test_client()  # another process's app on the same database
    portrait = other_server.get(f"/c/{token}.png")
    assert portrait.status_code == 200 and portrait.get_data() == rows["portrait:en"][1]
    assert client.get(f"/c/{token}/preview.png").get_data() == rows["wide:en"][1]
    assert sorted(renders) == ["portrait", "wide"]  # nothing drawn again

    # Another language is drawn for the request that asks, and not stored.
    assert client.get(f"/c/{token}.png?lang=zh").status_code == 200
    assert set(stored(db, token)) == {"portrait:en", "wide:en"}

    # Revocation changes the ETag, not the picture: still served from the store.
    images.revoke(db.session, cert, "duplicate")
    db.session.commit()
    again = other_server.get(f"/c/{token}.png")
    assert "revoked" in again.headers["ETag"] and again.get_data() == portrait.get_data()
    assert sorted(renders) == ["portrait", "portrait", "wide"]  # only the Chinese one


def test_a_replayed_payment_draws_nothing_again(client, db, make_order, renders):
    order = make_order(paid=False)
    for _ in range(2):
        client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    assert sorted(renders) == ["portrait", "wide"]


def test_no_certificate_page_writes_to_the_database(client, db, make_order):
    cert = paid(client, make_order, name="Ana")
    written = []

    def watch(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            written.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for url in (f"/c/{cert.token}", f"/c/{cert.token}.png", f"/c/{cert.token}/preview.png",
                    f"/c/{cert.token}.png?lang=fil", f"/c/{cert.token}/preview.png?lang=zh",
                    f"/api/v1/certificates/{cert.token}"):
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert written == []


def test_a_stale_image_is_drawn_for_the_request_and_stored_by_the_command(client, db, runner, make_order,
                                                                            monkeypatch, renders, request):
    token = paid(client, make_order).token
    old_version, old_png = stored(db, token)["portrait:en"]
    renders.clear()

    monkeypatch.setitem(numbers.TEXTS, "title", "Certificate of Carbon Neutrality")  # new words
    numbers._labels.cache_clear()
    request.addfinalizer(numbers._labels.cache_clear)  # after monkeypatch's undo: no patched words remain
    images.clear_fingerprints()
    fresh = client.get(f"/c/{token}.png").get_data()
    assert renders == ["portrait"] and fresh != old_png  # the new words, at once
    assert stored(db, token)["portrait:en"] == (old_version, old_png)  # the GET wrote nothing

    result = runner.invoke(args=["render-certificates"])
    assert result.exit_code == 0 and "2 images drawn for 1 certificates" in result.output
    version, png = stored(db, token)["portrait:en"]
    assert version != old_version and png == fresh
    renders.clear()
    assert client.get(f"/c/{token}.png").get_data() == fresh and renders == []
    assert "0 images drawn" in runner.invoke(args=["render-certificates"]).output  # up to date: nothing to do


def test_a_failed_drawing_never_undoes_the_payment(client, db, make_order, monkeypatch):
    def broken(data, shape):
        raise OSError("font file unreadable")

    monkeypatch.setattr(certs, "render_png", broken)
    order = make_order(paid=False)
    client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"})
    db.session.rollback()
    assert order.status == "paid" and order.certificate is not None
    assert stored(db, order.certificate.token) == {}
    monkeypatch.undo()
    assert client.get(f"/c/{order.certificate.token}.png").get_data().startswith(b"\x89PNG")  # drawn per request
