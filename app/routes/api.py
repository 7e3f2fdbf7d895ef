"""The public JSON API (v1) for kiosks and partners.

No CSRF token and no login, so it can do no more than a visitor can: read
public data, estimate, start an order (which only holds credits for a while)
and, in demo mode only, confirm a demo payment. Rate limited; errors are
`{"error": {"code", "message", "field"}}` with a 4xx status, and bad input
never creates or changes a row.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from ..extensions import db, limiter
from ..models import Certificate, Event, Order, Project, utcnow
from ..services import footprint, names, payments, zones
from ..services.certificates import content
from ..services.live import boards
from ..services.register import registry
from ..services.sales import checkout, ledger, orders, statements
from ..web import (
    api_error,
    checkout_settings,
    client_key,
    error_json,
    language,
    latest_checkpoint,
    public_url,
)
from ..web.limits import address_key, per_venue, per_visitor
from ..web.participants import ensure_participant

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# One budget for every API call per client address, sized for a venue's shared network
# (shared by all endpoints, and by every server through Redis); a write also draws on the
# visitor's own write budget and on the address's venue-sized write budget (app/web/limits.py).
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=address_key)(bp)


def write_limit(view):
    return per_visitor(limiter, "API_WRITE_RATE_LIMIT")(per_venue(limiter)(view))


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object with Content-Type: application/json.")
    return data


def names_json(row, fields: dict[str, str]) -> dict:
    """The `names` object: for each language, each field as a page in that language shows it (the fallback of
    app/services/names.py applied: zh and fil fall back to en, the plain field). `fields`: JSON name -> column."""
    picked = names.every_language(row)
    return {code: {key: by_field[column] for key, column in fields.items()} for code, by_field in picked.items()}


EVENT_NAMES = {"name": "name", "venue": "venue_name", "city": "city", "description": "description"}
PROJECT_NAMES = {"name": "name", "type": "kind", "place": "place", "description": "description"}


def event_json(event: Event) -> dict:
    return {
        "slug": event.slug,
        "name": event.name,
        "scenario": event.scenario,
        "currency": event.currency,
        "city": event.city,
        "venue": event.venue_name,
        "starts_on": event.starts_on.isoformat() if event.starts_on else None,
        "ends_on": event.ends_on.isoformat() if event.ends_on else None,
        "status": event.status,
        "timezone": zones.zone_of(event).key,  # where its pages show times; the API's times stay UTC
        "url": public_url("public.event", slug=event.slug),
        "names": names_json(event, EVENT_NAMES),
    }


OPENAPI = Path(__file__).resolve().parent.parent / "data" / "openapi.json"


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/json")


@bp.get("/events")
def events():
    """Live events."""
    rows = db.session.execute(select(Event).where(Event.status == "live").order_by(Event.id)).scalars()
    return jsonify(events=[event_json(e) for e in rows])


@bp.get("/projects")
def projects():
    """Active projects with price and credits left."""
    rows = db.session.execute(select(Project).where(Project.active.is_(True)).order_by(Project.id)).scalars().all()
    stock = ledger.stock(db.session, [p.id for p in rows], utcnow())
    money = statements.project_money(db.session, rows)
    return jsonify(projects=[project_json(p, stock[p.id].left_kg, money[p.id]) for p in rows])


def project_json(p: Project, left_kg: int, money: statements.ProjectMoney) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "type": p.kind,
        "place": p.place,
        "country": p.country,
        "standard": p.standard,
        "vintage": p.vintage,
        "price_per_tonne_minor": p.price_per_tonne_minor,
        "currency": p.currency,
        "price_source": p.price_source,
        "price_year": p.price_year,
        "kg_left": max(left_kg, 0),
        "owner": p.owner.name,
        "names": {code: {**texts, "owner": names.pick(p.owner, "name", code)}
                  for code, texts in names_json(p, PROJECT_NAMES).items()},
        "passed_to_owner_minor": money.owner_share_minor,  # kept for existing clients: the share, owed
        "owner_share_minor": money.owner_share_minor,
        "owner_paid_out_minor": money.owner_paid_out_minor,
        "owner_owed_minor": money.owner_owed_minor,
    }


@bp.get("/events/<slug>/board")
def event_board(slug: str):
    """An event's board, best first; names only with consent."""
    event = db.session.execute(select(Event).where(Event.slug == slug, Event.status != "draft")).scalar_one_or_none()
    if event is None:
        return api_error(404, "not_found", "No such event.", "event")
    rows = boards.event_board(db.session, event.id, limit=100)
    return jsonify(
        event=event.slug,
        entries=[
            {"rank": r.rank, "name": r.name or boards.ANONYMOUS, "organization": r.organization, "kg": r.kg}
            for r in rows
        ],
    )


