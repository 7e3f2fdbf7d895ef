"""The organizer picks a poster's language: its texts are in it and its QR code carries ?lang=."""
from __future__ import annotations

import datetime as dt

import pytest

from app.models import Organization
from tests.accounts import login_as, make_user
from tests.unit.test_posters import decode


@pytest.fixture
def event(db, client, make_event):
    user = make_user(db, "lin@example.com")
    organization = Organization(name="Chengdu Events")
    db.session.add(organization)
    organization.members.append(user)
    db.session.commit()
    login_as(client, user)
    return make_event(organization_id=organization.id, slug="summit", starts_on=dt.date(2026, 12, 1))


@pytest.mark.parametrize(("language", "qr"), [
    ("zh", "http://localhost/e/summit?lang=zh&src=a4"),
    ("fil", "http://localhost/e/summit?lang=fil&src=a4"),
    ("", "http://localhost/e/summit?src=a4"),  # no choice: each visitor's browser decides
])
def test_poster_qr_carries_the_language(client, event, tmp_path, language, qr):
    png = client.get(f"/organizer/events/{event.id}/poster-a4.png?language={language}")
    assert png.status_code == 200
    assert decode(png.data, tmp_path) == [qr]


def test_poster_texts_are_in_its_language_whatever_the_page_language(client, event):
    svg = client.get(f"/organizer/events/{event.id}/poster-a4.svg?language=zh&lang=en").get_data(as_text=True)
    assert "扫码实现碳中和" in svg and "2026年12月1日" in svg
    assert "localhost/e/summit?lang=zh<" in svg  # the printed address, as typed (the code adds &src=a4)
    fil = client.get(f"/organizer/events/{event.id}/poster-a6.svg?language=fil&lang=zh").get_data(as_text=True)
    assert "I-scan para" in fil  # the call to action (wrapped on the small card)
    english = client.get(f"/organizer/events/{event.id}/poster-a4.svg?lang=en").get_data(as_text=True)
    assert "Scan to be carbon neutral" in english and "Dec 1, 2026" in english


def test_poster_page_offers_the_languages_and_links_its_files(client, event):
    page = client.get(f"/organizer/events/{event.id}/posters?language=fil&lang=en").get_data(as_text=True)
    assert '<option value="fil" lang="fil" selected>Filipino</option>' in page
    assert f"/organizer/events/{event.id}/poster-a4.pdf?language=fil" in page
    assert "http://localhost/e/summit?lang=fil" in page  # the address shown is the code's, less its ?src=
    unknown = client.get(f"/organizer/events/{event.id}/posters?language=xx&lang=en").get_data(as_text=True)
    assert '<option value="" selected>' in unknown
