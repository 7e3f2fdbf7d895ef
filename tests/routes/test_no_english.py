"""Issue #24 item 6: no English from code. Every GET page of the app's URL map (and the htmx fragments and
the error pages) is rendered in Chinese and in Filipino with seeded data, and no English may show.

- zh: any run of Latin letters in the visible text (and in title, aria-label, placeholder, alt) must be a
  name, a unit, a code or one of the few listed exceptions.
- fil: Filipino is written in Latin letters and keeps English loanwords (GLOSSARY.md), so an English leak
  is found by English function words ("the", "your", "with" ...), which no Filipino sentence uses.

Names, e-mail addresses and addresses of the seeded data are removed before checking: on a page in one
language only the entities' names and texts in that language (app/services/names.py), see
seeded_entity_text(), the names people typed (PEOPLE) and names that stay as they are (other_names()).
"""
from __future__ import annotations

import csv
import functools
import os
import re
from html.parser import HTMLParser

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.commands.demo import seed_demo
from app.models import Event, Organization, Participant, Project, ProjectOwner
from app.services import footprint, names
from app.services.accounts import invites
from app.services.footprint import event_estimate, labels, life, methodology, places
from app.services.sales import checkout, sponsor_checkout, sponsors
from app.web.calculator_form import GRID_LABELS
from tests.accounts import login_as, make_user

ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# <cite> holds a source's own title (and its figures): source titles stay in their own language (#24 item 5).
# A <textarea> holds a form field's value, as an input's value attribute does (neither is checked).
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "svg", "cite", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

# Latin runs a Chinese page may show: units, codes, product and provider names. Keep it small.
ALLOWED_WORDS = {
    # units and chemistry
    "kg", "km", "t", "kWh", "CO", "e", "m", "h", "px", "MWh", "g", "Gt",
    # codes and formats people know by their Latin name
    "CCER", "QR", "CSV", "PDF", "PNG", "SVG", "API", "JSON", "JSONL", "URL", "HTTPS", "ID", "IATA", "ISO",
    "UTC", "SHA", "CNY", "PHP", "USD", "EUR", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z",  # the kiosk's on-screen keyboard
    "DESNZ", "MEE", "IPCC", "GHG", "VCS", "Verra", "Gold", "Standard", "GS", "CDCER", "NJ", "CD",
    # the product, wallets and payment providers (brand names)
    "CarbonDot", "carbondot", "WeChat", "Pay", "Alipay", "Stripe", "GCash", "Maya",
    # language names in the switcher are each written in their own language
    "English", "Filipino",
    # proper names of methods, standards and tools (the registry's and the methodology's explanations)
    "RF", "ICAO", "myclimate", "Merkle", "Certificate", "Transparency", "RFC", "Ed", "Python", "pip", "install",
    "cryptography", "TOKEN",
    # the methodology's sources by their own names: a data set, a calculator, authors cited, a formula
    "OWID", "GCB", "Carbonstop", "Climatiq", "Poore", "Nemecek", "Scarborough", "Ballou", "Rahardja", "Sakai",
    "Yue", "Chang", "haversine", "Climate", "Essentials", "GtC", "Friedlingstein", "et", "al", "Earth", "Syst",
    "Sci", "Data", "doi",
}
# English words no Filipino sentence uses: one on a Filipino page is an untranslated string.
ENGLISH_ONLY = {
    "the", "your", "you", "with", "this", "that", "is", "are", "was", "were", "have", "has", "will", "from",
    "and", "not", "please", "we", "our", "could", "would", "should", "there", "their", "which", "been",
    "here", "into", "than", "of", "to", "for", "by", "it", "an",
}
# Strings removed before the check: addresses, host names, time zone ids, file paths, a factor id cited in
# brackets, e-mails, serial and certificate numbers, hashes.
NOISE = re.compile(
    r"\b[\w-]+\.(?:py|csv|jsonl|png|pdf|svg|xlsx)\b|"  # file names (first: a long name is not a code)
    r"\b[a-z_]+(?::[A-Za-z0-9_-]+)+|"  # a factor id in a sentence (param:ev:uk_td_share)
    r"https?://\S+|\blocalhost(?::\d+)?/\S*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org|com|uk|cn|gov|net)\b|"
    r"\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Za-z_/+-]+|"  # zones
    r"\bapp/[\w./-]+|[（(][a-z_]+(?::[A-Za-z0-9_-]+)+[）)]|"  # a path in the code, a factor id in brackets
    r"[\w.+-]+@[\w.-]+|/[\w./?=&%-]*|\b[A-Z]{1,6}(?:-[A-Z0-9]+)+\b|\b[0-9a-f]{16,}\b|"
    r"\b[A-Za-z0-9_-]{20,}\b|"
    r"(?<![A-Za-z0-9])[a-z0-9]+(?:-[a-z0-9]+)+(?![A-Za-z0-9])|"  # slugs
    r"\b\w+\.(?:py|csv|jsonl|png|pdf|svg)\b"  # file names
)
LATIN = re.compile(r"[A-Za-z]+")
CODE = re.compile(r"[A-Z]{3}")  # an airport (IATA) or currency (ISO 4217) code
WORD = re.compile(r"[A-Za-z']+")