@bp.post("/footprint")
def estimate():
    """Estimate a footprint from calculator inputs."""
    try:
        result = footprint.estimate(body())
    except footprint.FootprintError as exc:
        return error_json(exc)
    return jsonify(result.to_dict())


def order_json(order: Order) -> dict:
    data = {
        "id": order.public_id,
        "status": "expired" if order.status == "pending" and order.hold_expires_at <= utcnow() else order.status,
        "event": order.event.slug,
        "project": order.project_id,
        "kg": order.kg,
        "credits_kg": order.credits_kg,
        "amount_minor": order.amount_minor,
        "currency": order.currency,
        "payment_url": public_url("checkout.pay", public_id=order.public_id),
        "provider": order.provider,
        "hold_expires_at": order.hold_expires_at.isoformat() + "Z",
    }
    if order.status == "paid" and order.certificate:
        data["certificate_token"] = order.certificate.token
        data["certificate_url"] = public_url("certificates.show", token=order.certificate.token)
    return data


def order_request(data: dict) -> checkout.OrderRequest:
    """The JSON body as an order request; raises OrderError naming the field."""
    event = db.session.execute(
        select(Event).where(Event.slug == str(data.get("event", "")))
    ).scalar_one_or_none()
    if event is None:
        raise orders.OrderError("No such event.", "event")
    project_id = data.get("project")
    project = db.session.get(Project, project_id) if isinstance(project_id, int) else None
    if project is None:
        raise orders.OrderError("No such project.", "project")
    inputs, kg = None, None
    if "footprint" in data:
        if not isinstance(data["footprint"], dict):
            raise orders.OrderError("footprint must be an object of calculator inputs.", "footprint")
        inputs = data["footprint"]  # estimated once, by the checkout (field "footprint.<engine field>")
    elif "kg" in data:
        kg = data["kg"]
        if not isinstance(kg, int) or isinstance(kg, bool):
            raise orders.OrderError("kg must be a whole number of kilograms.", "kg")
    else:
        raise orders.OrderError("Send either kg or footprint.", "kg")
    for key, kind in (("display_name", str), ("organization", str), ("show_on_board", bool)):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise orders.OrderError(f"{key} has the wrong type.", key)
    return checkout.OrderRequest(
        kind="api", event=event, project=project, participant=ensure_participant(), kg=kg, footprint_inputs=inputs,
        display_name=data.get("display_name"), organization=data.get("organization"),
        show_on_board=bool(data.get("show_on_board")), language=language(), client_key=client_key(),
        user_agent=request.user_agent.string)


def sold_out(exc: ledger.SoldOut, event: Event, project_id: int):
    """409 with what is left and which other projects the event offers."""
    others = [p.id for p in orders.offered_projects(db.session, event) if p.id != project_id]
    return error_json(exc, 409, field="project", available_kg=exc.available_kg, other_projects=others)


@bp.post("/orders")
@write_limit
def create_order():
    """Start an order for a kg amount or a footprint; holds the credits."""
    try:
        value = order_request(body())
        order = checkout.start(db.session, checkout_settings(), value)
    except orders.OrderError as exc:
        db.session.rollback()
        return error_json(exc)
    except ledger.SoldOut as exc:
        return sold_out(exc, value.event, value.project.id)
    except ledger.HoldShareExceeded as exc:
        return error_json(exc, 429, field="kg", held_kg=exc.held_kg, limit_kg=exc.limit_kg)
    return jsonify(order_json(order)), 201


