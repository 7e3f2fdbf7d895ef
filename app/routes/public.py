"""Home, event pages, the methodology page and the health check."""
from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, get_template_attribute, jsonify, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select, text

from ..extensions import db
from ..models import Event, Project, utcnow
from ..services import footprint, names, scenarios
from ..services.certificates import event_cards
from ..services.footprint import event_estimate, life
from ..services.footprint import methodology as methodology_data
from ..services.live import boards, schedule, sources
from ..services.sales import ledger, orders, statements
from ..web import live, live_event, public_url, remember_poster, reports
from ..web.calculator_form import GRID_LABELS, back_url
from ..web.htmx import render
from ..web.participants import current_participant, participant_token
from ..web.serving import redis_status

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Scenario types and live events, searchable."""
    q = request.args.get("q", "").strip()[:80]
    scenario = request.args.get("scenario", "")
    stmt = select(Event).where(Event.status == "live")
    if scenario in scenarios.codes():
        stmt = stmt.where(Event.scenario == scenario)
    if q:
        stmt = names.search_events(stmt, q)
    events = db.session.execute(stmt.order_by(Event.starts_on.desc(), Event.id).limit(200)).scalars().all()
    events = [e for e in events if names.event_matches(e, q)][:50] if q else events[:50]
    events = schedule.live_first(events, utcnow().date())
    chips = [(s.code, _(s.plural)) for s in scenarios.all()]
    return render("public/home.html", block="results", events=events, q=q, scenario=scenario, chips=chips)


@bp.get("/e/<slug>")
def event(slug: str):
    """The QR target: the event, its live totals and the way in. A poster's scan (?src=) is counted,
    remembered for the visitor's order, and redirected to the page's own address."""
    event_id = live.event_id(slug)
    poster = sources.poster_source(request.args.get("src"))
    if poster is not None:
        sources.record_scan(db.session, event_id, poster)
        db.session.commit()
        remember_poster(event_id, poster)
        args = {k: v for k, v in request.args.items() if k != "src"}
        return redirect(url_for("public.event", slug=slug, **args), 303)
    unchanged, etag = live.revalidate("event", event_id)
    if unchanged is not None:
        return unchanged
    # A phone at the door: this second's copy, with the visitor's own rank in its hole.
    copy, shared = live.shared_view("event", event_id, token=False, holes={"rank": lambda: _your_rank(event_id)})
    if copy is not None:
        return copy
    ev = live_event(slug)
    etag = live.confirm(slug, event_id, ev.id, etag)
    participant = None if shared else current_participant()
    totals = boards.event_totals(db.session, ev.id)
    rank = boards.rank_at_event(db.session, ev.id, participant.id, of=totals.lines) if participant else None
    return live.keep_shared_view(live.tag(render(
        "public/event.html",
        block="live",
        event=ev,
        totals=totals,
        board=boards.event_board(db.session, ev.id, limit=5),
        rank=rank,
        operations_kg=orders.operations_kg(db.session, ev.id),
        coverage=(cov := event_estimate.coverage(db.session, ev)),
        badge=event_estimate.badge(cov),
        operations_certificates=orders.operations_certificates(db.session, ev.id),
        ended=schedule.ended(ev, utcnow().date()),
        page_url=public_url("public.event", slug=ev.slug),
        card_url=public_url("public.event_card", slug=ev.slug),
    ), etag), shared if ev.id == event_id else None)


def _your_rank(event_id: int) -> str:
    """The visitor's line on the event page ("You are #3 of 40"), or nothing."""
    token = participant_token()
    if token is None:
        return ""
    live.read_only()
    rank = boards.rank_of_visitor(db.session, event_id, token)
    return get_template_attribute("components/your_rank.html", "your_rank")(rank)


@bp.get("/e/<slug>/report")
def event_report(slug: str):
    """The event report's public summary, only once its organizer published it."""
    ev = live_event(slug)
    if not ev.report_published:
        abort(404)
    return render("public/report.html", event=ev, report=reports.build(ev),
                  qr=reports.qr(public_url("public.event", slug=ev.slug)))


@lru_cache(maxsize=64)
def _card_png(card: event_cards.EventCard) -> bytes:
    return event_cards.render(card)  # deterministic: equal cards give equal bytes


@bp.get("/e/<slug>/card.png")
def event_card(slug: str):
    """The event's 1200x630 link-preview image (Open Graph)."""
    ev = live_event(slug)
    shown_in = str(get_locale() or "en")
    place = ", ".join(part for part in (names.pick(ev, "venue_name", shown_in), names.pick(ev, "city", shown_in))
                      if part)
    card = event_cards.EventCard(names.pick(ev, "name", shown_in), place,
                                 ev.starts_on.isoformat() if ev.ends_on and ev.starts_on else "",
                                 _("Calculate and neutralize your footprint"))
    body = _card_png(card)
    response = Response(body, mimetype="image/png")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/p/<int:project_id>")
def project(project_id: int):
    """A project: its batches and serial ranges, credits left, the owner's share, paid out and owed."""
    proj = db.session.get(Project, project_id)
    if proj is None:
        abort(404)
    return render(
        "public/project.html",
        project=proj,
        stock=ledger.stock(db.session, [proj.id], utcnow())[proj.id],
        money=statements.project_money(db.session, [proj])[proj.id],
        serial=ledger.format_serial,
        back=back_url(request.args),
    )


@bp.get("/methodology")
def methodology():
    """Every emission factor with its source and year."""
    return render(
        "public/methodology.html",
        factors=footprint.factor_table(),
        version=footprint.METHODOLOGY,
        comparisons=footprint.comparison_table(),
        averages=life.averages(),
        source_for=methodology_data.source_for,
        flight_methods=methodology_data.flight_methods(),
        trips=methodology_data.trips(),
        portions=footprint.meal_portions(),
        changes=methodology_data.changes(),
        china_examples=methodology_data.china_examples(),
        carbonstop=methodology_data.carbonstop(),
        province_table=methodology_data.province_table(),
        grid_names=GRID_LABELS,
    )


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers and kiosks."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()  # end the transaction (on SQLite, the write lock) before pinging Redis
    except Exception:  # reporting the failure is the point
        db.session.rollback()
        return jsonify(status="error", database="error", redis=redis_status(current_app)), 503
    return jsonify(status="ok", database="ok", redis=redis_status(current_app))  # Redis down: limits in memory
