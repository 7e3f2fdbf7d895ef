"""The organizer's area: organizations, events (create, edit, archive), QR
posters, the live dashboard with its CSV export, and neutralizing the event's
own operations through the visitors' checkout.

Every page here needs a signed-in organizer, and an event's pages need
membership of the event's organization (otherwise 404: an event's dashboard
does not even admit it exists).
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..extensions import db, limiter
from ..models import Event, Organization, Project
from ..services import names
from ..services.accounts import invites, organizations
from ..services.certificates import posters
from ..services.footprint import event_estimate
from ..services.live import dashboard, sources
from ..services.sales import checkout, ledger, money, orders
from ..web import checkout_settings, guard, htmx, i18n, language, live, public_url, reports
from ..web.calculator_form import (
    BASKET_LABELS,
    GRID_GROUPS,
    MEAL_LABELS,
    OPERATIONS_BASKET_FIRST,
    Calculation,
    calculate_operations,
)
from ..web.forms import (
    EVENT_NAME_FIELDS,
    EventForm,
    OrganizationForm,
    error_message,
    fill_names,
    names_data,
    show_error,
    timezone_choices,
)
from ..web.htmx import redirect_to, render
from ..web.limits import per_account
from ..web.participants import ensure_participant
from ..web.serving import generic_http_error

bp = Blueprint("organizer", __name__, url_prefix="/organizer")


@bp.before_request
def _organizers_only():
    guard("organizer")


def organization_or_404(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or not organizations.is_member(db.session, current_user, org.id):
        abort(404)
    return org


def event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not organizations.is_member(db.session, current_user, event.organization_id):
        abort(404)
    return event


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

def status_labels() -> dict[str, str]:
    return {"draft": _("Draft: only you can see it"), "live": _("Live: open to visitors"),
            "archived": _("Archived: ended; its page and board stay online")}


def event_form(event: Event | None = None) -> EventForm:
    form = EventForm(obj=event) if event is not None and request.method == "GET" else EventForm()
    if event is not None and request.method == "GET":
        form.projects.data = [p.id for p in event.projects]
        fill_names(form, event, EVENT_NAME_FIELDS)
    form.currency.choices = organizations.active_currencies(db.session)
    form.timezone.choices = timezone_choices(form.country.data or (event.country if event else ""))
    if event is None and request.method == "GET" and form.currency.choices:
        form.currency.data = "CNY" if "CNY" in form.currency.choices else form.currency.choices[0]
    return form


# The event form's fields in the order the page shows them: the first with an error takes the focus.
EVENT_FIELDS = ("name", "scenario", "description", "slug", "starts_on", "ends_on", "expected_attendance",
                "venue_name", "venue_code", "city", "country", "timezone", "currency", "projects", "color", "language",
                "status")


def event_page(form: EventForm, org: Organization, event: Event | None, status: int = 200):
    projects = organizations.active_projects(db.session)
    by_currency: dict[str, list[Project]] = {}
    for p in projects:
        by_currency.setdefault(p.currency, []).append(p)
    return render(
        "organizer/event_form.html", form=form, org=org, event=event, projects_by_currency=by_currency,
        statuses=status_labels(),
        slug_locked=bool(event and organizations.has_orders(db.session, event.id)),
        first_bad=next((name for name in EVENT_FIELDS if form.errors.get(name)), None),
        status=status,
    )


# --------------------------------------------------------------------------
# Organizations and events
# --------------------------------------------------------------------------

@bp.get("/")
def index():
    """The organizer's organizations and their events."""
    orgs = organizations.organizations_of(db.session, current_user)
    events = organizations.events_of(db.session, [o.id for o in orgs])
    by_org: dict[int, list[Event]] = {o.id: [] for o in orgs}
    for e in events:
        by_org[e.organization_id].append(e)
    return render("organizer/index.html", orgs=orgs, events_by_org=by_org)


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization():
    """Add another organization, with the organizer as its first member."""
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = organizations.create_organization(db.session, current_user, form.name.data,
                                                    names_data(form, ("name",)))
        except organizations.AccountError as exc:
            db.session.rollback()
            exc.field = "name"
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Organization created."))
            return redirect_to(url_for("organizer.new_event", org_id=org.id))
    return render("organizer/organization_form.html", form=form, org=None, status=422 if form.errors else 200)


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
def edit_organization(org_id: int):
    """Rename an organization."""
    org = organization_or_404(org_id)
    form = OrganizationForm(obj=org)
    if request.method == "GET":
        fill_names(form, org, ("name",))
    if form.validate_on_submit():
        try:
            organizations.rename_organization(db.session, org, form.name.data, names_data(form, ("name",)))
        except organizations.AccountError as exc:
            db.session.rollback()
            exc.field = "name"
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Organization renamed."))
            return redirect_to(url_for("organizer.index"))
    return render("organizer/organization_form.html", form=form, org=org, status=422 if form.errors else 200)


