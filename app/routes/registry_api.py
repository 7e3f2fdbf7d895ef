"""The public register's JSON endpoints, on the API blueprint (/api/v1/registry/..., /api/v1/serials/...)."""
from __future__ import annotations

from flask import jsonify, request

from ..extensions import db
from ..services import registry
from .api import api_error, bp
from .registry import latest_checkpoint


def registry_json(certificate_id: int) -> dict | None:
    """`registry` of a certificate's API answer: its retire entry (and revoke entry, once revoked)."""
    retired = registry.entry_for(db.session, certificate_id, "retire")
    if retired is None:
        return None
    revoked = registry.entry_for(db.session, certificate_id, "revoke")
    return {
        "index": retired.seq,
        "leaf": retired.leaf,
        "revocation": {"index": revoked.seq, "leaf": revoked.leaf} if revoked else None,
    }


@bp.get("/registry/checkpoint")
def registry_checkpoint():
    """The latest signed checkpoint (C2SP tlog-checkpoint body, Ed25519 signature, public key)."""
    return jsonify(latest_checkpoint().to_json())


@bp.get("/registry/entries")
def registry_entries():
    """Entries [start, end) of the log, at most 1000 at a time."""
    try:
        start, end, rows = registry.entries(db.session, request.args.get("start"), request.args.get("end"))
    except registry.RegistryError as exc:
        return api_error(400, "invalid", exc.message, exc.field)
    return jsonify(start=start, end=end, size=registry.size(db.session),
                   entries=[{"index": e.seq, "leaf": e.leaf} for e in rows])


@bp.get("/registry/proof/inclusion")
def registry_inclusion():
    """RFC 9162 audit path of entry `index` in the tree of `size` entries."""
    try:
        return jsonify(registry.inclusion(db.session, request.args.get("index"), request.args.get("size")))
    except registry.RegistryError as exc:
        return api_error(400, "invalid", exc.message, exc.field)


@bp.get("/registry/proof/consistency")
def registry_consistency():
    """RFC 9162 consistency proof between the trees of `first` and `second` entries."""
    try:
        return jsonify(registry.consistency(db.session, request.args.get("first"), request.args.get("second")))
    except registry.RegistryError as exc:
        return api_error(400, "invalid", exc.message, exc.field)


@bp.get("/serials/<serial>")
def serial(serial: str):
    """Which certificate retired a serial, with its project and date (no name, no certificate link)."""
    found = registry.find_serial(db.session, serial)
    if found is None:
        return api_error(404, "not_retired", "This serial is not retired on CarbonDot.", "serial")
    cert = found.certificate
    return jsonify(
        serial=found.serial,
        certificate={"number": cert.number, "status": cert.status},
        project={"id": cert.order.project_id, "name": cert.order.project.name,
                 "standard": cert.order.project.standard},
        retired_at=found.retired_at.isoformat() + "Z",
        registry={"index": found.entry.seq} if found.entry else None,
    )