@bp.get("/orders/<public_id>")
def get_order(public_id: str):
    """An order's status; the certificate token once paid."""
    order = orders.by_public_id(db.session, public_id)
    if order is None:
        return api_error(404, "not_found", "No such order.")
    return jsonify(order_json(order))


@bp.post("/orders/<public_id>/demo-pay")
@write_limit
def demo_pay(public_id: str):
    """Demo orders only: confirm or fail a payment through the real fulfilment."""
    if not payments.is_available("demo", current_app.config):
        return api_error(404, "not_found", "Demo payments are off: this server takes real payments.")
    order = orders.by_public_id(db.session, public_id)
    if order is None:
        return api_error(404, "not_found", "No such order.")
    if order.provider != "demo":
        return api_error(404, "not_found", "This order pays through another provider.")
    outcome = body().get("outcome")
    if outcome not in ("paid", "failed"):
        return api_error(422, "invalid", 'outcome must be "paid" or "failed".', "outcome")
    try:
        checkout.apply_demo_outcome(db.session, checkout_settings(), order, outcome)
    except payments.Unavailable:
        return api_error(404, "not_found", "This order pays through another provider.")
    except ledger.SoldOut as exc:
        return error_json(exc, 409, field="project")
    except ledger.LedgerError as exc:
        return error_json(exc, 409)
    return jsonify(order_json(order))


@bp.get("/certificates/<token>")
def certificate(token: str):
    """Verify a certificate: number, name, event, kg, project, serials."""
    cert = db.session.execute(select(Certificate).where(Certificate.token == token)).scalar_one_or_none()
    if cert is None:
        return api_error(404, "not_found", "No certificate with that link exists.")
    shown = content.build(cert, public_url, names_language="en")  # the fields stay the default names
    return jsonify(
        number=shown.number,
        status=shown.status,
        name=shown.name or boards.ANONYMOUS,
        organization=shown.organization,
        sponsored_by=shown.sponsor or None,
        event={"slug": shown.event_slug, "name": shown.event_name,
               "names": names_json(cert.order.event, {"name": "name"})},
        kg=shown.kg,
        project={"id": shown.project_id, "name": shown.project_name, "standard": shown.project_standard,
                 "names": names_json(cert.order.project, {"name": "name"})},
        issued_at=shown.issued_at.isoformat() + "Z",
        serials=[{"batch": s.batch, "first": s.first, "last": s.last} for s in shown.serials],
        url=shown.page_url,
        image_url=shown.image_url,
        registry=registry_json(cert.id),
    )


# The public register's JSON endpoints (/api/v1/registry/..., /api/v1/serials/...)

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


@bp.errorhandler(registry.RegistryError)
def bad_register_query(exc: registry.RegistryError):
    """A page or proof asked for with numbers the register cannot answer: 400 naming the field."""
    return api_error(400, "invalid", exc.message, exc.field)


@bp.get("/registry/entries")
def registry_entries():
    """Entries [start, end) of the log, at most 1000 at a time."""
    start, end, rows = registry.entries(db.session, request.args.get("start"), request.args.get("end"))
    return jsonify(start=start, end=end, size=registry.size(db.session),
                   entries=[{"index": e.seq, "leaf": e.leaf} for e in rows])


@bp.get("/registry/proof/inclusion")
def registry_inclusion():
    """RFC 9162 audit path of entry `index` in the tree of `size` entries."""
    return jsonify(registry.inclusion(db.session, request.args.get("index"), request.args.get("size")))


@bp.get("/registry/proof/consistency")
def registry_consistency():
    """RFC 9162 consistency proof between the trees of `first` and `second` entries."""
    return jsonify(registry.consistency(db.session, request.args.get("first"), request.args.get("second")))


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