# --------------------------------------------------------------------------
# Teams: members and invite links
# --------------------------------------------------------------------------

def members_page(org: Organization, new_link: str | None = None, error: str | None = None, status: int = 200,
                 new_label: str = ""):
    response = render("organizer/members.html", org=org, members=invites.members(db.session, org),
                      pending=invites.pending_invites(db.session, org), new_link=new_link, new_label=new_label,
                      label_max=invites.LABEL_MAX, error=error,
                      invite_days=invites.INVITE_DAYS, status=status)
    response.headers["Cache-Control"] = "no-store"  # a new invite link is shown once
    return response


def confirm_page(title: str, message: str, action: str, button: str, back: str):
    """The step before a destructive action: the same POST again with confirm=1 (works without JavaScript)."""
    response = render("organizer/confirm.html", title=title, message=message, action=action, button=button,
                      back=back)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organizations/<int:org_id>/members")
def members(org_id: int):
    """The organization's members and its invites still waiting."""
    return members_page(organization_or_404(org_id))


@bp.post("/organizations/<int:org_id>/invites")
def new_invite(org_id: int):
    """A new single-use invite link, shown once on the page this answers with."""
    org = organization_or_404(org_id)
    invite, token = invites.create_invite(db.session, org, current_user, label=request.form.get("label", ""))
    db.session.commit()
    return members_page(org, new_link=public_url("auth.invite", token=token), new_label=invite.label)


@bp.post("/organizations/<int:org_id>/invites/<int:invite_id>/revoke")
def revoke_invite(org_id: int, invite_id: int):
    """Revoke a waiting invite: its link stops working."""
    org = organization_or_404(org_id)
    try:
        invites.revoke_invite(db.session, org, invite_id)
    except invites.InviteError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("Invite revoked: its link no longer works."))
    return redirect_to(url_for("organizer.members", org_id=org.id))


@bp.get("/organizations/<int:org_id>/members/<int:user_id>/remove")
def confirm_remove_member(org_id: int, user_id: int):
    """Ask before removing a member (or leaving): a page whose form posts the removal, confirmed."""
    org = organization_or_404(org_id)
    who = next((m for m in invites.members(db.session, org) if m.id == user_id), None)
    if who is None:
        abort(404)
    leaving = who.id == current_user.id
    return confirm_page(
        title=_("Leave %(org)s?", org=org.name) if leaving else _("Remove %(who)s?", who=who.name or who.email),
        message=_("You will no longer see its events.") if leaving else _(
            "%(who)s will no longer see %(org)s's events. You can invite them again later.",
            who=who.name or who.email, org=org.name),
        action=url_for("organizer.remove_member", org_id=org.id, user_id=user_id),
        button=_("Leave") if leaving else _("Remove"), back=url_for("organizer.members", org_id=org.id))


@bp.post("/organizations/<int:org_id>/members/<int:user_id>/remove")
def remove_member(org_id: int, user_id: int):
    """Remove a member (or leave, for oneself) once confirmed; the last member stays."""
    org = organization_or_404(org_id)
    if request.form.get("confirm") != "1":
        return redirect_to(url_for("organizer.confirm_remove_member", org_id=org.id, user_id=user_id))
    try:
        invites.remove_member(db.session, org, user_id)
    except invites.InviteError as exc:
        db.session.rollback()
        if exc.code == "member_not_found":
            abort(404)
        return members_page(org, error=error_message(exc), status=422)
    db.session.commit()
    if user_id == current_user.id:
        flash(_("You left %(org)s.", org=names.pick(org, "name", str(get_locale() or "en"))))
        return redirect_to(url_for("organizer.index"))
    flash(_("Member removed."))
    return redirect_to(url_for("organizer.members", org_id=org.id))


