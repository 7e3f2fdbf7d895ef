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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    ColorField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, Regexp

from .. import i18n
from ..extensions import db
from ..htmx import redirect_to, render
from ..models import EVENT_STATUSES, SCENARIOS, Event, Organization, Project, utcnow
from ..participants import ensure_participant
from ..services import accounts, dashboard, footprint, ledger, money, orders, posters
from .auth import field_error, guard
from .certificates import public_url
from .checkout import demo_mode, order_settings, save_footprint

bp = Blueprint("organizer", __name__, url_prefix="/organizer")


@bp.before_request
def _organizers_only():
    guard("organizer")


def organization_or_404(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or not accounts.is_member(db.session, current_user, org.id):
        abort(404)
    return org


def event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not accounts.is_member(db.session, current_user, event.organization_id):
        abort(404)
    return event


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

class FriendlyDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Use a date like 2026-09-07.")) from None


class FriendlyIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a whole number, like 300.")) from None


def scenario_labels() -> dict[str, str]:
    return {"conference": _("Conference"), "scenic": _("Scenic spot"), "supermarket": _("Supermarket"),
            "restaurant": _("Restaurant"), "hotel": _("Hotel"), "other": _("Other")}


def status_labels() -> dict[str, str]:
    return {"draft": _("Draft: only you can see it"), "live": _("Live: open to visitors"),
            "archived": _("Archived: ended; its page and board stay online")}


class OrganizationForm(FlaskForm):
    name = StringField(_l("Organization name"), validators=[
        InputRequired(_l("Enter the organization's name.")),
        Length(max=accounts.ORGANIZATION_MAX, message=_l("Keep the name under 60 characters."))])


class EventForm(FlaskForm):
    name = StringField(_l("Event name"), validators=[
        InputRequired(_l("Give the event a name.")), Length(max=200, message=_l("Keep it under 200 characters."))])
    slug = StringField(_l("Web address"), validators=[Optional(), Length(max=accounts.SLUG_MAX)])
    scenario = SelectField(_l("Kind of event"), choices=list(SCENARIOS), validate_choice=False, validators=[
        InputRequired(_l("Choose the kind of event.")), AnyOf(SCENARIOS, _l("Choose one of the kinds listed."))])
    description = TextAreaField(_l("Short description"), validators=[
        Optional(), Length(max=1000, message=_l("Keep it under 1,000 characters."))])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_code = StringField(_l("Venue place (for visitors' journeys)"), validators=[Optional(), Length(max=60)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    country = StringField(_l("Country code"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Use a two-letter country code such as CN."))])
    starts_on = FriendlyDateField(_l("Starts on"), validators=[Optional()])
    ends_on = FriendlyDateField(_l("Ends on"), validators=[Optional()])
    expected_attendance = FriendlyIntegerField(_l("Expected attendance"), validators=[
        Optional(), NumberRange(1, 10_000_000, message=_l("Enter a number from 1 to 10,000,000."))])
    # Checked by accounts.save_event: only currencies that active projects sell in.
    currency = SelectField(_l("Currency"), validate_choice=False, validators=[InputRequired(_l("Choose a currency."))])
    projects = SelectMultipleField(_l("Projects on offer"), coerce=int, validate_choice=False)
    color = ColorField(_l("Colour"), default="#0f5132", validators=[
        InputRequired(_l("Choose a colour.")),
        Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #0f5132."))])
    status = RadioField(_l("Status"), choices=list(EVENT_STATUSES), default="live", validate_choice=False,
                        validators=[InputRequired(_l("Choose a status.")),
                                    AnyOf(EVENT_STATUSES, _l("Choose draft, live or archived."))])

    def to_input(self) -> accounts.EventInput:
        d = self.data
        return accounts.EventInput(
            name=" ".join(d["name"].split()), scenario=d["scenario"], description=(d["description"] or "").strip(),
            venue_name=(d["venue_name"] or "").strip(), venue_code=(d["venue_code"] or "").strip(),
            city=(d["city"] or "").strip(), country=(d["country"] or "").strip().upper(),
            starts_on=d["starts_on"], ends_on=d["ends_on"], expected_attendance=d["expected_attendance"],
            currency=d["currency"], project_ids=list(d["projects"] or []), color=d["color"].lower(),
            status=d["status"], slug=(d["slug"] or "").strip().lower() or None,
        )


def event_form(event: Event | None = None) -> EventForm:
    form = EventForm(obj=event) if event is not None and request.method == "GET" else EventForm()
    if event is not None and request.method == "GET":
        form.projects.data = [p.id for p in event.projects]
    form.currency.choices = accounts.active_currencies(db.session)
    if event is None and request.method == "GET" and form.currency.choices:
        form.currency.data = "CNY" if "CNY" in form.currency.choices else form.currency.choices[0]
    return form


def event_page(form: EventForm, org: Organization, event: Event | None, status: int = 200):
    projects = accounts.active_projects(db.session)
    by_currency: dict[str, list[Project]] = {}
    for p in projects:
        by_currency.setdefault(p.currency, []).append(p)
    return render(
        "organizer/event_form.html", form=form, org=org, event=event, projects_by_currency=by_currency,
        scenarios=scenario_labels(), statuses=status_labels(),
        slug_locked=bool(event and accounts.has_orders(db.session, event.id)),
        status=status,
    )


# --------------------------------------------------------------------------
# Organizations and events
# --------------------------------------------------------------------------

@bp.get("/")
def index():
    """The organizer's organizations and their events."""
    orgs = accounts.organizations_of(db.session, current_user)
    events = accounts.events_of(db.session, [o.id for o in orgs])
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
            org = accounts.create_organization(db.session, current_user, form.name.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            exc.field = "name"
            field_error(form, exc)
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
    if form.validate_on_submit():
        try:
            accounts.rename_organization(db.session, org, form.name.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            exc.field = "name"
            field_error(form, exc)
        else:
            db.session.commit()
            flash(_("Organization renamed."))
            return redirect_to(url_for("organizer.index"))
    return render("organizer/organization_form.html", form=form, org=org, status=422 if form.errors else 200)


@bp.route("/organizations/<int:org_id>/events/new", methods=["GET", "POST"])
def new_event(org_id: int):
    """Create an event: its address comes from the name and stays once visitors pay."""
    org = organization_or_404(org_id)
    form = event_form()
    if form.validate_on_submit():
        try:
            event = accounts.save_event(db.session, org, form.to_input())
        except accounts.AccountError as exc:
            db.session.rollback()
            field_error(form, exc)
        else:
            db.session.commit()
            flash(_("Event created. Print its QR poster next."))
            return redirect_to(url_for("organizer.event", event_id=event.id))
    return event_page(form, org, None, status=422 if form.errors else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    """Edit an event (its address only until the first order)."""
    event = event_or_404(event_id)
    form = event_form(event)
    if form.validate_on_submit():
        try:
            accounts.save_event(db.session, event.organization, form.to_input(), event)
        except accounts.AccountError as exc:
            db.session.rollback()
            db.session.refresh(event)
            field_error(form, exc)
        else:
            db.session.commit()
            flash(_("Event saved."))
            return redirect_to(url_for("organizer.event", event_id=event.id))
    return event_page(form, event.organization, event, status=422 if form.errors else 200)


@bp.post("/events/<int:event_id>/archive")
def archive_event(event_id: int):
    """Archive an event: no new orders; its page, board and certificates stay."""
    event = event_or_404(event_id)
    event.status = "archived"
    db.session.commit()
    flash(_("Event archived. Its page and board stay online."))
    return redirect_to(url_for("organizer.event", event_id=event.id))


# --------------------------------------------------------------------------
# Dashboard and export
# --------------------------------------------------------------------------

@bp.get("/events/<int:event_id>")
def event(event_id: int):
    """The live dashboard: participants, participation, tonnes, money, over time."""
    ev = event_or_404(event_id)
    buckets, hourly = dashboard.timeline(db.session, ev.id)
    return render(
        "organizer/event.html",
        block="live",
        event=ev,
        summary=dashboard.summary(db.session, ev),
        chart=dashboard.chart(buckets, hourly),
        recent=dashboard.recent_certificates(db.session, ev.id),
        public_url=public_url("public.event", slug=ev.slug),
    )


@bp.get("/events/<int:event_id>/orders.csv")
def orders_csv(event_id: int):
    """The event's paid orders as CSV (names only with the visitor's consent)."""
    ev = event_or_404(event_id)
    response = Response(dashboard.orders_csv(db.session, ev.id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="carbondot-{ev.slug}-orders.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------
# Posters
# --------------------------------------------------------------------------

def poster_language() -> str | None:
    """The poster's language (?language=en|zh|fil); None: no language in the QR, browsers decide."""
    return i18n.normalize(request.args.get("language"))


def poster_url(ev: Event, language: str | None) -> str:
    """What the QR code carries: the event page, with ?lang= when the organizer picked a language."""
    return public_url("public.event", slug=ev.slug, **({"lang": language} if language else {}))


def poster_data(ev: Event, language: str | None = None) -> posters.PosterData:
    with force_locale(language or str(get_locale() or "en")):
        when = format_date(ev.starts_on, "medium") if ev.starts_on else ""
        if ev.starts_on and ev.ends_on and ev.ends_on != ev.starts_on:
            when += " – " + format_date(ev.ends_on, "medium")
        details = " · ".join(x for x in (ev.venue_name, ev.city, when) if x)
        return posters.PosterData(
            event_name=ev.name,
            url=poster_url(ev, language),
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
                  poster_languages=i18n.NAMES)


@bp.get("/events/<int:event_id>/poster-<any(a4, a6):size>.<any(png, svg, pdf):fmt>")
def poster(event_id: int, size: str, fmt: str):
    """The poster file itself."""
    ev = event_or_404(event_id)
    body = posters.render(poster_data(ev, poster_language()), size, fmt)
    response = Response(body, mimetype=posters.MIME[fmt])
    disposition = "inline" if request.args.get("preview") else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="carbondot-{ev.slug}-{size}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --------------------------------------------------------------------------
# Neutralizing the event's own operations
# --------------------------------------------------------------------------

OPS_BASKET_FIRST = ("coffee", "milk", "bananas", "apples", "wheat_bread", "rice")


class Operations:
    """The operations form: parsed, priced and with its errors by field."""

    def __init__(self, event: Event, form):
        self.event = event
        self.form = {k: (form.get(k) or "").strip()[:40] for k in form if k != "csrf_token"}
        self.errors: dict[str, str] = {}
        self.result: footprint.FootprintResult | None = None
        self.kg = 0
        data, where = self._engine_input()
        self.data = data
        if data:
            try:
                self.result = footprint.estimate(data)
            except footprint.FootprintError as exc:
                head = exc.field.split(".")[0]
                self.errors[where.get(head, "form")] = exc.message
        if self.result is not None and self.result.total_kg > 0:
            self.kg = money.kg_to_buy(self.result.total_kg)
        self.offers = self._offers()
        chosen = self.form.get("project", "")
        available = [o for o in self.offers if o["available"]]
        self.selected = next((o["project"].id for o in available if str(o["project"].id) == chosen), None)
        if self.selected is None and available:
            self.selected = available[0]["project"].id

    def _engine_input(self) -> tuple[dict, dict[str, str]]:
        """The engine's public input shape, and which form field each row came from."""
        f = self.form
        data: dict[str, list] = {"energy": [], "meals": [], "basket": []}
        where: dict[str, str] = {}
        if f.get("electricity"):
            where[f"energy[{len(data['energy'])}]"] = "electricity"
            data["energy"].append({"kind": "electricity", "amount": f["electricity"], "grid": f.get("grid") or "CN"})
        if f.get("gas"):
            where[f"energy[{len(data['energy'])}]"] = "gas"
            data["energy"].append({"kind": "natural_gas", "amount": f["gas"]})
        for kind, _label in footprint.MEAL_KINDS:
            if f.get(f"meals-{kind}"):
                where[f"meals[{len(data['meals'])}]"] = f"meals-{kind}"
                data["meals"].append({"kind": kind, "count": f[f"meals-{kind}"]})
        for category, _label in footprint.BASKET_CATEGORIES:
            if f.get(f"basket-{category}"):
                where[f"basket[{len(data['basket'])}]"] = f"basket-{category}"
                data["basket"].append({"category": category, "amount": f[f"basket-{category}"]})
        return {k: v for k, v in data.items() if v}, where

    def _offers(self) -> list[dict]:
        projects = orders.offered_projects(db.session, self.event)
        stock = ledger.stock(db.session, [p.id for p in projects], utcnow())
        out = []
        for p in projects:
            left = stock[p.id].left_kg
            price = money.price(self.kg, p.price_per_tonne_minor, p.currency, 0) if self.kg else None
            out.append({"project": p, "left_kg": left, "price": price, "available": left >= max(self.kg, 1)})
        return out


def operations_page(ev: Event, ops: Operations, status: int = 200, block: str | None = None):
    return render(
        "organizer/operations.html",
        block=block,
        status=status,
        event=ev,
        ops=ops,
        grids=dict(footprint.GRIDS),
        meal_kinds=dict(footprint.MEAL_KINDS),
        basket_labels=dict(footprint.BASKET_CATEGORIES),
        basket_first=OPS_BASKET_FIRST,
        done=dashboard.operations_orders(db.session, ev.id),
        minimum=money.currency(ev.currency),
    )


@bp.get("/events/<int:event_id>/operations")
def operations(event_id: int):
    """Enter the venue's electricity, catering and supplies; see the footprint and price."""
    ev = event_or_404(event_id)
    return operations_page(ev, Operations(ev, {}))


@bp.post("/events/<int:event_id>/operations/estimate")
def operations_estimate(event_id: int):
    """The live total for htmx, the whole page for a plain form; 422 for bad input."""
    ev = event_or_404(event_id)
    ops = Operations(ev, request.form)
    block = "result" if request.headers.get("HX-Target") == "ops-result" else None
    return operations_page(ev, ops, status=422 if ops.errors else 200, block=block)


@bp.post("/events/<int:event_id>/operations")
def operations_pay(event_id: int):
    """Hold the credits for the operations' footprint and pay through the visitors' checkout."""
    ev = event_or_404(event_id)
    ops = Operations(ev, request.form)
    if ev.status != "live":
        ops.errors["form"] = _("Make the event live before neutralizing its operations.")
    elif not ops.errors and ops.kg == 0:
        ops.errors["form"] = _("Enter the electricity, meals or supplies to neutralize.")
    elif not ops.errors and ops.selected is None:
        ops.errors["project"] = _("No project on offer has enough credits left for this footprint.")
    if ops.errors:
        return operations_page(ev, ops, status=422)
    project = db.session.get(Project, ops.selected)
    org = ev.organization
    participant = ensure_participant()
    # Kept with the order, so the certificate page can show how the footprint was calculated.
    saved = save_footprint(ops.result, ops.data, participant.id, ev.id)
    try:
        order = orders.start(
            db.session,
            event=ev,
            project=project,
            participant=participant,
            kg=ops.kg,
            footprint=saved,
            display_name=org.name[: orders.NAME_MAX],
            organization="",
            show_on_board=False,
            provider="demo" if demo_mode() else "stripe",
            settings=order_settings(),
            now=utcnow(),
            kind="operations",
            organization_id=org.id,
            language=str(get_locale() or "en"),
        )
    except (orders.OrderError, ledger.SoldOut) as exc:
        db.session.rollback()
        ops = Operations(ev, request.form)
        ops.errors[getattr(exc, "field", None) or "project"] = exc.message
        return operations_page(ev, ops, status=422)
    db.session.commit()
    return redirect_to(url_for("checkout.pay", public_id=order.public_id))
