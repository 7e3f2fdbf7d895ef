"""Admin actions happen once however many sessions try at the same moment: an
invite joins one account, a certificate is revoked once (one register entry),
payouts never pass what an owner is owed. Each race runs in separate
connections (PostgreSQL in CI's second pass, SQLite in the first)."""
from __future__ import annotations

from sqlalchemy import func, select

from app.models import Certificate, Payout, RegistryEntry, User
from app.services.accounts import admin, invites
from app.services.sales import statements
from tests import races

RACERS = 8


def _race(app_config, act) -> list[str]:
    return races.outcomes(app_config, act, RACERS, (admin.AdminError, invites.InviteError))


def test_one_invite_joins_one_account_under_concurrent_sign_ups(db, app_config, team):
    org, member = team
    _invite, token = invites.create_invite(db.session, org, member)
    db.session.commit()
    org_id = org.id

    results = _race(app_config, lambda session, i: invites.sign_up_with_invite(
        session, token, email=f"racer{i}@example.com", password="correct horse battery", name=f"Racer {i}"))

    assert results.count("done") == 1
    assert results.count("invite_invalid") == RACERS - 1
    db.session.expire_all()
    joined = db.session.scalars(select(User).where(User.email.like("racer%"))).all()
    assert len(joined) == 1 and [o.id for o in joined[0].organizations] == [org_id]


def test_a_certificate_is_revoked_once_with_one_register_entry(db, app_config, make_order):
    order = make_order(kg=10)
    number = order.certificate.number
    db.session.commit()

    results = _race(app_config, lambda session, i: admin.revoke_certificate(session, number, f"Racer {i}"))

    assert results.count("done") == 1
    assert results.count("already_revoked") == RACERS - 1
    db.session.expire_all()
    kinds = db.session.scalars(select(RegistryEntry.kind)).all()
    assert kinds.count("revoke") == 1
    assert db.session.scalar(select(Certificate.status).where(Certificate.number == number)) == "revoked"


def test_concurrent_payouts_never_pass_what_is_owed(db, app_config, make_project, make_order):
    project = make_project(price=9000)
    for _ in range(3):
        make_order(project=project, kg=1000)
    db.session.commit()
    owner_id = project.owner_id
    owed = statements.statement(db.session, project.owner).balance("CNY")
    share = owed // 3 + 1  # three fit only if nothing checks: two must be refused

    results = _race(app_config, lambda session, i: admin.record_payout(session, owner_id, share, "CNY", f"R{i}"))

    db.session.expire_all()
    paid = db.session.scalar(select(func.coalesce(func.sum(Payout.amount_minor), 0)))
    assert results.count("done") == 2 and results.count("over_balance") == RACERS - 2
    assert paid == 2 * share <= owed
