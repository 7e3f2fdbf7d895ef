"""The public retirement register: an append-only RFC 9162 Merkle log.

Every paid order appends one `retire` leaf and every revocation one `revoke`
leaf. A leaf is canonical JSON (sorted keys, no spaces, UTF-8) holding no
personal data: nothing can ever be erased from an append-only log.

- Appends take the register's single head row lock (PostgreSQL `SELECT ...
  FOR UPDATE`; SQLite transactions begin IMMEDIATE), so sequence numbers are
  unique (primary key) and gap-free, in the caller's transaction: a payment
  and its entry commit or roll back together.
- Each append stores the perfect subtrees it completes (app/services/register/merkle.py)
  and the new root in the head row, so a checkpoint is one row read and a
  proof reads O(log² n) stored hashes, never the log.
- Triggers refuse UPDATE and DELETE on entries and nodes (app/models/__init__.py).

Takes the SQLAlchemy session; never commits.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from ...models import (
    REGISTRY_EMPTY_ROOT,
    Certificate,
    CreditBatch,
    Event,
    Order,
    RegistryEntry,
    RegistryHead,
    RegistryNode,
    Retirement,
)
from .. import integers, zones
from ..sales.ledger import format_serial
from . import merkle, signing

PAGE_MAX = 1000


class RegistryError(ValueError):
    """A request the register cannot answer (bad range or index); `field` names the input."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def timestamp(when: dt.datetime) -> str:
    return when.replace(microsecond=0).isoformat() + "Z"


def leaf(seq: int, kind: str, number: str, project: dict, serials: list[dict], when: dt.datetime,
         revokes: int | None = None) -> bytes:
    """The canonical leaf. Same shape for both kinds; a revoke names the retire entry it revokes."""
    value = {
        "seq": seq,
        "type": kind,
        "certificate": number,
        "project": project,
        "serials": serials,
        "kg": sum(s["kg"] for s in serials),
        "time": timestamp(when),
    }
    if kind == "revoke":
        value["revokes"] = revokes
    return canonical(value)


def _fetch(session: Session):
    def fetch(keys: Iterable[merkle.Key]) -> dict[merkle.Key, bytes]:
        keys = set(keys)
        by_level: dict[int, list[int]] = {}
        for lv, i in keys:
            by_level.setdefault(lv, []).append(i)
        found: dict[merkle.Key, bytes] = {}
        if by_level:
            # One primary-key range per level (SQLite will not use the index for a row-value IN).
            rows = session.execute(select(RegistryNode.level, RegistryNode.idx, RegistryNode.hash).where(
                or_(*(and_(RegistryNode.level == lv, RegistryNode.idx.in_(idx)) for lv, idx in by_level.items()))))
            found.update({(lv, i): bytes(h) for lv, i, h in rows})
        missing = set(keys) - found.keys()
        if missing:
            raise LookupError(f"register nodes missing: {sorted(missing)[:5]}")
        return found
    return fetch


