"""app/services/register/merkle.py against RFC 9162 section 2.1's recursive definitions, written out literally here."""
import hashlib

import pytest

from app.services.register import merkle


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


SIZES = 40


@pytest.fixture(scope="module")
def log():
    """Leaves appended one by one through merkle.new_nodes, as the registry does."""
    leaves = [f"leaf {i}".encode() for i in range(SIZES)]
    store: dict = {}

    def fetch(keys):
        return {k: store[k] for k in keys}

    for i, leaf in enumerate(leaves):
        store.update(merkle.new_nodes(i, merkle.leaf_hash(leaf), fetch))
    return leaves, fetch


def test_roots_match_the_rfc_for_every_size(log):
    leaves, fetch = log
    assert merkle.root(0, fetch) == mth([])
    for n in range(1, SIZES + 1):
        assert merkle.root(n, fetch) == mth(leaves[:n]), n


def test_inclusion_proofs_match_the_rfc_and_verify_for_every_index(log):
    leaves, fetch = log
    for n in range(1, SIZES + 1):
        root = mth(leaves[:n])
        for m in range(n):
            proof = merkle.inclusion_proof(m, n, fetch)
            assert proof == path(m, leaves[:n]), (m, n)
            digest = merkle.leaf_hash(leaves[m])
            assert merkle.verify_inclusion(m, n, digest, proof, root)
            assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"forged"), proof, root)
            if proof:
                assert not merkle.verify_inclusion(m, n, digest, proof[:-1], root)


def test_consistency_proofs_match_the_rfc_and_verify_for_every_pair(log):
    leaves, fetch = log
    for n in range(1, SIZES + 1):
        second = mth(leaves[:n])
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, n, fetch)
            assert proof == (subproof(m, leaves[:n], True) if m < n else []), (m, n)
            first = mth(leaves[:m])
            assert merkle.verify_consistency(m, n, first, second, proof), (m, n)
            if m < n:
                assert not merkle.verify_consistency(m, n, mth([b"x"] + leaves[1:m]), second, proof)
                assert not merkle.verify_consistency(m, n, first, mth(leaves[:n - 1] + [b"x"]), proof)


def test_bad_ranges_are_refused(log):
    _leaves, fetch = log
    with pytest.raises(ValueError):
        merkle.inclusion_proof(5, 5, fetch)
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, 5, fetch)
    with pytest.raises(ValueError):
        merkle.consistency_proof(6, 5, fetch)


def test_an_append_reads_only_what_it_needs():
    store: dict = {}
    for i in range(SIZES):
        needed = merkle.append_reads(i)
        assert len(needed) <= 2 * max(i, 1).bit_length()
        known = {k: store[k] for k in needed}  # KeyError if it asked for a node not stored yet
        made = merkle.new_nodes(i, merkle.leaf_hash(b"%d" % i), lambda keys, known=known: {k: known[k] for k in keys})
        known.update(made)
        store.update(made)
        assert merkle.root(i + 1, lambda keys, known=known: {k: known[k] for k in keys}) == \
            merkle.root(i + 1, lambda keys: {k: store[k] for k in keys})
