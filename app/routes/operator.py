"""The operator's area: projects and credit batches, moderation of names on
boards, revoking certificates, and payouts to project owners.

Every page needs a signed-in operator (role "operator"); `flask create-admin`
makes one.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..extensions import db
from ..htmx import redirect_to, render
from ..models import Certificate, Event, Order, Participant, Payout, Project, ProjectOwner, utcnow
from ..services import boards, certificate_images, ledger, money, orders, statements
from .auth import guard
from .organizer import FriendlyIntegerField

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.before_request
def _operators_only():
    guard("operator")


def to_minor(text: str | None, currency: str) -> int | None:
    """'58.00' CNY -> 5800; None when it is not a positive amount with at most the currency's decimals."""
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0:
        return None
    minor = value * (10 ** money.currency(currency).exponent)
    return int(minor) if minor == minor.to_integral_value() else None


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

def currency_choices() -> list[str]:
    return list(money.currencies())


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[InputRequired(_l("Enter the project's name.")), Length(max=200)])
    owner_id = SelectField(_l("Project owner"), coerce=str)
    new_owner = StringField(_l("or a new owner"), validators=[Optional(), Length(max=200)])
    kind = StringField(_l("Type"), validators=[InputRequired(_l("Enter the type, e.g. Forestry.")), Length(max=80)])
    place = StringField(_l("Place"), validators=[InputRequired(_l("Enter where the project is.")), Length(max=200)])
    country = StringField(_l("Country code"), default="CN", validators=[
        InputRequired(_l("Enter a two-letter country code.")),
        Regexp(r"^[A-Za-z]{2}$", message=_l("Use a two-letter country code such as CN."))])
    standard = StringField(_l("Standard"), validators=[
        InputRequired(_l("Enter the standard, e.g. CCER or Verra VCS.")), Length(max=80)])
    vintage = FriendlyIntegerField(_l("Vintage"), validators=[
        InputRequired(_l("Enter the vintage year.")), NumberRange(1990, 2100, message=_l("Enter a year like 2024."))])
    currency = SelectField(_l("Currency"))
    price = StringField(_l("Price per tonne"), validators=[InputRequired(_l("Enter the price per tonne."))])
    price_source = StringField(_l("Where the price comes from"), validators=[
        InputRequired(_l("Say where the price comes from.")), Length(max=200)])
    price_year = FriendlyIntegerField(_l("Price year"), validators=[
        InputRequired(_l("Enter the year of the price.")), NumberRange(1990, 2100, message=_l("Enter a year."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class BatchForm(FlaskForm):
    serial_prefix = StringField(_l("Serial prefix"), validators=[
        InputRequired(_l("Enter the serial prefix, e.g. CDCER-2024.")),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$", message=_l("Letters, digits and hyphens, up to 40."))])
    first_serial = FriendlyIntegerField(_l("First serial"), validators=[
        InputRequired(_l("Enter the first serial number.")), NumberRange(0, 10**15, message=_l("Enter 0 or more."))])
    quantity = FriendlyIntegerField(_l("Credits (kg)"), validators=[
        InputRequired(_l("Enter how many credits (kg).")), NumberRange(1, 10**12, message=_l("Enter 1 or more."))])
    vintage = FriendlyIntegerField(_l("Vintage"), validators=[
        Optional(), NumberRange(1990, 2100, message=_l("Enter a year like 2024."))])


class NumberForm(FlaskForm):
    number = StringField(_l("Certificate number"), validators=[
        InputRequired(_l("Enter the certificate number, e.g. CD-2026-000042.")), Length(max=32)])


class OrganizationNameForm(FlaskForm):
    name = StringField(_l("Organization as shown on the board"), validators=[
        InputRequired(_l("Enter the organization's name.")), Length(max=120)])


class RevokeForm(FlaskForm):
    number = StringField(_l("Certificate number"), validators=[
        InputRequired(_l("Enter the certificate number, e.g. CD-2026-000042.")), Length(max=32)])
    reason = StringField(_l("Reason (shown on the certificate page)"), validators=[
        InputRequired(_l("Say why: it is shown on the certificate's page.")), Length(max=200)])


class PayoutForm(FlaskForm):
    owner_id = SelectField(_l("Project owner"), coerce=str)
    currency = SelectField(_l("Currency"))
    amount = StringField(_l("Amount"), validators=[InputRequired(_l("Enter the amount transferred."))])
    reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=120)])


# --------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------

@bp.get("/")
def index():
    """What needs an operator: stock, recent sales, balances owed."""
    projects = db.session.execute(select(Project).order_by(Project.id)).scalars().all()
    stock = ledger.stock(db.session, [p.id for p in projects], utcnow())
    paid = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Order.kg), 0)).where(Order.status == "paid")
    ).one()
    return render("operator/index.html", projects=projects, stock=stock, paid_orders=paid[0], paid_kg=paid[1],
                  statements=statements.all_statements(db.session))