class Text(HTMLParser):
    """Visible text and the checked attributes, without scripts and styles, and without what an element marks
    as another language with lang="..." (the switcher's language names, a name shown in English on the
    form that enters it in the other languages)."""

    def __init__(self, lang: str = "zh"):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, in another language)
        self.lang = lang

    def skipping(self) -> bool:
        return any(tag in SKIPPED_ELEMENTS or foreign for tag, foreign in self.stack)

    def handle_starttag(self, tag, attrs):
        given = (dict(attrs).get("lang") or "").lower().split("-")[0]
        foreign = bool(given) and given != self.lang
        if tag not in VOID and foreign:
            self.stack.append((tag, foreign))
        if not self.skipping():  # a textarea's own attributes (its label, placeholder) are checked, its value not
            for name, value in attrs:
                if name in ATTRIBUTES and value:
                    self.parts.append(value)
                if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                    self.parts.append(value)
        if tag not in VOID and not foreign:
            self.stack.append((tag, foreign))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if any(t == tag for t, _foreign in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self.skipping() and data.strip():
            self.parts.append(data.strip())


@functools.cache
def english_msgids(lang: str) -> frozenset[str]:
    """The catalogue's English texts that the language words differently: one shown as it is on a page in
    that language came from code, not through the catalogue (catches "Fish (farmed)" on a Filipino page)."""
    with open(f"app/translations/{lang}/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f)
    return frozenset(m.id for m in catalogue if m.id and isinstance(m.id, str) and "%" not in m.id
                     and m.string and m.string != m.id and len(m.id) > 3)


def leaks(html: str, lang: str, allowed: list[str], quoted_labels: bool = False) -> list[str]:
    parser = Text(lang)
    parser.feed(html)
    found = []
    untranslated = english_msgids(lang)
    for part in parser.parts:
        if part in untranslated and part not in allowed:
            found.append(f"untranslated {part!r}")
            continue
        text = part
        for name in allowed:  # longest first
            text = text.replace(name, " ")
        text = NOISE.sub(" ", text)
        if quoted_labels:  # a source's own label quoted in the sentence ("UK electricity T&D for EVs")
            text = QUOTED_LABEL.sub(" ", text)
        if lang == "zh":
            bad = [w for w in LATIN.findall(text) if w not in ALLOWED_WORDS and not CODE.fullmatch(w)]
        else:
            bad = [w for w in WORD.findall(text) if w.lower() in ENGLISH_ONLY]
        if bad:
            found.append(f"{' '.join(bad)!s} in {part[:160]!r}")
    return found


class World:
    pass


SPONSOR = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000, visitor_max_kg=20_000)
ESTIMATE = {"days": "2", "nights": "1", "rail-count": "10", "rail-km": "500", "waste_kg": "1000",
            "electricity": "1000", "grid": "CN", "water_m3": "20", "paper_kg": "30", "freight_tkm": "100"}


@pytest.fixture
def world(app, db, make_order):
    """The demo seed (names in en, zh and fil), an organization with names in the three languages running two
    of its events, orders, a paid sponsor pool with codes, a saved estimate and a published report."""
    seed_demo()
    w = World()
    w.forum = db.session.scalar(select(Event).where(Event.slug == "cdcn-forum-2021"))  # ended
    w.mountain = db.session.scalar(select(Event).where(Event.slug == "qingcheng-mountain"))  # open
    w.project = db.session.scalar(select(Project).where(Project.name == "Liangshan Forest Restoration"))
    organizer = make_user(db, "ann@example.com")
    w.org = Organization(name="Acme Events", names={"zh": {"name": "艾克米会展"},
                                                     "fil": {"name": "Mga Kaganapan ng Acme"}})
    db.session.add(w.org)
    w.org.members.append(organizer)
    db.session.flush()
    w.mountain.organization_id = w.org.id
    w.forum.organization_id = w.org.id
    w.forum.report_published = w.mountain.report_published = True
    w.paid = make_order(event=w.mountain, project=w.project, name="Lin", show=True, kg=434)
    make_order(event=w.forum, project=w.project, name="Ana", show=True, kg=120, organization="艾克米会展")
    w.open = make_order(event=w.mountain, project=w.project, paid=False, kg=50)
    owner = db.session.get(ProjectOwner, w.project.owner_id)
    owner.statement_token = "s" * 32
    operator = make_user(db, "ops@example.com", role="operator")
    owner_user = make_user(db, "owner@example.com", role="owner", owner_id=owner.id)
    w.member = make_user(db, "bo@example.com")
    w.org.members.append(w.member)
    invite, w.invite_token = invites.create_invite(db.session, w.org, organizer)
    event_estimate.save(db.session, w.mountain, event_estimate.clean(ESTIMATE, frozenset(GRID_LABELS)))
    db.session.commit()
    w.pool = buy_pool(db, w, "熊猫银行")  # a sponsor's name is typed once, in one language
    w.code = w.pool.codes[0].code
    redeemed = sponsor_checkout.redeem(
        db.session, SPONSOR, w.mountain, participant(db), w.code,
        checkout.quote(db.session, w.mountain, fee_percent=10, kg=12), display_name="Mei", show_on_board=True)
    assert redeemed.status == "paid"
    w.users = {"organizer": organizer, "operator": operator, "owner": owner_user}
    # The entities the pages show have their own zh and fil texts, so no English falls back onto a page.
    for row in (w.mountain, w.forum, w.project, owner, w.org):
        for field in names.fields_of(row):
            if getattr(row, field) and not (row.__tablename__ == "event" and field == "city"):
                assert all(names.entered(row, field, lang) for lang in ("zh", "fil")), (row, field)
    codes = {sponsors.printed(c.code) for c in w.pool.codes}  # random letters, printed on the sponsor's cards
    w.names = {lang: sorted({*entity_names(db, lang), *codes}, key=len, reverse=True) for lang in ("zh", "fil")}
    return w


def participant(db) -> Participant:
    p = Participant(token=os.urandom(16).hex())
    db.session.add(p)
    db.session.flush()
    return p


def buy_pool(db, w, name):
    """A paid sponsor pool of 100 kg in five codes, bought through the checkout like any sponsor's."""
    order = sponsor_checkout.start(
        db.session, SPONSOR,
        checkout.OrderRequest(kind="sponsor", event=w.mountain, project=w.project, participant=participant(db),
                              kg=100, display_name=name, organization_id=w.org.id),
        sponsor_name=name, codes=5, open_code=False)
    assert checkout.apply_demo_outcome(db.session, SPONSOR, order, "paid") == "paid"
    pool = sponsors.pool_of(db.session, order)
    assert pool is not None and pool.codes
    return pool


# Names people type once, in one language: visitors' and sponsors' display names and e-mail addresses.
PEOPLE = {"Lin", "Ana", "Mei", "ann@example.com", "ops@example.com", "owner@example.com",
          "bo@example.com"}


def seeded_entity_text(db, lang: str) -> set[str]:
    """The seeded events', projects', owners' and organizations' names and texts in `lang` (names.pick: the
    language's own, English only where an entity has none, which the world below avoids for what it shows),
    their codes (a venue's IATA code, a project's standard, its price's source title), and PEOPLE."""
    texts = set(PEOPLE)
    for model in (Event, Project, ProjectOwner, Organization):
        for row in db.session.scalars(select(model)):
            texts |= {names.pick(row, field, lang) for field in names.fields_of(row)}
            if model is Event:
                texts.add(row.venue_code or "")
            if model is Project:
                texts |= {row.standard, row.price_source or ""}
    return texts


def methodology_names(names: list[str]) -> list[str]:
    """The names a page allows, and on /methodology the temporary untranslated rows, longest first."""
    return sorted(set(names) | untranslated_texts(), key=len, reverse=True)


def other_names() -> set[str]:
    """Names that stay as they are in every language: source titles, place names from the place data (found by
    the kiosk's search), and country names as CLDR spells them for the language."""
    texts = SOURCE_TITLES | {f.source for f in footprint.factor_rows().values()} | {a.source for a in life.averages()}
    for place in places.search("BEI", limit=5):
        texts |= {place.name, place.city or ""}
    for lang in ("zh", "fil"):
        texts |= set(Locale.parse(lang).territories.values())
    return texts


def entity_names(db, lang: str) -> list[str]:
    """Every allowed name on a page in `lang`, longest first (so a long name is removed before a shorter one
    inside it)."""
    return sorted((t for t in seeded_entity_text(db, lang) | other_names() if t), key=len, reverse=True)


# TEMPORARY, w5-datatr: the methodology page's data rows added by carbondot-3 and the event estimate whose texts
# have no zh/fil translation on this branch (w5-datatr writes them in app/data/data_translations.csv and names the
# five new factors in labels.FACTOR_NAMES). Tolerated on /methodology only, and only while a row still lacks its
# translation: test_the_temporary_methodology_rows_still_lack_their_translation fails once one has it, so delete
# it here. (The changes' before and after figures are translated too: data_translations.csv and Figures.)
# The 30 provincial grids of carbondot-3.
PROVINCES = ("BJ", "TJ", "HE", "SX", "SD", "NM", "LN", "JL", "HL", "SH", "JS", "ZJ", "AH", "FJ", "HA", "HB", "HN",
             "JX", "SN", "GS", "QH", "NX", "XJ", "GD", "GX", "YN", "GZ", "HI", "SC", "CQ")
UNTRANSLATED_ROWS: dict[tuple[str, str], list[str]] = {}
KEY_COLUMN = {"factors.csv": "id", "per_capita.csv": "id", "method_changes.csv": "key", "carbonstop.csv": "key"}
# The five factors without a name of their own yet show their id (w5-datatr names them).
UNNAMED_FACTORS: list[str] = []


def data_rows(file: str) -> dict[str, dict[str, str]]:
    with open(f"app/data/{file}", encoding="utf-8") as f:
        return {row[KEY_COLUMN[file]]: row for row in csv.DictReader(f)}


def untranslated_texts() -> set[str]:
    """The English texts of UNTRANSLATED_ROWS (and the unnamed factors' ids) that /methodology may show."""
    texts = set(UNNAMED_FACTORS)
    for (file, columns), keys in UNTRANSLATED_ROWS.items():
        rows = data_rows(file)
        texts |= {rows[key][column] for key in keys for column in columns.split()}
    return texts


def test_the_temporary_methodology_rows_still_lack_their_translation():
    """Once w5-datatr's translations are merged, a row that has one leaves UNTRANSLATED_ROWS."""
    translated = []
    for (file, columns), keys in UNTRANSLATED_ROWS.items():
        rows = data_rows(file)
        for key in keys:
            if all(methodology.translated(file, key, column, rows[key][column], lang) is not None
                   for column in columns.split() if column in ("note", "what", "why") for lang in ("zh", "fil")):
                translated.append(key)
    assert not translated, f"translated now: remove from UNTRANSLATED_ROWS {translated}"
    assert all(labels.factor_name(i, "zh") is None for i in UNNAMED_FACTORS), "named now: empty UNNAMED_FACTORS"


# Source titles stay in their own language (issue #24 item 5), and so do a source's own category names quoted.
SOURCE_TITLES = {"Our World in Data", "Global Carbon Budget", '"International, to/from non-UK"', '"with RF"',
                 "International, to/from non-UK", "to/from-UK", "Transportation Research Part", "Energy 182",
                 "Greenhouse Gas Equivalencies Calculator", "National Energy Administration",
                 "National Bureau of Statistics", "People's Daily",
                 # DESNZ's own table and row names, as a factor's source cites them
                 "Business travel- land", "Cars (by size)", "Average car", "Petrol"}
# On /methodology a Chinese sentence quotes a source's own row or table name in quotes (DESNZ 表中的“Korea”行,
# OWID 图表中的“Apples”行, 'Fuels' 表): a quoted run with no Chinese in it is the source's label.
QUOTED_LABEL = re.compile(r"“[^“”\u4e00-\u9fff]*”|'[^'\u4e00-\u9fff]*'")

ROLE_BY_PREFIX = {"/organizer": "organizer", "/operator": "operator", "/account/statement": "owner",
                  "/account/": "organizer"}
NOT_HTML = re.compile(r"\.(png|svg|pdf|csv|jsonl|py|json|<[^>]+>)$|^/(api|static|healthz|places)")


def urls(app, w) -> list[str]:
    handoff = kiosk_handoff(app, w)
    values = {
        "slug": [w.mountain.slug, w.forum.slug], "event_id": [w.mountain.id], "org_id": [w.org.id],
        "project_id": [w.project.id], "public_id": [w.open.public_id], "pool_id": [w.pool.id],
        "code": [w.code], "user_id": [w.member.id],
    }
    by_endpoint = {
        "certificates.show": {"token": [w.paid.certificate.token]},
        "checkout.order_status": {"public_id": [w.paid.public_id, w.open.public_id]},
        "kiosk.phone": {"token": [handoff]},
        "kiosk.handoff": {"token": [handoff], "slug": [w.mountain.slug]},
        "auth.invite": {"token": [w.invite_token]},
        "owners.statement": {"token": ["s" * 32]},
    }
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or NOT_HTML.search(rule.rule) or rule.endpoint == "checkout.wechat_oauth":
            continue
        options = {**values, **by_endpoint.get(rule.endpoint, {})}
        combos = [{}]
        for arg in sorted(rule.arguments):
            combos = [{**c, arg: v} for c in combos for v in options[arg]]
        for combo in combos:
            url = rule.rule
            for arg, value in combo.items():
                url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", str(value), url)
            found.append(url)
    return sorted(set(found))


def kiosk_handoff(app, w) -> str:
    client = app.test_client()
    response = client.post(f"/kiosk/{w.mountain.slug}/order?lang=zh",
                           data={"mode": "flight", "from": "beijing-cn", "return": "1", "nights": "2",
                                 "project": str(w.project.id), "lang": "zh"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response.headers["Location"].split("/handoff/")[1].split("?")[0]


def role_for(url: str) -> str | None:
    for prefix, role in ROLE_BY_PREFIX.items():
        if url.startswith(prefix):
            return role
    return None


def client_as(app, w, role):
    client = app.test_client()
    if role:
        login_as(client, w.users[role])
    return client


# Pages whose query string changes what they show: the kiosk's calculator with a walk-up's answers, its search,
# a calculator carried over from a link, the register with a lookup.
EXTRA_GETS = ["/kiosk/{mountain}/calculate?mode=flight&from=beijing-cn&nights=2",
              "/kiosk/{mountain}/calculate?mode=metro&km=12", "/kiosk/{mountain}/calculate?q=BEI",
              "/e/{mountain}/calculate?legs-0-mode=car&legs-0-distance_km=40&meals-fish=2",
              "/registry?serial=CDCER-2021-120001", "/registry?entry=0", "/registry?entry=zz"]
FRAGMENTS = ["/boards", "/e/{mountain}/board", "/kiosk/{mountain}", "/pay/{open}/watch", "/e/{mountain}"]
ERRORS = [("get", "/no-such-page", 404), ("post", "/boards", 405), ("get", "/kiosk/no-such-event", 404),
          ("get", "/e/no-such-event", 404), ("get", "/c/no-such-certificate", 404)]


@pytest.mark.parametrize("lang", ["zh", "fil"])
def test_no_page_speaks_english(app, world, lang):
    problems = []
    pages = 0
    for url in urls(app, world):
        role = role_for(url)
        client = client_as(app, world, role)
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
            continue
        pages += 1
        method = url == "/methodology"
        allowed = methodology_names(world.names[lang]) if method else world.names[lang]
        for leak in leaks(response.get_data(as_text=True), lang, allowed, quoted_labels=method):
            problems.append(f"{url} ({response.status_code}): {leak}")
    assert pages > 40
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh", "fil"])
def test_no_fragment_or_error_page_speaks_english(app, world, lang):
    problems = []
    client = app.test_client()
    for pattern in FRAGMENTS:
        url = pattern.format(mountain=world.mountain.slug, open=world.open.public_id)
        response = client.get(f"{url}?lang={lang}", headers={"HX-Request": "true"})
        problems += [f"{url} (htmx): {leak}"
                     for leak in leaks(response.get_data(as_text=True), lang, world.names[lang])]
    for pattern in EXTRA_GETS:
        url = pattern.format(mountain=world.mountain.slug) + f"&lang={lang}"
        response = client.get(url)
        assert response.status_code in (200, 400), url
        problems += [f"{url}: {leak}" for leak in leaks(response.get_data(as_text=True), lang, world.names[lang])]
    # A sponsor card's code: the calculator with it filled in, and a code that does not exist refused.
    response = client.get(f"/s/{world.code}?lang={lang}", follow_redirects=True)
    assert response.status_code == 200 and sponsors.printed(world.code) in response.get_data(as_text=True)
    problems += [f"/s/<code>: {leak}" for leak in leaks(response.get_data(as_text=True), lang, world.names[lang])]
    for method, url, status in ERRORS:
        response = getattr(client, method)(f"{url}?lang={lang}")
        assert response.status_code == status, url
        problems += [f"{url} ({status}): {leak}"
                     for leak in leaks(response.get_data(as_text=True), lang, world.names[lang])]
    slug = world.mountain.slug
    organizer = client_as(app, world, "organizer")
    every_item = {"leg_count": "3", "legs-0-mode": "flight", "legs-0-from": "CTU", "legs-0-to": "PEK",
                  "legs-1-mode": "car", "legs-1-distance_km": "30", "legs-1-fuel": "unknown",
                  "legs-2-mode": "rail_hsr", "legs-2-from": "Chengdu", "legs-2-to": "Chongqing",
                  "hotel-country": "JP", "hotel-nights": "2", "meals-beef": "2", "basket-fish_farmed": "1",
                  "energy-electricity": "30", "energy-grid": "CN-SOUTH", "project": str(world.project.id)}
    posts = [
        (client, f"/e/{slug}/calculate", {"legs-0-mode": "flight", "legs-0-from": "Nowhere at all",
                                          "legs-0-to": "PEK"}),
        (client, f"/e/{slug}/calculate", every_item),
        (client, f"/kiosk/{slug}/order", {"mode": "flight", "lang": lang}),
        (client, f"/kiosk/{slug}/order", {"mode": "flight", "from": "beijing-cn", "nights": "2", "lang": lang,
                                          "project": "999999"}),
        (client, f"/e/{slug}/calculate", {"legs-0-mode": "car", "legs-0-distance_km": "40",
                                          "sponsor_code": "ZZZZ-ZZZZ-ZZZZ"}),
        (client, "/life", {"electricity": "abc"}),
        (client, "/life", {"electricity": "200", "grid": "CN-EAST", "gas": "50", "car_km": "8000",
                           "car_fuel": "petrol", "flights_short": "4", "flights_long": "1", "food": "basket",
                           "basket-beef": "1", "basket-coffee": "1"}),
        (organizer, f"/organizer/events/{world.mountain.id}/operations/estimate",
         {"electricity": "1200", "grid": "CN-SOUTH", "meals-vegetarian": "300", "basket-coffee": "5"}),
        (organizer, f"/organizer/events/{world.mountain.id}/operations", {"electricity": "-3"}),
    ]
    for poster, url, data in posts:
        for headers in ({}, {"HX-Request": "true"}):
            response = poster.post(f"{url}?lang={lang}", data=data, headers=headers)
            if response.status_code in (302, 303):
                continue
            if response.mimetype == "text/html":
                problems += [f"POST {url} {headers}: {leak}"
                             for leak in leaks(response.get_data(as_text=True), lang, world.names[lang])]
    assert not problems, "\n".join(problems)


def test_the_checker_finds_english():
    assert leaks("<p>Thank you for your order</p>", "zh", []) == [
        "Thank you for your order in 'Thank you for your order'"]
    assert leaks("<p title='Close the dialog'>关闭</p>", "fil", [])
    assert not leaks("<p>已中和 0.4 吨 CO₂e，二维码 QR</p>", "zh", [])
    assert not leaks("<p>Salamat sa iyong order! I-download ang certificate.</p>", "fil", [])
    assert not leaks("<script>var the = 1</script><p>您好 Lin</p>", "zh", ["Lin"])
    assert leaks("<table><td>Grid average</td></table>", "zh", [])
    assert leaks("<label>Fish (farmed)</label>", "fil", [])  # an English label from code, no function word
    assert not leaks("<p>DESNZ 表中的“Korea”行</p>", "zh", [], quoted_labels=True)
    assert leaks("<p>归档“Mount Qingcheng”？</p>", "zh", [])  # a name in quotes elsewhere is a leak
    assert not leaks('<p>中文 <span lang="en">English</span></p>', "zh", [])
    assert leaks('<p lang="zh-Hans">English words</p>', "zh", [])
    assert leaks('<textarea placeholder="Say something">说点什么</textarea>', "zh", [])
    assert not leaks("<textarea>What the organizer typed</textarea>", "zh", [])


def test_the_phone_after_a_kiosk_handoff_speaks_the_kiosks_language(app, world):
    """A walk-up chose Chinese at the kiosk; their phone's browser says English: the phone page is Chinese,
    and so is the checkout it goes on to (the language travels in ?lang= and is remembered there)."""
    token = kiosk_handoff(app, world)
    phone = app.test_client()
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = phone.get(f"/k/{token}", headers=english)
    assert page.status_code == 200 and 'lang="zh-Hans"' in page.get_data(as_text=True)
    claimed = phone.post(f"/k/{token}", data={"display_name": "Lin"}, headers=english)
    assert claimed.status_code in (302, 303) and "lang=zh" in claimed.headers["Location"]
    paying = phone.get(claimed.headers["Location"], headers=english, follow_redirects=True)
    assert 'lang="zh-Hans"' in paying.get_data(as_text=True)
    # A kiosk's error page speaks the kiosk's language too, whatever the browser asks for.
    missing = app.test_client().get(f"/kiosk/{world.mountain.slug}/handoff/nope?lang=fil", headers=english)
    assert missing.status_code == 404 and 'lang="fil"' in missing.get_data(as_text=True)
