#!/usr/bin/env python3
"""Verify a CarbonDot public retirement register without trusting its operator.

    python tools/registry_verify.py https://carbondot.example [--certificate=TOKEN]
                                    [--checkpoint saved.json] [--save saved.json]

One file, the Python standard library plus `cryptography` (pip install cryptography).
It downloads the signed checkpoint and the whole log (/registry.jsonl), then:

1. checks the checkpoint's Ed25519 signature (and, with --checkpoint, that the
   key is the one that signed the checkpoint you saved);
2. checks every entry is canonical JSON numbered in order, recomputes the RFC 9162
   Merkle root and compares it with the signed one; when they differ it finds the
   first entry that does not match, with the server's consistency proofs;
3. checks that no serial appears in two live (unrevoked) retirements;
4. with --certificate, checks that certificate's entry is in the log and that the
   server's inclusion proof leads to the signed root;
5. with --checkpoint, checks the saved checkpoint is a prefix of today's log
   (the log was only appended to) with a consistency proof.

The Merkle code below repeats app/services/register/merkle.py on purpose: a verifier that
imported the operator's code would not check the operator. tests/test_registry_verifier.py
runs this file against the server, so the two cannot drift apart unnoticed.

--save writes today's checkpoint after every check passed, for the next run.
Exit status: 0 all good; 1 the register failed a check (the message names the
entry); 2 the server could not be asked.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Failed(Exception):
    """The register failed a check."""


class Unreachable(Exception):
    """The server could not be asked."""


# RFC 9162 section 2.1

def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(digests: list[bytes]) -> bytes:
    """The root over leaf hashes, built bottom-up (equal to RFC 9162's MTH)."""
    if not digests:
        return hashlib.sha256(b"").digest()
    level = list(digests)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # an odd node is promoted, as the RFC's left-full split implies
        level = nxt
    return level[0]


def verify_inclusion(index: int, size: int, digest: bytes, proof: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, digest
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


# The server

class Server:
    def __init__(self, url: str):
        self.base = url.rstrip("/")

    def get(self, path: str, **params) -> bytes:
        query = "?" + urllib.parse.urlencode(params) if params else ""
        try:
            with urllib.request.urlopen(self.base + path + query, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise Unreachable(f"{path}: HTTP {exc.code} {exc.read()[:200]!r}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(f"{self.base}{path}: {exc}") from exc

    def json(self, path: str, **params) -> dict:
        try:
            return json.loads(self.get(path, **params))
        except ValueError as exc:
            raise Unreachable(f"{path}: not JSON") from exc

    def consistency(self, first: int, second: int) -> list[bytes]:
        return [bytes.fromhex(h) for h in self.json("/api/v1/registry/proof/consistency",
                                                     first=first, second=second)["proof"]]


# Checks

class Checkpoint:
    def __init__(self, data: dict, what: str):
        try:
            self.body = data["checkpoint"].encode()
            self.signature = base64.b64decode(data["signature"], validate=True)
            self.public_key = base64.b64decode(data["public_key"], validate=True)
            origin, size, root, rest = self.body.decode().split("\n", 3)
            self.origin, self.size, self.root = origin, int(size), base64.b64decode(root, validate=True)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise Failed(f"{what} is malformed: {exc}") from exc
        if rest or not size.isdigit() or len(self.root) != 32:
            raise Failed(f"{what} is not a C2SP checkpoint body (origin, size, base64 root, each ending in a newline)")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(self.signature, self.body)
        except (InvalidSignature, ValueError) as exc:
            raise Failed(f"{what}: the Ed25519 signature does not verify") from exc
        self.raw = data


def parse_serial(text: str) -> tuple[str, int]:
    prefix, _, number = text.rpartition("-")
    if not prefix or not number.isdigit():
        raise ValueError(text)
    return prefix, int(number)


def check_entries(lines: list[bytes]) -> list[dict]:
    entries = []
    for i, line in enumerate(lines):
        try:
            value = json.loads(line.decode("utf-8"))
        except ValueError as exc:
            raise Failed(f"entry #{i} is not JSON: {line[:120]!r}") from exc
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if canonical != line:
            raise Failed(f"entry #{i} is not canonical JSON (sorted keys, no spaces, UTF-8)")
        if not isinstance(value, dict) or value.get("seq") != i:
            raise Failed(f"entry #{i} carries sequence number {value.get('seq') if isinstance(value, dict) else None}")
        if value.get("type") not in ("retire", "revoke"):
            raise Failed(f"entry #{i} has unknown type {value.get('type')!r}")
        try:
            if value["kg"] != sum(s["kg"] for s in value["serials"]):
                raise Failed(f"entry #{i}: kg {value['kg']} is not the sum of its serial ranges")
        except (KeyError, TypeError) as exc:
            raise Failed(f"entry #{i} lacks serial ranges or kg") from exc
        entries.append(value)
    return entries


def check_serials(entries: list[dict]) -> tuple[int, int, int]:
    """No serial in two live retirements; every revoke names an earlier retire of its certificate."""
    revoked = set()
    for e in entries:
        if e["type"] == "revoke":
            target = e.get("revokes")
            if not isinstance(target, int) or not 0 <= target < e["seq"] or entries[target]["type"] != "retire" \
                    or entries[target]["certificate"] != e["certificate"]:
                raise Failed(f"entry #{e['seq']} revokes {target!r}, which is not an earlier retirement of "
                             f"{e['certificate']}")
            revoked.add(target)
    by_batch: dict[str, list[tuple[int, int, int]]] = {}
    live_kg = 0
    for e in entries:
        if e["type"] != "retire" or e["seq"] in revoked:
            continue
        live_kg += e["kg"]
        for s in e["serials"]:
            try:
                p1, first = parse_serial(s["first"])
                p2, last = parse_serial(s["last"])
            except (KeyError, ValueError) as exc:
                raise Failed(f"entry #{e['seq']} has an unreadable serial range {s!r}") from exc
            if p1 != p2 or p1 != s["batch"] or last < first or last - first + 1 != s["kg"]:
                raise Failed(f"entry #{e['seq']} has an inconsistent serial range {s!r}")
            by_batch.setdefault(p1, []).append((first, last, e["seq"]))
    for prefix, ranges in by_batch.items():
        ranges.sort()
        for (_f1, l1, seq1), (f2, _l2, seq2) in zip(ranges, ranges[1:], strict=False):
            if f2 <= l1:
                raise Failed(f"entries #{seq1} and #{seq2} both retire serial {prefix}-{f2:010d}")
    live = sum(1 for e in entries if e["type"] == "retire") - len(revoked)
    return live, len(revoked), live_kg


def first_bad_entry(server: Server, digests: list[bytes], cp: Checkpoint) -> int:
    """The first entry whose leaf is not the one the signed tree holds (binary search on prefixes)."""

    def prefix_ok(m: int) -> bool:
        if m == cp.size:
            return mth(digests) == cp.root
        return verify_consistency(m, cp.size, mth(digests[:m]), cp.root, server.consistency(m, cp.size))

    lo, hi = 1, cp.size  # prefix_ok(hi) is False; find the smallest m with prefix_ok(m) False
    while lo < hi:
        mid = (lo + hi) // 2
        if prefix_ok(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def verify(server: Server, certificate: str | None, saved_path: str | None, save_path: str | None, out) -> None:
    cp = Checkpoint(server.json("/api/v1/registry/checkpoint"), "the server's checkpoint")
    out(f"checkpoint: {cp.origin}, {cp.size} entries, root {cp.root.hex()}, signature OK "
        f"(key {base64.b64encode(cp.public_key).decode()})")
    saved = None
    if saved_path:
        with open(saved_path, encoding="utf-8") as f:
            saved = Checkpoint(json.load(f), f"the checkpoint saved in {saved_path}")
        if saved.public_key != cp.public_key:
            raise Failed(f"the server signs with a different key than the checkpoint saved in {saved_path}")
        if saved.origin != cp.origin:
            raise Failed(f"the saved checkpoint is for {saved.origin}, the server's for {cp.origin}")

    raw = server.get("/registry.jsonl")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < cp.size:
        raise Failed(f"the log has {len(lines)} entries but the checkpoint signs {cp.size}: "
                     f"entry #{len(lines)} is missing")
    lines = lines[:cp.size]  # entries appended after the checkpoint are checked next time
    entries = check_entries(lines)
    digests = [leaf_hash(line) for line in lines]
    if mth(digests) != cp.root:
        bad = first_bad_entry(server, digests, cp)
        raise Failed(f"entry #{bad} does not match the signed tree (rewritten?): {lines[bad][:300].decode()}")
    out(f"log: {len(lines)} entries downloaded, root recomputed: matches the signed checkpoint")

    live, revoked, kg = check_serials(entries)
    out(f"serials: {live} live retirements ({kg} kg), {revoked} revoked; no serial retired twice")

    if certificate:
        cert = server.json(f"/api/v1/certificates/{urllib.parse.quote(certificate, safe='')}")
        reg = cert.get("registry")
        if not reg:
            raise Failed(f"certificate {cert.get('number')} names no register entry")
        index, leaf = reg["index"], reg["leaf"].encode("utf-8")
        if index >= cp.size:
            raise Failed(f"certificate {cert.get('number')}: entry #{index} is newer than the checkpoint; retry")
        if lines[index] != leaf:
            raise Failed(f"certificate {cert.get('number')}: entry #{index} in the log differs from its leaf")
        value = entries[index]
        if value["certificate"] != cert.get("number") or value["type"] != "retire":
            raise Failed(f"entry #{index} is not the retirement of certificate {cert.get('number')}")
        api_serials = [(s["first"], s["last"]) for s in cert.get("serials", [])]
        if api_serials != [(s["first"], s["last"]) for s in value["serials"]]:
            raise Failed(f"entry #{index}: the certificate shows other serials than the register")
        proof = [bytes.fromhex(h) for h in server.json("/api/v1/registry/proof/inclusion",
                                                       index=index, size=cp.size)["proof"]]
        if not verify_inclusion(index, cp.size, leaf_hash(leaf), proof, cp.root):
            raise Failed(f"entry #{index}: the inclusion proof does not lead to the signed root")
        state = "REVOKED" if index in {e.get("revokes") for e in entries if e["type"] == "revoke"} else "live"
        out(f"certificate {cert['number']}: entry #{index}, {value['kg']} kg, {state}; inclusion proof OK")

    if saved:
        if saved.size > cp.size:
            raise Failed(f"the log shrank: the saved checkpoint signs {saved.size} entries, today's {cp.size}")
        if saved.size:
            if mth(digests[:saved.size]) != saved.root:
                raise Failed(f"the first {saved.size} entries no longer hash to the checkpoint saved earlier: "
                             f"an entry in #0-#{saved.size - 1} was rewritten")
            if not verify_consistency(saved.size, cp.size, saved.root, cp.root,
                                      server.consistency(saved.size, cp.size)):
                raise Failed(f"no valid consistency proof from the saved checkpoint ({saved.size} entries) "
                             f"to today's ({cp.size})")
        out(f"consistency: the saved checkpoint ({saved.size} entries) is a prefix of today's log ({cp.size})")

    if save_path:
        with open(save_path, "w", encoding="utf-8") as f:
            json.dump(cp.raw, f, indent=1)
        out(f"saved today's checkpoint to {save_path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a CarbonDot public retirement register.")
    parser.add_argument("url", help="the server, e.g. https://carbondot.example")
    parser.add_argument("--certificate", metavar="TOKEN", help="also prove this certificate's entry is in the log")
    parser.add_argument("--checkpoint", metavar="FILE", help="a checkpoint saved earlier with --save")
    parser.add_argument("--save", metavar="FILE", help="save today's checkpoint here when every check passed")
    args = parser.parse_args(argv)
    try:
        verify(Server(args.url), args.certificate, args.checkpoint, args.save, print)
    except Failed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (Unreachable, OSError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print("OK: the register verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
