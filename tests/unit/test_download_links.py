"""Every download link is left alone by hx-boost: a boosted link would swap the
file's bytes into the page instead of saving it."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
LINK = re.compile(r"<a\b[^>]*>", re.S)


def download_links():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in LINK.findall(path.read_text()):
            if re.search(r"\sdownload(=|\s|>)", tag):
                yield path.relative_to(TEMPLATES), tag


def test_templates_offer_downloads():
    assert {str(p) for p, _ in download_links()} >= {"certificates/show.html", "organizer/posters.html"}


def test_every_download_link_is_not_boosted():
    boosted = [f"{p}: {tag}" for p, tag in download_links() if 'hx-boost="false"' not in tag]
    assert boosted == []
