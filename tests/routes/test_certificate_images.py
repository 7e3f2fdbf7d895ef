"""Certificate images are rendered once and served from the database by every server."""
from __future__ import annotations

from sqlalchemy import select

from app.models import CertificateImage
from app.services.certificates import artwork as certs
from app.services.certificates import images


def test_rendered_once_then_served_from_the_store(client, app_config, db, make_order, monkeypatch):
    from app import create_app

    cert = make_order().certificate
    token = cert.token
    first = client.get(f"/c/{token}.png")
    assert first.status_code == 200 and first.get_data().startswith(b"\x89PNG")
    row = db.session.execute(select(CertificateImage).where(CertificateImage.token == token)).scalar_one()
    assert row.shape == "portrait:en" and row.png == first.get_data()
    db.session.rollback()  # SQLite: let the other server's transaction in

    renders = []
    real = certs.render_png
    monkeypatch.setattr(certs, "render_png", lambda data, shape: renders.append(shape) or real(data, shape))
    other_server = create_app(app_config).test_client()  # another process's app on the same database
    assert other_server.get(f"/c/{token}.png").get_data() == first.get_data()
    assert renders == []

    client.get(f"/c/{token}/preview.png")
    assert renders == ["wide"]
    images.revoke(db.session, cert, "duplicate")
    db.session.commit()
    again = other_server.get(f"/c/{token}.png")
    assert again.status_code == 200 and renders == ["wide", "portrait"]  # revocation gives a new version
    other_server.get(f"/c/{token}.png")
    assert renders == ["wide", "portrait"]


def test_version_follows_inputs_status_and_renderer(make_order, app):
    from app.services.certificates import content
    from app.web import public_url

    cert = make_order(name="Ana").certificate
    with app.test_request_context():
        data, again = content.build(cert, public_url).artwork(), content.build(cert, public_url).artwork()
    base = images.version(data, "valid")
    assert base == images.version(again, "valid")
    assert base != images.version(data, "revoked")
    from dataclasses import replace

    assert base != images.version(replace(data, name="Bo"), "valid")
    assert len(images.renderer_version()) == 16
