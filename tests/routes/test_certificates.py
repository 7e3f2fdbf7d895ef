"""The public certificate: page, images, sharing tags, revocation."""


def test_certificate_page_has_absolute_share_tags(client, make_order):
    order = make_order(kg=420, name="Niño Dela Cruz")
    token = order.certificate.token
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://localhost/c/{token}/preview.png">' in page
    assert 'name="twitter:card" content="summary_large_image"' in page
    assert "Niño Dela Cruz" in page and order.certificate.number in page
    assert 'data-action="share"' in page and "download=" in page


def test_images_have_both_shapes_and_cache(client, make_order):
    import io

    from PIL import Image

    token = make_order(kg=5).certificate.token
    portrait = client.get(f"/c/{token}.png")
    wide = client.get(f"/c/{token}/preview.png")
    assert Image.open(io.BytesIO(portrait.data)).size == (1080, 1350)
    assert Image.open(io.BytesIO(wide.data)).size == (1200, 630)
    etag = portrait.headers["ETag"]
    again = client.get(f"/c/{token}.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "public" in portrait.headers["Cache-Control"]


def test_unknown_certificate_says_so_plainly(client):
    for url in ("/c/this-token-does-not-exist-at-all", "/c/short", "/c/this-token-does-not-exist-at-all.png"):
        response = client.get(url)
        assert response.status_code == 404
        assert "No certificate exists at this link" in response.get_data(as_text=True)


def test_revoked_certificate_says_so(client, runner, make_order):
    cert = make_order(kg=5).certificate
    assert runner.invoke(args=["revoke-certificate", cert.number, "--reason", "Payment reversed"]).exit_code == 0
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    assert "has been revoked" in page and "Payment reversed" in page
    assert client.get(f"/api/v1/certificates/{cert.token}").get_json()["status"] == "revoked"
    # The image's validator changes with the status, so caches refetch it.
    assert "revoked" in client.get(f"/c/{cert.token}.png").headers["ETag"]
