"""Organizer teams in chromium at 390x844, with JavaScript on and off: a member
makes an invite link, a colleague opens it and joins by signing up, and the
first member sees them and removes them again."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, small_targets, watch_errors

pytestmark = pytest.mark.browser


def sign_up(page, base, name, organization, email):
    page.goto(f"{base}/account/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Organization").fill(organization)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_member_invites_a_colleague_who_joins_by_signing_up(live_server, browser, shot, javascript):
    suffix = "js" if javascript else "nojs"
    org = f"Team Test {suffix}"
    ann_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  java_script_enabled=javascript, locale="en-US")
    ann = ann_ctx.new_page()
    errors = watch_errors(ann)
    sign_up(ann, live_server, "Ann", org, f"ann-{suffix}@example.com")
    ann.wait_for_url(re.compile(r"/events/new$"))
    ann.goto(f"{live_server}/organizer/")
    ann.get_by_role("link", name="Members").first.click()
    ann.wait_for_url(re.compile(r"/members$"))
    expect(ann.get_by_role("heading", name=f"Members of {org}")).to_be_visible()
    ann.get_by_role("button", name="Make an invite link").click()
    link = ann.get_by_label("Invite link", exact=True).input_value()
    assert re.fullmatch(re.escape(live_server) + r"/account/invite/[A-Za-z0-9_-]{40,}", link)
    assert no_horizontal_scroll(ann) and not small_targets(ann)
    shot(ann, f"teams-1-invite-link-{suffix}")

    # A colleague, in another browser, signs up through the link; the sign-up page says how to join.
    bob_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  java_script_enabled=javascript, locale="en-US")
    bob = bob_ctx.new_page()
    sign_up(bob, live_server, "Bob", org, f"bob-{suffix}@example.com")
    expect(bob.get_by_text("ask one of its members for an invite link").first).to_be_visible()
    bob.goto(link)
    expect(bob.get_by_role("heading", name=f"Join {org}")).to_be_visible()
    assert no_horizontal_scroll(bob) and not small_targets(bob)
    shot(bob, f"teams-2-invite-signup-{suffix}")
    bob.get_by_label("Your name").fill("Bob")
    bob.get_by_label("E-mail").fill(f"bob-{suffix}@example.com")
    bob.get_by_label("Password").fill("a long passphrase")
    bob.get_by_role("button", name="Create account and join").click()
    bob.wait_for_url(re.compile(r"/organizer/$"))
    expect(bob.get_by_text(f"Welcome to {org}!")).to_be_visible()
    expect(bob.get_by_role("heading", name=org)).to_be_visible()

    # Ann sees Bob, removes him; the used link no longer works.
    ann.goto(f"{live_server}/organizer/")
    ann.get_by_role("link", name="Members").first.click()
    expect(ann.get_by_text(f"bob-{suffix}@example.com")).to_be_visible()
    shot(ann, f"teams-3-members-{suffix}")
    ann.locator("li", has_text=f"bob-{suffix}@example.com").get_by_role("button", name="Remove").click()
    expect(ann.get_by_role("heading", name="Remove Bob?")).to_be_visible()  # asks first
    ann.get_by_role("button", name="Remove").click()
    expect(ann.get_by_text("Member removed.")).to_be_visible()
    expect(ann.get_by_text(f"bob-{suffix}@example.com")).to_have_count(0)
    assert bob.goto(link).status == 404
    assert errors == []
    ann_ctx.close()
    bob_ctx.close()
