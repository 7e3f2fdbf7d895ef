"""RFC 9162 Merkle trees over stored perfect-subtree hashes (no Flask, no database).

The tree is Certificate Transparency's (RFC 9162 section 2.1): SHA-256,
leaf hash H(0x00 || leaf), node hash H(0x01 || left || right). A log stores
the hash of every *perfect* subtree once it is complete: node (level, index)
covers leaves [index * 2**level, (index + 1) * 2**level). Any range that RFC
9162's recursion asks for is a fold of at most log2(n) such nodes, so roots
and proofs for a log of n leaves read O(log² n) stored hashes, never the log.

Functions take `fetch(keys) -> {key: hash}`, so the same code runs over a
dict in tests and over the database in app/services/register/registry.py.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

Key = tuple[int, int]  # (level, index)
Fetch = Callable[[Iterable[Key]], dict[Key, bytes]]


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (RFC 9162's split point); n must be > 1."""
    return 1 << ((n - 1).bit_length() - 1)


def new_nodes(index: int, leaf_digest: bytes, fetch: Fetch) -> dict[Key, bytes]:
    """The nodes completed by appending leaf `index`: the leaf itself and every
    perfect subtree it closes (one per trailing 1 bit of index)."""
    made = {(0, index): leaf_digest}
    level, i, digest = 0, index, leaf_digest
    trailing_ones = (index ^ (index + 1)).bit_length() - 1
    lefts = fetch([(lv, (index >> lv) - 1) for lv in range(trailing_ones)]) if trailing_ones else {}
    while i & 1:
        digest = node_hash(lefts[(level, i - 1)], digest)
        level, i = level + 1, i >> 1
        made[(level, i)] = digest
    return made


def append_reads(index: int) -> list[Key]:
    """The stored nodes that appending leaf `index` and computing the new root need:
    the left siblings it merges with, and the other perfect subtrees of [0, index + 1)."""
    trailing_ones = (index ^ (index + 1)).bit_length() - 1
    return [(lv, (index >> lv) - 1) for lv in range(trailing_ones)] + _cover(0, index + 1)[:-1]


def _cover(start: int, end: int) -> list[Key]:
    """The stored perfect subtrees that make up [start, end), left to right."""
    keys = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def range_hashes(ranges: list[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    """MTH(D[start:end]) for each range, reading the covering nodes in one fetch."""
    covers = [_cover(s, e) for s, e in ranges]
    stored = fetch({k for keys in covers for k in keys})
    out = []
    for keys in covers:
        digest = stored[keys[-1]]
        for key in reversed(keys[:-1]):
            digest = node_hash(stored[key], digest)
        out.append(digest)
    return out


def root(size: int, fetch: Fetch) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return range_hashes([(0, size)], fetch)[0]


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 2.1.3.1 PATH(m, D[start:end]) as the ranges whose hashes it lists."""
    if end - start <= 1:
        return []
    k = largest_power_of_two_below(end - start)
    if index < start + k:
        return _inclusion_ranges(index, start, start + k) + [(start + k, end)]
    return _inclusion_ranges(index, start + k, end) + [(start, start + k)]


def _consistency_ranges(m: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], b) as ranges."""
    n = end - start
    if m == n:
        return [] if whole else [(start, end)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return _consistency_ranges(m, start, start + k, whole) + [(start + k, end)]
    return _consistency_ranges(m - k, start + k, end, False) + [(start, start + k)]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    if not 0 <= index < size:
        raise ValueError("index must be below size")
    return range_hashes(_inclusion_ranges(index, 0, size), fetch) if size > 1 else []


def consistency_proof(first: int, second: int, fetch: Fetch) -> list[bytes]:
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")
    if first == second:
        return []
    return range_hashes(_consistency_ranges(first, 0, second, True), fetch)


# Verification (RFC 9162 2.1.3.2 and 2.1.4.2); tools/registry_verify.py carries
# its own copy so that it depends on nothing in this repository.

def verify_inclusion(index: int, size: int, leaf_digest: bytes, proof: list[bytes], root_hash: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_digest
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
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: first_root is the first node
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