def _lock_head(session: Session) -> RegistryHead:
    head = session.execute(select(RegistryHead).where(RegistryHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:  # created with the table; this only repairs a hand-made schema
        head = RegistryHead(id=1, size=0, root_hash=REGISTRY_EMPTY_ROOT)
        session.add(head)
        session.flush()
    return head


def append(session: Session, kind: str, certificate_id: int, build, now: dt.datetime) -> RegistryEntry:
    """Append the leaf `build(seq)` under the head lock; returns the new entry."""
    head = _lock_head(session)
    seq = head.size
    data = build(seq)
    known = _fetch(session)(merkle.append_reads(seq))  # one query: at most 2 log2(n) hashes
    nodes = merkle.new_nodes(seq, merkle.leaf_hash(data), lambda keys: {k: known[k] for k in keys})
    known.update(nodes)
    entry = RegistryEntry(seq=seq, kind=kind, certificate_id=certificate_id, leaf=data.decode("utf-8"), created_at=now)
    session.add(entry)
    session.execute(insert(RegistryNode), [{"level": lv, "idx": i, "hash": h} for (lv, i), h in nodes.items()])
    head.size = seq + 1
    head.root_hash = merkle.root(seq + 1, lambda keys: {k: known[k] for k in keys}).hex()
    session.flush()
    return entry


def _certificate_facts(certificate: Certificate) -> tuple[dict, list[dict]]:
    order: Order = certificate.order
    project = {"id": order.project_id, "name": order.project.name, "standard": order.project.standard}
    serials = [
        {
            "batch": r.batch.serial_prefix,
            "first": format_serial(r.batch.serial_prefix, r.first_serial),
            "last": format_serial(r.batch.serial_prefix, r.last_serial),
            "kg": r.kg,
        }
        for r in order.retirements
    ]
    return project, serials


def record_retirement(session: Session, certificate: Certificate, now: dt.datetime) -> RegistryEntry:
    """Append the `retire` leaf for a newly issued certificate (call once, in the same transaction)."""
    project, serials = _certificate_facts(certificate)
    return append(session, "retire", certificate.id,
                  lambda seq: leaf(seq, "retire", certificate.number, project, serials, now), now)


def record_revocation(session: Session, certificate: Certificate, now: dt.datetime) -> RegistryEntry:
    """Append the `revoke` leaf for a certificate just revoked."""
    project, serials = _certificate_facts(certificate)
    retired = entry_for(session, certificate.id, "retire")
    revokes = retired.seq if retired else None
    return append(session, "revoke", certificate.id,
                  lambda seq: leaf(seq, "revoke", certificate.number, project, serials, now, revokes), now)


def entry_for(session: Session, certificate_id: int, kind: str) -> RegistryEntry | None:
    return session.execute(
        select(RegistryEntry).where(RegistryEntry.certificate_id == certificate_id, RegistryEntry.kind == kind)
        .order_by(RegistryEntry.seq.desc()).limit(1)
    ).scalar_one_or_none()


def size(session: Session) -> int:
    head = session.get(RegistryHead, 1)
    return head.size if head else 0


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: bytes
    body: bytes  # C2SP tlog-checkpoint: origin, size, base64 root, each ending in "\n"
    signature: bytes
    public_key: bytes

    def to_json(self) -> dict:
        return {
            "checkpoint": self.body.decode(),
            "signature": base64.b64encode(self.signature).decode(),
            "public_key": base64.b64encode(self.public_key).decode(),
        }


def checkpoint(session: Session, origin: str, raw_seed: bytes) -> Checkpoint:
    """The signed latest checkpoint: one row read; signatures are cached per body."""
    head = session.get(RegistryHead, 1)
    tree_size, root = (head.size, bytes.fromhex(head.root_hash)) if head else (0, merkle.EMPTY_ROOT)
    body = f"{origin}\n{tree_size}\n{base64.b64encode(root).decode()}\n".encode()
    return Checkpoint(tree_size, root, body, signing.sign(raw_seed, body), signing.public_key(raw_seed))


def _int(value, field: str, default: int | None = None) -> int:
    if value in (None, "") and default is not None:
        return default
    try:
        return integers.parse_int(value, high=integers.INT64_MAX, field=field)
    except integers.IntegerError:
        raise RegistryError(f"{field} must be a whole number from 0.", field) from None


def inclusion(session: Session, index, tree_size) -> dict:
    i, n = _int(index, "index"), _int(tree_size, "size", size(session))
    if n > size(session):
        raise RegistryError("size is larger than the register.", "size")
    if i >= n:
        raise RegistryError("index must be below size.", "index")
    proof = merkle.inclusion_proof(i, n, _fetch(session))
    return {"index": i, "size": n, "proof": [p.hex() for p in proof]}


def consistency(session: Session, first, second) -> dict:
    m, n = _int(first, "first"), _int(second, "second", size(session))
    if n > size(session):
        raise RegistryError("second is larger than the register.", "second")
    if not 0 < m <= n:
        raise RegistryError("first must be above 0 and at most second.", "first")
    proof = merkle.consistency_proof(m, n, _fetch(session))
    return {"first": m, "second": n, "proof": [p.hex() for p in proof]}


def entries(session: Session, start, end) -> tuple[int, int, list[RegistryEntry]]:
    """Entries [start, end): at most PAGE_MAX; end defaults to start + 100 capped at the size."""
    total = size(session)
    s = _int(start, "start", 0)
    e = _int(end, "end", max(s, min(s + 100, total)))
    if e < s:
        raise RegistryError("end must not be below start.", "end")
    if e - s > PAGE_MAX:
        raise RegistryError(f"Ask for at most {PAGE_MAX} entries at a time.", "end")
    e = min(e, total)
    rows = session.execute(
        select(RegistryEntry).where(RegistryEntry.seq >= s, RegistryEntry.seq < e).order_by(RegistryEntry.seq)
    ).scalars().all() if s < e else []
    return s, max(e, s), list(rows)


def newest(session: Session, limit: int = 20) -> list[RegistryEntry]:
    return list(session.execute(select(RegistryEntry).order_by(RegistryEntry.seq.desc()).limit(limit)).scalars())


def venue_zones(session: Session, certificate_ids: Iterable[int]) -> dict[int, str]:
    """The zone of each certificate's event (its own, else its country's usual one), to show an
    entry's time as the venue read it; the leaf itself keeps UTC."""
    ids = set(certificate_ids)
    if not ids:
        return {}
    rows = session.execute(select(Certificate.id, Event.timezone, Event.country)
                           .join(Order, Order.id == Certificate.order_id).join(Event, Event.id == Order.event_id)
                           .where(Certificate.id.in_(ids))).all()
    return {cid: timezone or zones.default_for(country) for cid, timezone, country in rows}


def stream(session: Session, batch: int = 1000) -> Iterator[str]:
    """The whole log in order, one leaf per line, read in keyset pages."""
    after = -1
    while True:
        rows = session.execute(select(RegistryEntry.seq, RegistryEntry.leaf).where(RegistryEntry.seq > after)
                               .order_by(RegistryEntry.seq).limit(batch)).all()
        for seq, text in rows:
            yield text + "\n"
            after = seq
        if len(rows) < batch:
            return


SERIAL = re.compile(r"\s*(.+)-([0-9]{1,18})\s*")  # ASCII digits: "\d" would take every script's


@dataclass(frozen=True)
class SerialRecord:
    serial: str
    certificate: Certificate
    retired_at: dt.datetime
    entry: RegistryEntry | None


def find_serial(session: Session, text: str) -> SerialRecord | None:
    """The paid retirement that holds a printed serial (e.g. CDCER-2021-0000120501, in any case), if any."""
    match = SERIAL.fullmatch(text or "")
    if not match:
        return None
    prefix, number = match.group(1).strip(), integers.parse_int(match.group(2), high=integers.INT64_MAX)
    row = session.execute(
        select(Retirement, Certificate, CreditBatch.serial_prefix)
        .join(CreditBatch, CreditBatch.id == Retirement.batch_id)
        .join(Certificate, Certificate.order_id == Retirement.order_id)
        .where(func.upper(CreditBatch.serial_prefix) == prefix.upper(), Retirement.first_serial <= number)
        .order_by(Retirement.first_serial.desc()).limit(1)
    ).first()
    if row is None or row[0].last_serial < number:
        return None
    retirement, cert, stored_prefix = row
    entry = entry_for(session, cert.id, "retire")
    return SerialRecord(format_serial(stored_prefix, number), cert, retirement.created_at, entry)


@dataclass(frozen=True)
class CertificateRecord:
    certificate: Certificate
    serials: list[tuple[str, str, int]]  # each range retired for it: first, last, kg
    retired_at: dt.datetime | None
    entry: RegistryEntry | None


CERTIFICATE_LINK = re.compile(r".*/c/([A-Za-z0-9_-]+)(?:\.png)?/?")  # a certificate's page address


def find_certificate(session: Session, text: str) -> CertificateRecord | None:
    """The certificate a number (CD-2026-000042, in any case), a token or a certificate link names,
    with the serial ranges retired for it, if any."""
    text = (text or "").strip()
    if not text:
        return None
    link = CERTIFICATE_LINK.fullmatch(text)
    cert = session.execute(select(Certificate).where(or_(
        func.upper(Certificate.number) == text.upper(), Certificate.token == (link.group(1) if link else text)))
    ).scalars().first()
    if cert is None:
        return None
    rows = session.execute(
        select(Retirement, CreditBatch.serial_prefix).join(CreditBatch, CreditBatch.id == Retirement.batch_id)
        .where(Retirement.order_id == cert.order_id).order_by(Retirement.id)
    ).all()
    serials = [(format_serial(prefix, r.first_serial), format_serial(prefix, r.last_serial), r.kg)
               for r, prefix in rows]
    retired_at = rows[0][0].created_at if rows else None
    return CertificateRecord(cert, serials, retired_at, entry_for(session, cert.id, "retire"))
