"""The operator's area: projects and credit batches, moderation of names on
boards, revoking certificates, and payouts to project owners.

Every page needs a signed-in operator (role "operator"); `flask create-admin`
makes one.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Certificate, Event, Order, Participant, Payout, Project, ProjectOwner, utcnow
from ..services import integers, names, payments
from ..services.accounts import admin
from ..services.sales import ledger, money, orders, splits, sponsors, statements
from ..web import guard
from ..web.forms import (
    PROJECT_NAME_FIELDS,
    BatchForm,
    NumberForm,
    OrganizationNameForm,
    PayoutAccountForm,
    PayoutForm,
    ProjectForm,
    ProjectNamesForm,
    RevokeForm,
    currency_choices,
    fill_names,
    names_data,
    show_error,
)
from ..web.htmx import redirect_to, render

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.before_request
def _operators_only():
    guard("operator")


def to_minor(text: str | None, currency: str) -> int | None:
    """'58.00' CNY -> 5800; None when it is not a positive amount with at most the currency's decimals
    that fits its BIGINT column (ASCII digits only: Decimal would read every script's)."""
    text = (text or "").strip().replace(",", "")
    if not text.isascii() or len(text) > integers.MAX_LENGTH:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0:
        return None
    minor = value * (10 ** money.currency(currency).exponent)
    if minor != minor.to_integral_value() or minor > integers.INT64_MAX:
        return None
    return int(minor)


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------

@bp.get("/")
def index():
    """What needs an operator: stock, recent sales, balances owed."""
    projects = db.session.execute(select(Project).order_by(Project.id)).scalars().all()
    stock = ledger.stock(db.session, [p.id for p in projects], utcnow())
    paid = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Order.credits_kg), 0))
        .where(Order.status == "paid", Order.kind != "sponsor")  # a sponsor's pool: its kg count when retired
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


def project_input(form: ProjectForm) -> admin.ProjectInput:
    owner_id = form.owner_id.data
    return admin.ProjectInput(
        name=form.name.data, kind=form.kind.data, place=form.place.data, country=form.country.data,
        standard=form.standard.data, vintage=form.vintage.data,
        price_minor=to_minor(form.price.data, form.currency.data), currency=form.currency.data,
        price_source=form.price_source.data, price_year=form.price_year.data, description=form.description.data,
        owner_id=integers.id_or_none(owner_id), new_owner=form.new_owner.data or "",
        names=names_data(form, PROJECT_NAME_FIELDS), owner_names=names_data(form, ("name",), prefix="new_owner"),
    )


@bp.route("/projects/new", methods=["GET", "POST"])
def new_project():
    """Add an emission-reduction project (its credits come with a batch)."""
    form = project_form()
    if form.validate_on_submit():
        try:
            project = admin.add_project(db.session, project_input(form))
        except admin.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Project added. Issue its credits with a batch."))
            return redirect_to(url_for("operator.projects") + f"#project-{project.id}")
    return render("operator/project_form.html", form=form, status=422 if form.errors else 200)


@bp.route("/projects/<int:project_id>/names", methods=["GET", "POST"])
def project_names(project_id: int):
    """A project's and its owner's names and texts in the other languages, side by side with English."""
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    form = ProjectNamesForm()
    if request.method == "GET":
        fill_names(form, project, PROJECT_NAME_FIELDS)
        for code in names.other_languages():
            if f"owner_{code}" in form:
                form[f"owner_{code}"].data = names.entered(project.owner, "name", code)
    if form.validate_on_submit():
        admin.set_names(db.session, project, names_data(form, PROJECT_NAME_FIELDS))
        admin.set_names(db.session, project.owner, names_data(form, ("name",), prefix="owner"))
        db.session.commit()
        flash(_("Names saved."))
        return redirect_to(url_for("operator.projects") + f"#project-{project.id}")
    return render("operator/project_names.html", form=form, project=project, status=422 if form.errors else 200)


