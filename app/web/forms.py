"""Every form of the site in one place (Flask-WTF), and the one helper that shows
a service's refusal (any DomainError) next to its field or above the form."""
from __future__ import annotations

import datetime as dt

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    ColorField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..models import EVENT_STATUSES
from ..services import integers, languages, names, scenarios, zones
from ..services.accounts import organizations
from ..services.errors import DomainError
from ..services.footprint import places
from ..services.sales import money
from .template_helpers import whole_kg

# --------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------

class FriendlyDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Use a date like 2026-09-07.")) from None


class OneOfChoices:
    """The value is one of the field's choices (read when the form is validated, so that choices drawn from
    a registry are never a copy taken at import)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data not in [choice.value for choice in field.choices]:
            raise ValidationError(self.message)


class WholeNumberField(IntegerField):
    """A whole number typed in a form, read by the one integer parser (app/services/integers.py):
    ASCII digits, no sign, within the database column (`high`: INT32_MAX, or INT64_MAX for a
    BIGINT); the page's language's thousands separators are read ("1,200", "1 200"). Anything else is
    one message, "Enter a whole number, like 300.", or the field's NumberRange message when the number
    is past the column; the other validators then stay quiet."""

    def __init__(self, label=None, validators=None, high: int = integers.INT32_MAX, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.high = high

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return  # blank: InputRequired or Optional decide
        try:
            self.data = integers.parse_int(valuelist[0], high=self.high, locale=str(get_locale() or "en"))
        except integers.IntegerError as exc:
            ranges = [v for v in self.validators if isinstance(v, NumberRange) and v.message]
            if exc.params["reason"] == "range" and ranges:
                raise ValueError(str(ranges[0].message)) from None
            raise ValueError(_("Enter a whole number, like 300.")) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # one message: no "Enter a number from 1 to ..." after it


def id_choice(value) -> int:
    """A chosen row's id, for SelectMultipleField(coerce=...): an IntegerError (a ValueError) otherwise."""
    return integers.parse_int(value, low=1)


# --------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------

def add_name_fields(form_class: type, fields: dict[str, tuple[int, bool]]) -> None:
    """Give a form one optional field per other language beside each named field (`name_zh`, `name_fil`...):
    {field: (max length, multi-line)}. The template shows them side by side (macro `in_languages`)."""
    for code in names.other_languages():
        for field, (limit, multiline) in fields.items():
            kind = TextAreaField if multiline else StringField
            setattr(form_class, f"{field}_{code}", kind(validators=[
                Optional(), Length(max=limit, message=_l("Keep it under %(n)s characters.", n=limit))]))


def names_data(form: FlaskForm, fields: tuple[str, ...], prefix: str = "") -> dict[str, dict[str, str | None]]:
    """What the per-language fields hold, as names.set_names takes it: {language: {field: text}}; `prefix`
    is the form's name of a field stored under another name (new_owner_zh -> the owner's name)."""
    return {code: {field: form[f"{prefix or field}_{code}"].data for field in fields}
            for code in names.other_languages() if all(f"{prefix or field}_{code}" in form for field in fields)}


def fill_names(form: FlaskForm, row, fields: tuple[str, ...]) -> None:
    """Show a row's stored per-language texts in its form's fields (on a GET)."""
    for code in names.other_languages():
        for field in fields:
            if f"{field}_{code}" in form:
                form[f"{field}_{code}"].data = names.entered(row, field, code)


class InviteSignUpForm(FlaskForm):
    """Sign-up through an invite link: the organization comes from the link."""
    name = StringField(_l("Your name"), validators=[Length(max=120, message=_l("Keep it under 120 characters."))])
    email = EmailField(_l("E-mail"), validators=[
        InputRequired(_l("Enter your e-mail address.")),
        Regexp(organizations.EMAIL_RE, message=_l("Enter an e-mail address like name@example.com."))])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Choose a password.")),
        Length(min=organizations.PASSWORD_MIN, max=organizations.PASSWORD_MAX,
               message=_l("Use at least 10 characters."))])


