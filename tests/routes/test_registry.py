"""The register's URLs: checkpoint, log, entries, proofs, serial lookup, the page, and the certificate's link."""
import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from app.models import RegistryEntry
from app.services.register import merkle, signing
from tests.accounts import login_as, make_user


@pytest.fixture
def paid(make_order, make_project, make_event):
    project, event = make_project(price=400_000), make_event()  # ¥4,000/t: the ¥4.00 minimum buys 1 kg
    return [make_order(project=project, event=event, kg=kg, name="Mei Chen") for kg in (12, 30, 7)]


def checkpoint(client):
    data = client.get("/api/v1/registry/checkpoint").get_json()
    origin, size, root, end = data["checkpoint"].split("\n")
    Ed25519PublicKey.from_public_bytes(base64.b64decode(data["public_key"])).verify(
        base64.b64decode(data["signature"]), data["checkpoint"].encode())
    return origin, int(size), base64.b64decode(root), end, data


def test_checkpoint_log_and_proofs_agree(client, paid, app):
    origin, size, root, end, data = checkpoint(client)
    assert (origin, size, end) == ("localhost/registry", 3, "")
    assert data["public_key"] == base64.b64encode(
        signing.public_key(signing.seed(app.config["REGISTRY_SIGNING_KEY"]))).decode()
    log = client.get("/registry.jsonl")
    assert log.mimetype == "application/jsonl"
    lines = log.get_data().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 4
    digests = [merkle.leaf_hash(line) for line in lines[:3]]
    for i in range(3):
        proof = client.get(f"/api/v1/registry/proof/inclusion?index={i}&size=3").get_json()
        assert (proof["index"], proof["size"]) == (i, 3)
        assert merkle.verify_inclusion(i, 3, digests[i], [bytes.fromhex(h) for h in proof["proof"]], root)
    cons = client.get("/api/v1/registry/proof/consistency?first=1&second=3").get_json()
    assert (cons["first"], cons["second"]) == (1, 3)
    assert merkle.verify_consistency(1, 3, digests[0], root, [bytes.fromhex(h) for h in cons["proof"]])
    page = client.get("/api/v1/registry/entries?start=1&end=3").get_json()
    assert (page["start"], page["end"], page["size"]) == (1, 3, 3)
    assert [e["leaf"].encode() for e in page["entries"]] == lines[1:3]
    assert [e["index"] for e in page["entries"]] == [1, 2]
    assert client.get("/api/v1/registry/entries").get_json()["end"] == 3


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/registry/proof/inclusion?index=3&size=3", "index"),
    ("/api/v1/registry/proof/inclusion?index=0&size=4", "size"),
    ("/api/v1/registry/proof/inclusion?index=a&size=3", "index"),
    ("/api/v1/registry/proof/inclusion?size=3", "index"),
    ("/api/v1/registry/proof/consistency?first=0&second=3", "first"),
    ("/api/v1/registry/proof/consistency?first=2&second=9", "second"),
    ("/api/v1/registry/entries?start=2&end=1", "end"),
    ("/api/v1/registry/entries?start=0&end=5000", "end"),
    ("/api/v1/registry/entries?start=-1", "start"),
])
def test_bad_register_requests_get_a_clear_400(client, paid, url, field):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_the_certificate_api_and_page_link_the_entry(client, paid):
    cert = paid[1].certificate
    data = client.get(f"/api/v1/certificates/{cert.token}").get_json()
    lines = client.get("/registry.jsonl").get_data().split(b"\n")
    assert data["registry"]["index"] == 1 and data["registry"]["leaf"].encode() == lines[1]
    assert data["registry"]["revocation"] is None
    page = client.get(f"/c/{cert.token}").get_data(as_text=True)
    # People count entries from 1 (issue #24 item 4): index 1 is the second entry; links keep the index.
    assert "Recorded in the public register as entry #2" in page and "/registry?entry=1#entry" in page
    assert 'href="/registry#verify"' in page and "registry_verify.py" not in page  # a link, not a command
    entry_page = client.get("/registry?entry=1").get_data(as_text=True)
    assert "Entry #2" in entry_page and json.loads(lines[1])["certificate"] in entry_page
    assert "no entry #10" in client.get("/registry?entry=9").get_data(as_text=True)