@bp.post("/projects/<int:project_id>/batches")
def add_batch(project_id: int):
    """Issue a batch of credits; a serial range that overlaps another batch is refused."""
    if db.session.get(Project, project_id) is None:
        abort(404)
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = admin.add_batch(db.session, project_id, serial_prefix=form.serial_prefix.data,
                                    first_serial=form.first_serial.data, quantity=form.quantity.data,
                                    vintage=form.vintage.data)
        except admin.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            first, last = admin.batch_range(batch)
            flash(_("Batch %(id)s issued: %(first)s to %(last)s.", id=batch.id, first=first, last=last))
            return redirect_to(url_for("operator.projects") + f"#project-{project_id}")
    return projects_page(status=422, batch_forms={project_id: form})


# --------------------------------------------------------------------------
# Moderation and certificates
# --------------------------------------------------------------------------

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
        try:
            cert = admin.hide_name(db.session, form.number.data)
        except admin.AdminError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The name behind %(n)s is hidden on every board.", n=cert.number))
            return redirect_to(url_for("operator.moderation"))
    return moderation_page(status=422, name_form=form)


@bp.post("/moderation/organization")
def hide_organization():
    """Hide an organization's name on every board."""
    form = OrganizationNameForm()
    if form.validate_on_submit():
        try:
            count = admin.hide_organization(db.session, form.name.data)
        except admin.AdminError as exc:
            show_error(form, exc)
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
        try:
            cert = admin.revoke_certificate(db.session, form.number.data, form.reason.data)
        except admin.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
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


def account_form() -> PayoutAccountForm:
    form = PayoutAccountForm()
    owners = db.session.execute(select(ProjectOwner).order_by(ProjectOwner.name)).scalars().all()
    form.owner_id.choices = {str(o.id): o.name for o in owners}
    splitting = [p for p in payments.available(current_app.config) if p.splits]
    form.provider.choices = [(p.name, p.title) for p in splitting]
    form.kind.choices = sorted({kind for p in splitting for kind in p.receiver_kinds})
    return form


def payouts_page(form: PayoutForm, status: int = 200, accounts: PayoutAccountForm | None = None):
    recent = db.session.execute(
        select(Payout, ProjectOwner.name).join(ProjectOwner, ProjectOwner.id == Payout.owner_id)
        .order_by(Payout.paid_at.desc(), Payout.id.desc()).limit(20)
    ).all()
    return render("operator/payouts.html", status=status, form=form, account_form=accounts or account_form(),
                  statements=statements.all_statements(db.session), recent=recent,
                  to_refund=orders.to_refund(db.session), sponsor_refunds=sponsors.refunds_to_make_by_hand(db.session),
                  owner_accounts=splits.owners_with_accounts(db.session),
                  failed_splits=splits.failed(db.session))


@bp.post("/payout-accounts")
def add_payout_account():
    """Link an owner to its account at a provider (registered with the provider): its shares are then
    split off at payment time."""
    form = account_form()
    if form.validate_on_submit():
        try:
            row = splits.add_account(db.session, payments.settings_from(current_app.config),
                                     integers.id_or_none(form.owner_id.data) or 0, form.provider.data,
                                     form.kind.data, form.account.data or "", form.name.data or "")
        except splits.SplitError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(_("%(owner)s's %(provider)s account is registered: its shares are split off at payment.",
                    owner=row.owner.name, provider=payments.get(row.provider).title))
            return redirect_to(url_for("operator.payouts"))
    return payouts_page(payout_form(), status=422, accounts=form)


@bp.get("/payouts")
def payouts():
    """Per owner and currency: owed, paid out, balance; and the latest payouts."""
    return payouts_page(payout_form())


@bp.post("/payouts")
def record_payout():
    """Record a transfer to a project owner (never more than it is owed)."""
    form = payout_form()
    if form.validate_on_submit():
        try:
            payout, _left = admin.record_payout(db.session, integers.id_or_none(form.owner_id.data),
                                                to_minor(form.amount.data, form.currency.data),
                                                form.currency.data, form.reference.data or "")
        except admin.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Payout of %(a)s to %(o)s recorded.", a=money.format_money(payout.amount_minor, payout.currency),
                    o=db.session.get(ProjectOwner, payout.owner_id).name))
            return redirect_to(url_for("operator.payouts"))
    return payouts_page(form, status=422)