class SignUpForm(InviteSignUpForm):
    """Sign-up that creates the organizer's organization too."""
    organization = StringField(_l("Organization"), validators=[
        InputRequired(_l("Enter the name of your company or organization.")),
        Length(max=organizations.ORGANIZATION_MAX, message=_l("Keep the name under 60 characters."))])


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        InputRequired(_l("Choose a new password.")),
        Length(min=organizations.PASSWORD_MIN, max=organizations.PASSWORD_MAX,
               message=_l("Use at least 10 characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        InputRequired(_l("Type the new password again.")), EqualTo("new", _l("The two new passwords differ."))])


def error_message(exc: DomainError) -> str:
    """A service's refusal in the reader's language (its codes are stable)."""
    p = exc.params
    messages = {
        "email_invalid": lambda: _("Enter an e-mail address like name@example.com."),
        "email_taken": lambda: _("An account with this e-mail exists already. Sign in instead."),
        "password_short": lambda: _("Use at least %(n)s characters.", n=p["n"]),
        "password_long": lambda: _("Use at most %(n)s characters.", n=p["n"]),
        "password_wrong": lambda: _("That is not your current password."),
        "password_same": lambda: _("Choose a password different from the current one."),
        "organization_empty": lambda: _("Enter the organization's name."),
        "organization_long": lambda: _("Keep the name under %(n)s characters.", n=p["n"]),
        "organization_taken": lambda: _(
            "An organization with this name exists already. To join it, ask one of its members for an invite link."),
        "organization_taken_other": lambda: _("Another organization has this name."),
        "plain_text": lambda: _("Please use plain text."),
        "name_long": lambda: _("Please keep this under %(n)s characters.", n=p["n"]),
        "name_glyphs": lambda: _("The certificate cannot draw %(chars)s (our certificate fonts have no emoji); "
                                 "please leave it out.", chars=p["chars"]),
        "slug_format": lambda: _(
            "Use %(low)s to %(high)s lower-case letters, digits and single hyphens, like chengdu-forum-2026.",
            low=p["low"], high=p["high"]),
        "slug_taken": lambda: _("Another event uses this address already."),
        "slug_frozen": lambda: _("This event has orders, so its address can no longer change."),
        "currency": lambda: _("No project sells credits in that currency yet; choose another."),
        "project_gone": lambda: _("One of the chosen projects is no longer on offer."),
        "project_currency": lambda: _(
            "%(project)s is priced in %(project_currency)s; this event takes %(currency)s. Untick it or change "
            "the currency.", **p),
        "dates": lambda: _("The event cannot end before it starts."),
        "venue": lambda: _("We do not know that place; pick one of the suggestions (a city, airport or station) "
                           "or give the venue's map pin, e.g. 30.57,104.06."),
        "country": lambda: _("Choose a country from the list."),
        "timezone": lambda: _("Choose one of the time zones of the event's country."),
        "name_empty": lambda: _("Give the event a name."),
        "scenario": lambda: _("Choose one of the kinds listed."),
        "language": lambda: _("Choose one of the languages listed."),
        "handoff_lapsed": lambda: _("This order can no longer be paid; start again at the kiosk."),
        # sponsored attendees (app/services/sales/sponsors.py)
        "sponsor_code_unknown": lambda: _("That sponsor code is not valid for this event. Check it and try again."),
        "sponsor_code_expired": lambda: _("That sponsor code has expired: the sponsor's offer has ended."),
        "sponsor_code_used": lambda: _("That sponsor code has already been used."),
        "sponsor_code_once": lambda: _("You have already used this sponsor's offer for your footprint."),
        "sponsor_pool_used_up": lambda: _("The sponsor's codes for this event are all used up. You can still "
                                          "neutralize your footprint yourself below."),
        "sponsor_name_missing": lambda: _("Enter the sponsor's name: attendees' certificates show it."),
        "sponsor_codes_range": lambda: _("Choose between 1 and %(n)s codes.", n=p["n"]),
        "sponsor_pool_empty": lambda: _("Nothing is left in this sponsor's pool."),
        "sponsor_refund_split": lambda: _("The project owner's share of this payment was already paid out: keep "
                                          "the balance as the sponsor's own neutralization instead."),
        "sponsor_refund_too_small": lambda: _("The unused balance is worth less than the smallest refund: keep it "
                                              "instead."),
        "sponsor_refund_unavailable": lambda: _("This server cannot refund that payment's provider; keep the "
                                                "balance instead."),
        # teams (app/services/accounts/invites.py)
        "invite_invalid": lambda: _("This invite link does not work: it was used, revoked or is too old. Ask for "
                                    "a new one."),
        "invite_role": lambda: _("Only organizer accounts can join an organization."),
        "last_member": lambda: _("An organization keeps at least one member: invite someone before you leave."),
        # admin rules (app/services/accounts/admin.py)
        "price": lambda: _("Enter a price above zero, like 58.00."),
        "owner_missing": lambda: _("Choose an owner or name a new one."),
        "owner_exists": lambda: _("That owner exists already; choose it from the list."),
        "project_exists": lambda: _("A project with this name exists already."),
        "batch_refused": lambda: _("Refused: %(why)s", why=exc.message),
        "certificate_not_found": lambda: _("No certificate has this number."),
        "already_revoked": lambda: _("This certificate is revoked already."),
        "organization_not_found": lambda: _("No board shows an organization by this name."),
        "amount": lambda: _("Enter an amount above zero, like 120.50."),
        "over_balance": lambda: _("That is more than the %(b)s still owed to this owner.",
                                  b=money.format_money(max(p["balance"], 0), p["currency"])),
        # orders, the ledger and the checkout (app/services/sales): what a visitor or a kiosk user may meet
        "sold_out": lambda: _("Only %(kg)s of credits are left in this project; choose another project.",
                              kg=whole_kg(getattr(exc, "available_kg", 0))),
        "hold_share_exceeded": lambda: _(
            "One buyer may hold at most %(limit)s of this project at once; you hold %(held)s. Pay for your "
            "checkout, choose another project, or wait a few minutes.",
            limit=whole_kg(getattr(exc, "limit_kg", 0)), held=whole_kg(getattr(exc, "held_kg", 0))),
        "not_payable": lambda: _("This order can no longer be paid; please start again."),
        "order_too_large": lambda: _("One personal order can neutralize at most %(kg)s; organizers neutralize larger "
                                     "amounts for their event's operations when signed in.",
                                     kg=whole_kg(p["limit_kg"])),
        "nothing_to_buy": lambda: _("Add a journey, a stay or a meal first."),
        "no_project": lambda: _("No project on offer has enough credits left for this footprint."),
        "event_closed": lambda: _("This event is not taking part any more."),
        "project_unavailable": lambda: _("That project is not on offer at this event."),
        "no_provider": lambda: _("No payment method here takes this currency."),
        "handoff_taken": lambda: _("This order was opened on another phone first; it is paid there."),
        "handoff_paid": lambda: _("This order is paid; its link no longer works."),
    }
    make = messages.get(p.get("reason") or exc.code)  # a "reason" refines a code the API keeps general
    if make:
        return make()
    # Anything else: the service's English on English pages, a sentence from the catalogue otherwise.
    return exc.message if str(get_locale() or "en") == "en" else _("Please check this value and try again.")


def show_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a service refusal (and any others it carries) next to its field, or above the form."""
    for each in (exc, *getattr(exc, "others", ())):
        message = error_message(each)
        field = form._fields.get(each.field or "")
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)



# --------------------------------------------------------------------------
# Organizers
# --------------------------------------------------------------------------

class OrganizationForm(FlaskForm):
    name = StringField(_l("Organization name"), validators=[
        InputRequired(_l("Enter the organization's name.")),
        Length(max=organizations.ORGANIZATION_MAX, message=_l("Keep the name under 60 characters."))])


def scenario_choices() -> list[SelectChoice]:
    return [SelectChoice(s.code, _(s.label)) for s in scenarios.all()]


def country_names() -> list[SelectChoice]:
    """Every country a place is known in, by its name in the page's language (Babel's territory names),
    in that language's order; the value is the ISO code, so nothing typed is ever cut to two letters."""
    names = get_locale().territories if get_locale() is not None else {}
    named = [(names.get(code, code), code) for code in places.countries()]
    return [SelectChoice(code, name) for name, code in sorted(named, key=lambda x: x[0].casefold())]


def country_code(value):
    """A posted country code in any case ("cn" is CN); anything else stays as sent, to be refused."""
    return value.strip().upper() if isinstance(value, str) else value


def event_country_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("From the venue place")), *country_names()]