# --------------------------------------------------------------------------
# Projects and batches
# --------------------------------------------------------------------------

def projects_page(status: int = 200, batch_forms: dict[int, BatchForm] | None = None):
    projects = db.session.execute(select(Project).order_by(Project.id)).scalars().all()
    forms = batch_forms or {}
    for p in projects:
        forms.setdefault(p.id, BatchForm(formdata=None, vintage=p.vintage))
    return render(
        "operator/projects.html", status=status, projects=projects,
        stock=ledger.stock(db.session, [p.id for p in projects], utcnow()),
        batch_forms=forms, serial=ledger.format_serial,
    )


@bp.get("/projects")
def projects():
    """Projects with their batches (serial ranges) and credits issued, retired, held and left."""
    return projects_page()


def project_form() -> ProjectForm:
    form = ProjectForm()
    owners = db.session.execute(select(ProjectOwner).order_by(ProjectOwner.name)).scalars().all()
    form.owner_id.choices = {"": _("— new owner (below) —"), **{str(o.id): o.name for o in owners}}
    form.currency.choices = currency_choices()
    return form


@bp.route("/projects/new", methods=["GET", "POST"])
def new_project():
    """Add an emission-reduction project (its credits come with a batch)."""
    form = project_form()
    if form.validate_on_submit():
        price_minor = to_minor(form.price.data, form.currency.data)
        owner = db.session.get(ProjectOwner, int(form.owner_id.data)) if form.owner_id.data.isdigit() else None
        new_owner = " ".join((form.new_owner.data or "").split())
        name = " ".join(form.name.data.split())
        if price_minor is None:
            form.price.errors.append(_("Enter a price above zero, like 58.00."))
        if owner is None and not new_owner:
            form.new_owner.errors.append(_("Choose an owner or name a new one."))
        elif owner is None and db.session.execute(
                select(ProjectOwner.id).where(ProjectOwner.name == new_owner)).first():
            form.new_owner.errors.append(_("That owner exists already; choose it from the list."))
        if db.session.execute(select(Project.id).where(Project.name == name)).first():
            form.name.errors.append(_("A project with this name exists already."))
        if not form.errors:
            if owner is None:
                owner = ProjectOwner(name=new_owner, country=form.country.data.upper())
                db.session.add(owner)
                db.session.flush()
            project = Project(
                owner_id=owner.id, name=name, kind=form.kind.data.strip(), place=form.place.data.strip(),
                country=form.country.data.upper(), standard=form.standard.data.strip(), vintage=form.vintage.data,
                price_per_tonne_minor=price_minor, currency=form.currency.data,
                price_source=form.price_source.data.strip(), price_year=form.price_year.data,
                description=(form.description.data or "").strip(),
            )
            db.session.add(project)
            db.session.commit()
            flash(_("Project added. Issue its credits with a batch."))
            return redirect_to(url_for("operator.projects") + f"#project-{project.id}")
    return render("operator/project_form.html", form=form, status=422 if form.errors else 200)


@bp.post("/projects/<int:project_id>/batches")
def add_batch(project_id: int):
    """Issue a batch of credits; a serial range that overlaps another batch is refused."""
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = ledger.add_batch(db.session, project, serial_prefix=form.serial_prefix.data.strip(),
                                     first_serial=form.first_serial.data, quantity=form.quantity.data,
                                     vintage=form.vintage.data)
        except ledger.LedgerError as exc:
            db.session.rollback()
            form.form_errors.append(_("Refused: %(why)s", why=exc.message))
        else:
            db.session.commit()
            flash(_("Batch %(id)s issued: %(first)s to %(last)s.", id=batch.id,
                    first=ledger.format_serial(batch.serial_prefix, batch.first_serial),
                    last=ledger.format_serial(batch.serial_prefix, batch.first_serial + batch.quantity - 1)))
            return redirect_to(url_for("operator.projects") + f"#project-{project.id}")
    return projects_page(status=422, batch_forms={project.id: form})


# --------------------------------------------------------------------------
# Moderation and certificates
# --------------------------------------------------------------------------

def certificate_by_number(number: str) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(Certificate.number == number.strip().upper())
    ).scalar_one_or_none()


