"""Accounts for tests: users with a cheap unusable hash, and signing in without the form."""
from flask import g
from werkzeug.security import generate_password_hash

from app.models import User

# The password of accounts made through the real sign-up (accounts.sign_up, invites).
PASSWORD = "correct horse battery"

# These users never sign in through the form, so a fast hash keeps the tests quick.
UNUSED_HASH = generate_password_hash("not used to sign in", method="pbkdf2:sha256:1")


def make_user(db, email: str, role: str = "organizer", owner_id: int | None = None) -> User:
    user = User(email=email, password_hash=UNUSED_HASH, role=role, owner_id=owner_id)
    db.session.add(user)
    db.session.flush()
    return user


def login_as(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    # The tests' requests share the fixture's app context, so forget the user
    # Flask-Login cached in `g` for the previous request.
    g.pop("_login_user", None)


def sign_in_operator(db, client) -> User:
    """An operator account, signed in on `client` (the operator pages' tests)."""
    user = make_user(db, "ops@example.com", role="operator")
    db.session.commit()
    login_as(client, user)
    return user
