"""Who may open what: every organizer, operator and owner page, tried anonymous,
as the wrong kind of account and as a member of another organization.

The lists are checked against the app's URL map, so a new page in these areas
cannot be added without appearing here.
"""
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.models import (
    BoardTotal,
    Certificate,
    CreditBatch,
    Event,
    Order,
    Organization,
    OrganizationInvite,
    Participant,
    Payout,
    Project,
    ProjectOwner,
    User,
    membership,
)
from app.services.accounts import invites
from tests.accounts import login_as, make_user

# Sessions are set directly, so no test pays for a real password hash.

# Pages of one organization's event or organization: {org}, {event}.
ORG_SCOPED_GET = [
    "/organizer/organizations/{org}/edit",
    "/organizer/organizations/{org}/events/new",
    "/organizer/organizations/{org}/members",
    "/organizer/events/{event}",
    "/organizer/events/{event}/edit",
    "/organizer/events/{event}/posters",
    "/organizer/events/{event}/poster-a4.png",
    "/organizer/events/{event}/poster-a4.svg",
    "/organizer/events/{event}/poster-a4.pdf",
    "/organizer/events/{event}/poster-a6.png",
    "/organizer/events/{event}/poster-a6.svg",
    "/organizer/events/{event}/poster-a6.pdf",
    "/organizer/events/{event}/orders.csv",
    "/organizer/events/{event}/operations",
    "/organizer/events/{event}/estimate",
    "/organizer/events/{event}/report",
    "/organizer/events/{event}/report.pdf",
    "/organizer/organizations/{org}/members/{member}/remove",
    "/organizer/events/{event}/archive",
    "/organizer/events/{event}/sponsors",
    "/organizer/events/{event}/sponsors/1/cards",
]
ORG_SCOPED_POST = [
    "/organizer/organizations/{org}/edit",
    "/organizer/organizations/{org}/events/new",
    "/organizer/organizations/{org}/invites",
    "/organizer/organizations/{org}/invites/{invite}/revoke",
    "/organizer/organizations/{org}/members/{member}/remove",
    "/organizer/events/{event}/edit",
    "/organizer/events/{event}/archive",
    "/organizer/events/{event}/operations",
    "/organizer/events/{event}/operations/estimate",
    "/organizer/events/{event}/estimate",
    "/organizer/events/{event}/estimate/neutralize",
    "/organizer/events/{event}/estimate/preview",
    "/organizer/events/{event}/report/publish",
    "/organizer/events/{event}/kiosk",
    "/organizer/events/{event}/sponsors",
    "/organizer/events/{event}/sponsors/1/keep",
    "/organizer/events/{event}/sponsors/1/refund",
]
# Pages any organizer may open (they show only the organizer's own data).
ORGANIZER_GET = ["/organizer/", "/organizer/organizations/new"]
ORGANIZER_POST = ["/organizer/organizations/new"]
OPERATOR_GET = ["/operator/", "/operator/projects", "/operator/projects/new", "/operator/projects/{project}/names",
                "/operator/moderation", "/operator/payouts"]
OPERATOR_POST = ["/operator/projects/new", "/operator/projects/{project}/batches", "/operator/projects/{project}/names",
                 "/operator/moderation/name",
                 "/operator/moderation/organization", "/operator/certificates/revoke", "/operator/payouts",
                 "/operator/payout-accounts"]
OWNER_GET = ["/account/statement", "/account/statement.csv"]
SIGNED_IN_GET = ["/account/", "/account/password"]
SIGNED_IN_POST = ["/account/password"]
# Joining by invite link: any signed-in organizer with the link (operators and owners are refused).
INVITE_POST = ["/account/invite/{token}/join"]

ALL_GET = ORG_SCOPED_GET + ORGANIZER_GET + OPERATOR_GET + OWNER_GET + SIGNED_IN_GET
ALL_POST = ORG_SCOPED_POST + ORGANIZER_POST + OPERATOR_POST + SIGNED_IN_POST + INVITE_POST