def moderation_page(status: int = 200, name_form=None, org_form=None, revoke_form=None):
    recent = db.session.execute(
        select(Certificate.number, Order.display_name, Order.organization, Event.name, Participant.name_hidden)
        .join(Order, Order.id == Certificate.order_id)
        .join(Participant, Participant.id == Order.participant_id)
        .join(Event, Event.id == Order.event_id)
        .where(Order.kind == "visitor", Order.show_on_board.is_(True), Order.display_name != "")
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(20)
    ).all()
    return render(
        "operator/moderation.html", status=status, recent=recent,
        name_form=name_form or NumberForm(formdata=None), org_form=org_form or OrganizationNameForm(formdata=None),
        revoke_form=revoke_form or RevokeForm(formdata=None),
    )


@bp.get("/moderation")
def moderation():
    """Hide names and organizations on the boards; revoke certificates."""
    return moderation_page()


@bp.post("/moderation/name")
def hide_name():
    """Hide the name of a certificate's holder on every board (the holder stays counted)."""
    form = NumberForm()
    if form.validate_on_submit():
        cert = certificate_by_number(form.number.data)
        if cert is None:
            form.number.errors.append(_("No certificate has this number."))
        else:
            boards.hide_name(db.session, cert.order.participant)
            db.session.commit()
            flash(_("The name behind %(n)s is hidden on every board.", n=cert.number))
            return redirect_to(url_for("operator.moderation"))
    return moderation_page(status=422, name_form=form)


@bp.post("/moderation/organization")
def hide_organization():
    """Hide an organization's name on every board."""
    form = OrganizationNameForm()
    if form.validate_on_submit():
        count = boards.hide_organization(db.session, form.name.data)
        if count == 0:
            form.name.errors.append(_("No board shows an organization by this name."))
        else:
            db.session.commit()
            flash(_("Hidden on %(n)s board lines.", n=count))
            return redirect_to(url_for("operator.moderation"))
    return moderation_page(status=422, org_form=form)


@bp.post("/certificates/revoke")
def revoke():
    """Revoke a certificate: its page and the API say so, with the reason."""
    form = RevokeForm()
    if form.validate_on_submit():
        cert = certificate_by_number(form.number.data)
        if cert is None:
            form.number.errors.append(_("No certificate has this number."))
        elif cert.status == "revoked":
            form.number.errors.append(_("This certificate is revoked already."))
        else:
            certificate_images.revoke(db.session, cert, form.reason.data)
            db.session.commit()
            flash(_("Certificate %(n)s revoked.", n=cert.number))
            return redirect_to(url_for("operator.moderation"))
    return moderation_page(status=422, revoke_form=form)


# --------------------------------------------------------------------------
# Payouts
# --------------------------------------------------------------------------

def payout_form() -> PayoutForm:
    form = PayoutForm()
    owners = db.session.execute(select(ProjectOwner).order_by(ProjectOwner.name)).scalars().all()
    form.owner_id.choices = {str(o.id): o.name for o in owners}
    form.currency.choices = currency_choices()
    return form


def payouts_page(form: PayoutForm, status: int = 200):
    recent = db.session.execute(
        select(Payout, ProjectOwner.name).join(ProjectOwner, ProjectOwner.id == Payout.owner_id)
        .order_by(Payout.paid_at.desc(), Payout.id.desc()).limit(20)
    ).all()
    return render("operator/payouts.html", status=status, form=form,
                  statements=statements.all_statements(db.session), recent=recent,
                  to_refund=orders.to_refund(db.session))


@bp.get("/payouts")
def payouts():
    """Per owner and currency: owed, paid out, balance; and the latest payouts."""
    return payouts_page(payout_form())


@bp.post("/payouts")
def record_payout():
    """Record a transfer to a project owner (never more than it is owed)."""
    form = payout_form()
    if form.validate_on_submit():
        owner = db.session.get(ProjectOwner, int(form.owner_id.data))
        amount = to_minor(form.amount.data, form.currency.data)
        balance = statements.statement(db.session, owner).balance(form.currency.data)
        if amount is None:
            form.amount.errors.append(_("Enter an amount above zero, like 120.50."))
        elif amount > balance:
            form.amount.errors.append(_("That is more than the %(b)s still owed to this owner.",
                                        b=money.format_money(max(balance, 0), form.currency.data)))
        else:
            db.session.add(Payout(owner_id=owner.id, amount_minor=amount, currency=form.currency.data,
                                  reference=(form.reference.data or "").strip(), paid_at=utcnow()))
            db.session.commit()
            flash(_("Payout of %(a)s to %(o)s recorded.", a=money.format_money(amount, form.currency.data),
                    o=owner.name))
            return redirect_to(url_for("operator.payouts"))
    return payouts_page(form, status=422)
