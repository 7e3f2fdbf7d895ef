"""Accounts: sign up (an organizer and their organization), sign in, sign out,
change password; the project owner's own statement; role guards for the
organizer, operator and owner areas."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter, login_manager
from ..models import ProjectOwner, User
from ..services import names
from ..services.accounts import invites, organizations
from ..services.errors import DomainError
from ..services.sales import statements
from ..web import guard, htmx, language
from ..web.forms import InviteSignUpForm, PasswordForm, SignInForm, SignUpForm, show_error
from ..web.htmx import is_htmx, redirect_to, render

bp = Blueprint("auth", __name__, url_prefix="/account")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return organizations.user_for_session(db.session, session_id)


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitors of a closed page go to sign in, and come back after."""
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        return htmx.client_redirect(target, status=401)
    flash(_("Please sign in to open that page."))
    return redirect_to(target)


def home_for(user: User) -> str:
    return {
        "operator": url_for("operator.index"),
        "owner": url_for("auth.statement"),
    }.get(user.role, url_for("organizer.index"))


def role_required(*roles: str):
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            guard(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never //host or a scheme) may be a redirect target."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------

@bp.get("/")
@login_required
def home():
    """Where a signed-in person belongs: their events, the operator area or their statement."""
    return redirect_to(home_for(current_user))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("SIGNUP_RATE_LIMIT", "20 per hour"), methods=["POST"])
def signup():
    """Create an organizer account and its organization."""
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = organizations.sign_up(db.session, email=form.email.data, password=form.password.data,
                                    name=form.name.data or "", organization=form.organization.data)
        except organizations.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            sign_in(user)
            flash(_("Welcome! Create your first event."))
            return redirect_to(url_for("organizer.new_event", org_id=user.organizations[0].id))
    return render("auth/signup.html", form=form, status=422 if form.errors else 200)


def sign_in(user: User, remember: bool = False) -> None:
    """Start a fresh session for this user: nothing from before signing in carries over."""
    session.clear()
    login_user(user, remember=remember)


def invite_or_404(token: str):
    try:
        return invites.find_invite(db.session, token)
    except invites.InviteError:
        abort(404)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("SIGNUP_RATE_LIMIT", "20 per hour"), methods=["POST"])
def invite(token: str):
    """An invite link: join its organization by creating an account here, or by signing in."""
    found = invite_or_404(token)
    form = InviteSignUpForm()
    if not current_user.is_authenticated and form.validate_on_submit():
        try:
            user = invites.sign_up_with_invite(db.session, token, email=form.email.data,
                                               password=form.password.data, name=form.name.data or "")
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            sign_in(user)
            flash(_("Welcome to %(org)s!", org=names.pick(found.organization, "name", language())))
            return redirect_to(url_for("organizer.index"))
    return render("auth/invite.html", form=form, invite=found, token=token, status=422 if form.errors else 200)


@bp.post("/invite/<token>/join")
@login_required
def join(token: str):
    """A signed-in organizer accepts an invite and joins its organization."""
    invite_or_404(token)
    try:
        org = invites.accept(db.session, token, current_user)
    except invites.InviteError as exc:
        db.session.rollback()
        abort(403 if exc.code == "invite_role" else 404)
    db.session.commit()
    flash(_("You joined %(org)s.", org=names.pick(org, "name", language())))
    return redirect_to(url_for("organizer.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute"), methods=["POST"])
def login():
    """Sign in with e-mail and password (rate limited per address)."""
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))
    form = SignInForm()
    next_url = safe_next(request.values.get("next"))
    if form.validate_on_submit():
        user = organizations.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=bool(form.remember.data))
            return redirect_to(next_url or home_for(user))
        form.form_errors.append(_("That e-mail and password do not match an account."))
    return render("auth/login.html", form=form, next_url=next_url, status=422 if form.errors else 200)


@bp.post("/logout")
def logout():
    """Sign out (POST only, with the CSRF token): every session of this account ends."""
    if current_user.is_authenticated:
        organizations.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect_to(url_for("public.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change the password (the current one is required)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            organizations.change_password(current_user, form.current.data, form.new.data)
        except organizations.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)  # this device stays; others end
            flash(_("Your password has been changed."))
            return redirect_to(url_for("auth.password"))
    return render("auth/password.html", form=form, status=422 if form.errors else 200)


def _owner() -> ProjectOwner:
    guard("owner")
    owner = db.session.get(ProjectOwner, current_user.owner_id) if current_user.owner_id else None
    if owner is None:
        abort(404)
    return owner


@bp.get("/statement")
def statement():
    """A project owner's statement: what its projects sold, what it is owed and was paid."""
    owner = _owner()
    return render("auth/statement.html", statement=statements.statement(db.session, owner),
                  orders=statements.paid_orders(db.session, owner)[-50:])


@bp.get("/statement.csv")
def statement_csv():
    """Every paid order of the owner's projects, as CSV."""
    owner = _owner()
    response = Response(statements.to_csv(db.session, owner), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="carbondot-statement-{owner.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