@bp.route("/organizations/<int:org_id>/events/new", methods=["GET", "POST"])
def new_event(org_id: int):
    """Create an event: its address comes from the name and stays once visitors pay."""
    org = organization_or_404(org_id)
    form = event_form()
    if form.validate_on_submit():
        try:
            event = organizations.save_event(db.session, org, form.to_input())
        except organizations.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Event created. Print its QR poster next."))
            return redirect_to(url_for("organizer.event", event_id=event.id))
    else:
        every_problem(form)
    return event_page(form, org, None, status=422 if form.errors else 200)


def every_problem(form: EventForm) -> None:
    """A refused event form shows every problem at once: the service's rules too (the venue, the
    currency...), next to the fields the form's own checks left without an error."""
    if not form.is_submitted() or getattr(getattr(form, "csrf_token", None), "errors", None):
        return
    try:
        data = form.to_input()
    except (AttributeError, TypeError, ValueError):  # a field too broken to read; its own error shows
        return
    problems, _place, _chosen = organizations.event_problems(db.session, data)
    flagged = set(form.errors)
    for problem in problems:
        field = form._fields.get(problem.field or "")
        if field is not None and problem.field not in flagged:
            field.errors = [*field.errors, error_message(problem)]
            flagged.add(problem.field)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    """Edit an event (its address only until the first order)."""
    event = event_or_404(event_id)
    form = event_form(event)
    if form.validate_on_submit():
        try:
            organizations.save_event(db.session, event.organization, form.to_input(), event)
        except organizations.AccountError as exc:
            db.session.rollback()
            db.session.refresh(event)
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Event saved."))
            return redirect_to(url_for("organizer.event", event_id=event.id))
    else:
        every_problem(form)
    return event_page(form, event.organization, event, status=422 if form.errors else 200)


@bp.get("/events/<int:event_id>/archive")
def confirm_archive_event(event_id: int):
    """Ask before archiving: a page whose form posts the archiving, confirmed."""
    event = event_or_404(event_id)
    return confirm_page(
        title=_("Archive %(event)s?", event=event.name),
        message=_("Visitors can no longer pay, and the kiosk stops taking walk-ups. Its page, board and "
                  "certificates stay online."),
        action=url_for("organizer.archive_event", event_id=event.id), button=_("Archive this event"),
        back=url_for("organizer.event", event_id=event.id))


@bp.post("/events/<int:event_id>/archive")
def archive_event(event_id: int):
    """Archive an event once confirmed: no new orders; its page, board and certificates stay."""
    event = event_or_404(event_id)
    if request.form.get("confirm") != "1":
        return redirect_to(url_for("organizer.confirm_archive_event", event_id=event.id))
    event.status = "archived"
    db.session.commit()
    flash(_("Event archived. Its page and board stay online."))
    return redirect_to(url_for("organizer.event", event_id=event.id))


@bp.post("/events/<int:event_id>/kiosk")
def kiosk_switch(event_id: int):
    """Close (open=0) or reopen (open=1) the venue kiosk: a closed one takes no walk-ups."""
    event = event_or_404(event_id)
    event.kiosk_closed = request.form.get("open") != "1"
    db.session.commit()
    flash(_("The kiosk is closed: it takes no walk-ups until you reopen it.") if event.kiosk_closed
          else _("The kiosk is open again."))
    return redirect_to(url_for("organizer.event", event_id=event.id))


# --------------------------------------------------------------------------
# Dashboard and export
# --------------------------------------------------------------------------