def test_serial_lookup_in_the_api_and_on_the_page(client, paid, htmx):
    r = paid[0].retirements[0]
    serial = f"{r.batch.serial_prefix}-{r.last_serial:010d}"
    data = client.get(f"/api/v1/serials/{serial}").get_json()
    assert data["serial"] == serial and data["certificate"] == {"number": paid[0].certificate.number,
                                                                "status": "valid"}
    assert data["registry"] == {"index": 0} and data["project"]["id"] == paid[0].project_id
    assert "token" not in json.dumps(data) and paid[0].certificate.token not in json.dumps(data)
    after = f"{r.batch.serial_prefix}-{r.last_serial + 100:010d}"
    missing = client.get(f"/api/v1/serials/{after}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_retired"
    page = client.get(f"/registry?serial={serial}").get_data(as_text=True)
    assert f"{serial} is retired" in page and paid[0].certificate.number in page and "Mei Chen" not in page
    fragment = htmx.get(f"/registry?serial={after}").get_data(as_text=True)
    assert "is not retired on CarbonDot" in fragment and "<html" not in fragment


def test_the_page_shows_the_checkpoint_and_newest_entries_without_names(client, paid):
    page = client.get("/registry").get_data(as_text=True)
    assert "localhost/registry ⏎ 3 ⏎" in page and "3 entries." in page
    assert all(o.certificate.number in page for o in paid) and "Mei Chen" not in page
    assert "python registry_verify.py" in page and "/registry/registry_verify.py" in page


def test_an_empty_register_has_the_empty_root(client):
    _origin, size, root, _end, _data = checkpoint(client)
    assert size == 0 and root == merkle.EMPTY_ROOT
    assert client.get("/registry.jsonl").get_data() == b""
    assert "Nothing is recorded yet" in client.get("/registry").get_data(as_text=True)


def test_revoking_on_the_operator_page_appends_a_revoke_entry(client, db, paid):
    login_as(client, make_user(db, "ops@example.com", role="operator"))
    db.session.commit()
    number = paid[0].certificate.number
    token = paid[0].certificate.token
    assert client.post("/operator/certificates/revoke", data={"number": number, "reason": "Chargeback"}).status_code \
        == 303
    assert client.post("/operator/certificates/revoke", data={"number": number, "reason": "x"}).status_code == 422
    last = json.loads(client.get("/registry.jsonl").get_data().split(b"\n")[3])
    assert (last["type"], last["seq"], last["revokes"], last["certificate"]) == ("revoke", 3, 0, number)
    assert "Chargeback" not in json.dumps(last)
    data = client.get(f"/api/v1/certificates/{token}").get_json()
    assert data["registry"]["revocation"]["index"] == 3
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 4


def test_revoking_from_the_command_line_appends_once(runner, db, paid):
    number = paid[2].certificate.number
    assert runner.invoke(args=["revoke-certificate", number, "--reason", "Fraud"]).exit_code == 0
    again = runner.invoke(args=["revoke-certificate", number, "--reason", "Fraud, confirmed"])
    assert again.exit_code != 0 and "revoked already" in again.output  # as on the operator page
    kinds = db.session.execute(select(RegistryEntry.kind).order_by(RegistryEntry.seq)).scalars().all()
    assert kinds == ["retire", "retire", "retire", "revoke"]


def test_registry_key_prints_a_usable_key(runner):
    result = runner.invoke(args=["registry-key"])
    assert result.exit_code == 0
    key = result.stdout.strip()
    assert len(base64.b64decode(key)) == 32 and signing.public_key(signing.seed(key))


def test_development_keeps_one_generated_key(app_config, tmp_path):
    from app import create_app

    app = create_app({**app_config, "REGISTRY_SIGNING_KEY": ""})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context(), app.test_request_context():
        from app.web import signing_seed

        first = signing_seed()
        assert signing_seed() == first and len(first) == 32
    assert (tmp_path / "instance" / "registry-signing-key").read_text().strip() == base64.b64encode(first).decode()


def test_a_bad_configured_key_is_refused_at_start(app_config):
    from app import create_app

    # Refused when the app starts, not by a 500 on the register (tests/test_hardening.py: every environment).
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY must be base64 of exactly 32 bytes"):
        create_app({**app_config, "REGISTRY_SIGNING_KEY": "c2hvcnQ="})


def test_register_answers_fit_the_openapi_schemas(client, paid):
    from tests.routes.test_openapi import check

    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    def ok(path):
        return spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    check(client.get("/api/v1/registry/checkpoint").get_json(), ok("/registry/checkpoint"), spec)
    entries = client.get("/api/v1/registry/entries?start=0&end=3").get_json()
    check(entries, ok("/registry/entries"), spec)
    for e in entries["entries"]:
        check(json.loads(e["leaf"]), schemas["RegistryLeaf"], spec)
    check(client.get("/api/v1/registry/proof/inclusion?index=1&size=3").get_json(), ok("/registry/proof/inclusion"),
          spec)
    check(client.get("/api/v1/registry/proof/consistency?first=1&second=3").get_json(),
          ok("/registry/proof/consistency"), spec)
    r = paid[0].retirements[0]
    check(client.get(f"/api/v1/serials/{r.batch.serial_prefix}-{r.first_serial:010d}").get_json(),
          ok("/serials/{serial}"), spec)
    check(client.get(f"/api/v1/certificates/{paid[0].certificate.token}").get_json(), schemas["Certificate"], spec)


def test_lookup_takes_any_case_a_certificate_number_a_token_and_a_link(client, paid):
    """Issue #26 item 18: a lower-case serial is found; a certificate's number, token or link finds it."""
    r = paid[0].retirements[0]
    serial = f"{r.batch.serial_prefix}-{r.last_serial:010d}"
    lower = client.get(f"/registry?serial={serial.lower()}").get_data(as_text=True)
    assert f"{serial} is retired" in lower
    cert = paid[1].certificate
    for text in (cert.number, cert.number.lower(), cert.token, f"https://example.org/c/{cert.token}"):
        page = client.get("/registry", query_string={"serial": text}).get_data(as_text=True)
        assert f"Certificate {cert.number}" in page and "is not retired" not in page, text
        assert paid[1].retirements[0].batch.serial_prefix in page and "Mei Chen" not in page
    by_number = client.get("/registry", query_string={"serial": cert.number}).get_data(as_text=True)
    assert cert.token not in by_number  # a number never reveals the certificate's link
    assert "is not retired" in client.get("/registry?serial=CD-2099-999999").get_data(as_text=True)