def timezone_choices(country: str | None) -> list[SelectChoice]:
    """The zones of the event's country, each with its UTC offset now ('Asia/Shanghai (UTC+8)'), after
    the choice of none: its country's usual zone, which follows the country if it changes."""
    now = dt.datetime.now(dt.UTC)
    usual = zones.default_for(country) if country else ""
    first = (_("Usual time of the country (%(zone)s)", zone=usual) if usual
             else _("Usual time of the country"))
    return [SelectChoice("", first), *(
        SelectChoice(name, f"{name.replace('_', ' ')} ({zones.offset_label(zones.local(now, name))})")
        for name in zones.for_country(country))]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(lang.code, lang.name) for lang in languages.all()]


class EventForm(FlaskForm):
    name = StringField(_l("Event name"), filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
                       validators=[DataRequired(_l("Give the event a name.")),
                                   Length(max=200, message=_l("Keep it under 200 characters."))])
    slug = StringField(_l("Web address"), validators=[Optional(), Length(max=organizations.SLUG_MAX)])
    scenario = SelectField(_l("Kind of event"), choices=scenario_choices, validate_choice=False, validators=[
        InputRequired(_l("Choose the kind of event.")), OneOfChoices(_l("Choose one of the kinds listed."))])
    description = TextAreaField(_l("Short description"), validators=[
        Optional(), Length(max=1000, message=_l("Keep it under 1,000 characters."))])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_code = StringField(_l("Venue place (for visitors' journeys)"), validators=[Optional(), Length(max=60)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    country = SelectField(_l("Country"), choices=event_country_choices, validate_choice=False, filters=[country_code],
                          validators=[
        Optional(), OneOfChoices(_l("Choose a country from the list."))])
    starts_on = FriendlyDateField(_l("Starts on"), validators=[Optional()])
    ends_on = FriendlyDateField(_l("Ends on"), validators=[Optional()])
    expected_attendance = WholeNumberField(_l("Expected attendance"), validators=[
        Optional(), NumberRange(1, 10_000_000, message=_l("Enter a number from 1 to 10,000,000."))])
    # Checked by organizations.save_event: only currencies that active projects sell in.
    currency = SelectField(_l("Currency"), validate_choice=False, validators=[InputRequired(_l("Choose a currency."))])
    projects = SelectMultipleField(_l("Projects on offer"), coerce=id_choice, validate_choice=False)
    color = ColorField(_l("Colour"), default="#0f5132", validators=[
        InputRequired(_l("Choose a colour.")),
        Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #0f5132."))])
    # Choices set by the view from the country (timezone_choices); the service checks the zone is the country's.
    timezone = SelectField(_l("Time zone of the venue"), default="", validate_choice=False, validators=[Optional()])
    language = SelectField(_l("Language of its kiosk and posters"), default=languages.SOURCE, validate_choice=False,
                           choices=language_choices,
                           validators=[OneOfChoices(_l("Choose one of the languages listed."))])
    status = RadioField(_l("Status"), choices=list(EVENT_STATUSES), default="live", validate_choice=False,
                        validators=[InputRequired(_l("Choose a status.")),
                                    AnyOf(EVENT_STATUSES, _l("Choose draft, live or archived."))])

    def to_input(self) -> organizations.EventInput:
        d = self.data
        return organizations.EventInput(
            names=names_data(self, EVENT_NAME_FIELDS),
            name=" ".join(d["name"].split()), scenario=d["scenario"], description=(d["description"] or "").strip(),
            venue_name=(d["venue_name"] or "").strip(), venue_code=(d["venue_code"] or "").strip(),
            city=(d["city"] or "").strip(), country=(d["country"] or "").strip().upper(),
            starts_on=d["starts_on"], ends_on=d["ends_on"], expected_attendance=d["expected_attendance"],
            currency=d["currency"], project_ids=list(d["projects"] or []), color=d["color"].lower(),
            status=d["status"], slug=(d["slug"] or "").strip().lower() or None, language=d["language"] or "en",
            timezone=(d["timezone"] or "").strip(),
        )


EVENT_NAME_FIELDS = ("name", "venue_name", "description", "city")
add_name_fields(EventForm, {"name": (200, False), "venue_name": (200, False), "description": (1000, True),
                            "city": (120, False)})
add_name_fields(OrganizationForm, {"name": (organizations.ORGANIZATION_MAX, False)})


# --------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------

def currency_choices() -> list[str]:
    return list(money.currencies())


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[InputRequired(_l("Enter the project's name.")), Length(max=200)])
    owner_id = SelectField(_l("Project owner"), coerce=str)
    new_owner = StringField(_l("or a new owner"), validators=[Optional(), Length(max=200)])
    kind = StringField(_l("Type"), validators=[InputRequired(_l("Enter the type, e.g. Forestry.")), Length(max=80)])
    place = StringField(_l("Place"), validators=[InputRequired(_l("Enter where the project is.")), Length(max=200)])
    country = SelectField(_l("Country"), default="CN", choices=country_names, validate_choice=False,
                          filters=[country_code], validators=[
        InputRequired(_l("Choose the project's country.")), OneOfChoices(_l("Choose a country from the list."))])
    standard = StringField(_l("Standard"), validators=[
        InputRequired(_l("Enter the standard, e.g. CCER or Verra VCS.")), Length(max=80)])
    vintage = WholeNumberField(_l("Vintage"), validators=[
        InputRequired(_l("Enter the vintage year.")), NumberRange(1990, 2100, message=_l("Enter a year like 2024."))])
    currency = SelectField(_l("Currency"))
    price = StringField(_l("Price per tonne"), validators=[InputRequired(_l("Enter the price per tonne."))])
    price_source = StringField(_l("Where the price comes from"), validators=[
        InputRequired(_l("Say where the price comes from.")), Length(max=200)])
    price_year = WholeNumberField(_l("Price year"), validators=[
        InputRequired(_l("Enter the year of the price.")), NumberRange(1990, 2100, message=_l("Enter a year."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


PROJECT_NAME_FIELDS = ("name", "kind", "place", "description")
add_name_fields(ProjectForm, {"name": (200, False), "kind": (80, False), "place": (200, False),
                              "description": (2000, True), "new_owner": (200, False)})


class ProjectNamesForm(FlaskForm):
    """A project's and its owner's names in the other languages (the English ones are the columns)."""


add_name_fields(ProjectNamesForm, {"name": (200, False), "kind": (80, False), "place": (200, False),
                                   "description": (2000, True), "owner": (200, False)})

class BatchForm(FlaskForm):
    serial_prefix = StringField(_l("Serial prefix"), validators=[
        InputRequired(_l("Enter the serial prefix, e.g. CDCER-2024.")),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$", message=_l("Letters, digits and hyphens, up to 40."))])
    first_serial = WholeNumberField(_l("First serial"), high=integers.INT64_MAX, validators=[
        InputRequired(_l("Enter the first serial number.")), NumberRange(0, 10**15, message=_l("Enter 0 or more."))])
    quantity = WholeNumberField(_l("Credits (kg)"), high=integers.INT64_MAX, validators=[
        InputRequired(_l("Enter how many credits (kg).")), NumberRange(1, 10**12, message=_l("Enter 1 or more."))])
    vintage = WholeNumberField(_l("Vintage"), validators=[
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


class PayoutAccountForm(FlaskForm):
    owner_id = SelectField(_l("Project owner"), coerce=str)
    provider = SelectField(_l("Payment provider"))
    kind = SelectField(_l("Kind of account"))
    account = StringField(_l("Account"), validators=[InputRequired(_l("Enter the account.")), Length(max=64)])
    name = StringField(_l("Account holder's name"), validators=[Optional(), Length(max=120)])


class PayoutForm(FlaskForm):
    owner_id = SelectField(_l("Project owner"), coerce=str)
    currency = SelectField(_l("Currency"))
    amount = StringField(_l("Amount"), validators=[InputRequired(_l("Enter the amount transferred."))])
    reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=120)])