@bp.get("/events/<int:event_id>")
def event(event_id: int):
    """The live dashboard: participants, participation, tonnes, money, over time."""
    ev = event_or_404(event_id)
    unchanged, etag = live.revalidate("dashboard", ev.id, current_user.get_id())
    if unchanged is not None:
        return unchanged
    buckets, hourly = dashboard.timeline(db.session, ev.id)
    cov = event_estimate.coverage(db.session, ev)
    return live.tag(render(
        "organizer/event.html",
        block="live",
        event=ev,
        coverage=cov,
        top_up_kg=event_estimate.operations_top_up_kg(cov),
        summary=dashboard.summary(db.session, ev),
        chart=dashboard.chart(buckets, hourly),
        recent=dashboard.recent_certificates(db.session, ev.id),
        sources=sources.counts(db.session, ev.id),
        public_url=public_url("public.event", slug=ev.slug),
    ), etag)


@bp.get("/events/<int:event_id>/orders.csv")
def orders_csv(event_id: int):
    """The event's paid orders as CSV (names only with the visitor's consent)."""
    ev = event_or_404(event_id)
    response = Response(dashboard.orders_csv(db.session, ev.id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="carbondot-{ev.slug}-orders.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------
# The event report
# --------------------------------------------------------------------------

@bp.get("/events/<int:event_id>/report")
def report(event_id: int):
    """The event report as a page: estimate, who neutralized what, projects, serials, register, money."""
    ev = event_or_404(event_id)
    response = render("organizer/report.html", event=ev, report=reports.build(ev),
                      qr=reports.qr(public_url("public.event", slug=ev.slug)),
                      public_report_url=public_url("public.event_report", slug=ev.slug))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<int:event_id>/report.pdf")
def report_pdf(event_id: int):
    """The event report as a PDF in the event's language (fonts embedded)."""
    ev = event_or_404(event_id)
    response = Response(reports.pdf(ev), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="carbondot-{ev.slug}-report.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/events/<int:event_id>/report/publish")
def publish_report(event_id: int):
    """Show (publish=1) or hide (publish=0) the report's public summary at /e/<slug>/report."""
    ev = event_or_404(event_id)
    ev.report_published = request.form.get("publish") == "1"
    db.session.commit()
    flash(_("The report's summary is public now.") if ev.report_published
          else _("The report's summary is no longer public."))
    return redirect_to(url_for("organizer.report", event_id=ev.id))


# --------------------------------------------------------------------------
# Posters
# --------------------------------------------------------------------------

def poster_language() -> str | None:
    """The poster's language (?language=<code>); None: no language in the QR, browsers decide."""
    return i18n.normalize(request.args.get("language"))


def poster_url(ev: Event, language: str | None, size: str | None = None) -> str:
    """What the QR code carries: the event page, with ?lang= when the organizer picked a language, and
    ?src= naming the poster (its scans are counted on the dashboard; the printed address has none)."""
    return public_url("public.event", slug=ev.slug, **({"lang": language} if language else {}),
                      **({"src": size} if size else {}))


def poster_data(ev: Event, language: str | None = None, size: str | None = None) -> posters.PosterData:
    """The poster in the language the organizer picked, else the event's own; its QR carries ?lang= only
    when one was picked (otherwise each visitor's browser decides)."""
    shown_in = language or ev.language or str(get_locale() or "en")
    with force_locale(shown_in):
        when = format_date(ev.starts_on, "medium") if ev.starts_on else ""
        if ev.starts_on and ev.ends_on and ev.ends_on != ev.starts_on:
            when += " – " + format_date(ev.ends_on, "medium")
        details = " · ".join(x for x in (names.pick(ev, "venue_name", shown_in), names.pick(ev, "city", shown_in),
                                         when) if x)
        return posters.PosterData(
            event_name=names.pick(ev, "name", shown_in),
            url=poster_url(ev, language, size),
            printed_url=poster_url(ev, language),
            call_to_action=_("Scan to be carbon neutral"),
            hint=_("Work out your trip's footprint, retire carbon credits and get your certificate in a minute."),
            details=details,
            color=ev.color,
        )


@bp.get("/events/<int:event_id>/posters")
def poster_page(event_id: int):
    """Preview and download the QR poster (A4) and table card (A6), in the language the organizer picks."""
    ev = event_or_404(event_id)
    language = poster_language()
    return render("organizer/posters.html", event=ev, url=poster_url(ev, language), poster_lang=language,
                  poster_languages={lang.code: lang.name for lang in i18n.offered()})


@bp.get("/events/<int:event_id>/poster-<any(a4, a6, screen):size>.<any(png, svg, pdf):fmt>")
def poster(event_id: int, size: str, fmt: str):
    """The poster file itself, in the event's language ("screen": 1920x1080 for a venue display)."""
    ev = event_or_404(event_id)
    body = posters.render(poster_data(ev, poster_language(), size), size, fmt)
    response = Response(body, mimetype=posters.MIME[fmt])
    disposition = "inline" if request.args.get("preview") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="carbondot-{ev.slug}-{size}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --------------------------------------------------------------------------
# Neutralizing the event's own operations
# --------------------------------------------------------------------------

def operations_page(ev: Event, ops: Calculation, status: int = 200, block: str | None = None):
    return render(
        "organizer/operations.html",
        block=block,
        status=status,
        event=ev,
        ops=ops,
        grids=GRID_GROUPS,  # labels from services/footprint/labels.py, in the page's language
        meal_kinds=MEAL_LABELS,
        basket_labels=BASKET_LABELS,
        basket_first=OPERATIONS_BASKET_FIRST,
        done=dashboard.operations_orders(db.session, ev.id),
        minimum=money.currency(ev.currency),
    )


@bp.get("/events/<int:event_id>/operations")
def operations(event_id: int):
    """Enter the venue's electricity, catering and supplies; see the footprint and price."""
    ev = event_or_404(event_id)
    return operations_page(ev, calculate_operations(ev, MultiDict()))


@bp.post("/events/<int:event_id>/operations/estimate")
def operations_estimate(event_id: int):
    """The live total for htmx, the whole page for a plain form; 422 for bad input."""
    ev = event_or_404(event_id)
    ops = calculate_operations(ev, request.form)
    block = "result" if htmx.target() == "ops-result" else None
    return operations_page(ev, ops, status=422 if ops.form_errors else 200, block=block)


@bp.post("/events/<int:event_id>/operations")
@per_account(limiter, "OPERATIONS_RATE_LIMIT")
def operations_pay(event_id: int):
    """Hold the credits for the operations' footprint and pay through the visitors' checkout."""
    ev = event_or_404(event_id)
    ops = calculate_operations(ev, request.form)
    if ev.status != "live":
        ops.form_errors["form"] = _("Make the event live before neutralizing its operations.")
    if ops.form_errors:
        return operations_page(ev, ops, status=422)
    project = db.session.get(Project, ops.selected_project) if ops.selected_project else None
    value = checkout.OrderRequest(
        kind="operations", event=ev, quote=ops.quote, project=project, participant=ensure_participant(),
        display_name=ev.organization.name[: orders.NAME_MAX], organization="", organization_id=ev.organization.id,
        language=language(), user_agent=request.user_agent.string)
    try:
        order = checkout.start(db.session, checkout_settings(), value)
    except checkout.NothingToBuy:
        ops.form_errors["form"] = _("Enter the electricity, meals or supplies to neutralize.")
        return operations_page(ev, ops, status=422)
    except checkout.NoProject:
        ops.form_errors["project"] = _("No project on offer has enough credits left for this footprint.")
        return operations_page(ev, ops, status=422)
    except (orders.OrderError, ledger.SoldOut) as exc:
        ops = calculate_operations(ev, request.form)
        ops.form_errors[getattr(exc, "field", None) or "project"] = exc.message
        return operations_page(ev, ops, status=422)
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))


@bp.errorhandler(429)
def too_many(exc):
    """A rate limit on the operations order keeps the organizer's form and says so."""
    if request.endpoint != "organizer.operations_pay":
        return generic_http_error(exc)
    ev = event_or_404(request.view_args["event_id"])
    ops = calculate_operations(ev, request.form)
    ops.form_errors["form"] = _("You started several orders in the last minute. Wait a minute, then try "
                                "again: your answers are kept.")
    response = operations_page(ev, ops, status=429)
    return response  # Flask-Limiter adds Retry-After