# A form that would change something if the guard let it through.
POST_DATA = {
    "name": "Hijacked", "scenario": "conference", "currency": "CNY", "color": "#000000", "status": "archived",
    "electricity": "1000", "grid": "CN", "serial_prefix": "HACK", "first_serial": "1", "quantity": "5",
    "number": "CD-2026-000001", "reason": "because", "owner_id": "1", "amount": "1", "kind": "Forestry",
    "place": "x", "country": "CN", "standard": "x", "vintage": "2024", "price": "1", "price_source": "x",
    "price_year": "2026", "new_owner": "Hijack Ltd", "current": "x", "new": "y" * 12, "confirm": "y" * 12,
}


@dataclass
class World:
    org: Organization
    event: Event
    project: Project
    organizer: User
    stranger: User  # an organizer of another organization
    operator: User
    owner: User
    certificate: Certificate
    colleague: User  # a second member of the organization, whom a refused request must not remove
    invite: OrganizationInvite
    token: str

    def url(self, pattern: str) -> str:
        return pattern.format(org=self.org.id, event=self.event.id, project=self.project.id,
                              invite=self.invite.id, member=self.colleague.id, token=self.token)


@pytest.fixture
def world(db, make_event, make_project, make_order) -> World:
    project = make_project()
    organizer = make_user(db, "ann@example.com")
    stranger = make_user(db, "bob@example.com")
    org, other = Organization(name="Acme Events"), Organization(name="Other Org")
    db.session.add_all([org, other])
    org.members.append(organizer)
    other.members.append(stranger)
    db.session.flush()
    event = make_event(organization_id=org.id, expected_attendance=100)
    order = make_order(event=event, project=project, name="Lin", show=True)
    operator = make_user(db, "ops@example.com", role="operator")
    owner = make_user(db, "owner@example.com", role="owner", owner_id=project.owner_id)
    colleague = make_user(db, "cat@example.com")
    org.members.append(colleague)
    invite, token = invites.create_invite(db.session, org, organizer)
    db.session.commit()
    return World(org, event, project, organizer, stranger, operator, owner, order.certificate, colleague, invite,
                 token)


def snapshot(db) -> dict:
    """What a refused request must not change."""
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
              for m in (Event, Organization, Order, CreditBatch, Payout, Project, ProjectOwner, User)}
    counts["members"] = sorted(db.session.execute(select(membership.c.user_id, membership.c.organization_id)).all())
    counts["invites"] = sorted(db.session.execute(select(OrganizationInvite.id, OrganizationInvite.used_at)).all())
    db.session.expire_all()
    counts["events"] = [(e.name, e.status, e.slug) for e in db.session.scalars(select(Event))]
    counts["hidden"] = db.session.scalar(select(func.count()).select_from(Participant)
                                         .where(Participant.name_hidden.is_(True)))
    counts["revoked"] = db.session.scalar(select(func.count()).select_from(Certificate)
                                          .where(Certificate.status != "valid"))
    counts["board_hidden"] = db.session.scalar(select(func.count()).select_from(BoardTotal)
                                               .where(BoardTotal.hidden.is_(True)))
    counts["hashes"] = [u.password_hash for u in db.session.scalars(select(User).order_by(User.id))]
    return counts


def refused_as_anonymous(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/account/login")


def test_every_page_of_these_areas_is_listed_here(app):
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, patterns in (("GET", ALL_GET), ("POST", ALL_POST)):
        for pattern in patterns:
            endpoint, _ = adapter.match(pattern.format(org=1, event=1, project=1, invite=1, member=1, token="t"),
                                        method=method)
            covered.add((endpoint, method))
    closed = ("organizer.", "operator.", "auth.statement", "auth.password", "auth.home", "auth.join")
    needed = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith(closed)
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert needed - covered == set(), "pages without an access test"


@pytest.mark.parametrize("pattern", ALL_GET)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, pattern):
    response = client.get(world.url(pattern))
    assert refused_as_anonymous(response), (pattern, response.status_code)


@pytest.mark.parametrize("pattern", ALL_POST)
def test_anonymous_posts_change_nothing(client, db, world, pattern):
    before = snapshot(db)
    response = client.post(world.url(pattern), data=POST_DATA)
    assert refused_as_anonymous(response), (pattern, response.status_code)
    assert snapshot(db) == before


@pytest.mark.parametrize("pattern", ORG_SCOPED_GET)
def test_another_organizations_member_cannot_see_the_event(client, world, pattern):
    login_as(client, world.stranger)
    assert client.get(world.url(pattern)).status_code in (403, 404)


@pytest.mark.parametrize("pattern", ORG_SCOPED_POST)
def test_another_organizations_member_cannot_change_the_event(client, db, world, pattern):
    login_as(client, world.stranger)
    before = snapshot(db)
    assert client.post(world.url(pattern), data=POST_DATA).status_code in (403, 404)
    assert snapshot(db) == before


@pytest.mark.parametrize("who", ["operator", "owner"])
@pytest.mark.parametrize("pattern", ORG_SCOPED_GET + ORGANIZER_GET)
def test_other_roles_cannot_open_organizer_pages(client, world, who, pattern):
    login_as(client, getattr(world, who))
    assert client.get(world.url(pattern)).status_code == 403


@pytest.mark.parametrize("who", ["organizer", "owner"])
@pytest.mark.parametrize("pattern", OPERATOR_GET)
def test_only_operators_open_operator_pages(client, world, who, pattern):
    login_as(client, getattr(world, who))
    assert client.get(world.url(pattern)).status_code == 403


@pytest.mark.parametrize("who", ["organizer", "stranger", "owner"])
@pytest.mark.parametrize("pattern", OPERATOR_POST)
def test_only_operators_change_projects_boards_and_payouts(client, db, world, who, pattern):
    login_as(client, getattr(world, who))
    before = snapshot(db)
    assert client.post(world.url(pattern), data=POST_DATA).status_code == 403
    assert snapshot(db) == before


@pytest.mark.parametrize("who", ["organizer", "operator"])
@pytest.mark.parametrize("pattern", OWNER_GET)
def test_only_project_owners_open_the_owner_statement(client, world, who, pattern):
    login_as(client, getattr(world, who))
    assert client.get(world.url(pattern)).status_code == 403


def test_an_owner_sees_only_its_own_projects(client, db, world, make_project):
    other = make_project(name="Not Yours Hydro")
    login_as(client, world.owner)
    page = client.get("/account/statement").get_data(as_text=True)
    assert world.project.name in page and other.name not in page


def test_the_right_people_get_in(client, world):
    login_as(client, world.organizer)
    for pattern in ORG_SCOPED_GET[:5] + ORGANIZER_GET + SIGNED_IN_GET:
        assert client.get(world.url(pattern)).status_code in (200, 303), pattern
    login_as(client, world.operator)
    for pattern in OPERATOR_GET:
        assert client.get(world.url(pattern)).status_code == 200, pattern
    login_as(client, world.owner)
    for pattern in OWNER_GET:
        assert client.get(world.url(pattern)).status_code == 200, pattern


def test_a_deactivated_account_is_signed_out(client, db, world):
    login_as(client, world.organizer)
    world.organizer.active = False
    db.session.commit()
    assert refused_as_anonymous(client.get("/organizer/"))


@pytest.mark.parametrize("who", ["operator", "owner"])
@pytest.mark.parametrize("pattern", INVITE_POST + ORG_SCOPED_POST[2:5])
def test_other_roles_cannot_join_or_change_a_team(client, db, world, who, pattern):
    login_as(client, getattr(world, who))
    before = snapshot(db)
    assert client.post(world.url(pattern), data=POST_DATA).status_code == 403
    assert snapshot(db) == before
