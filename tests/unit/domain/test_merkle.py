"""The Merkle tree of the public log, held to the RFC 6962/9162 proof vectors published with
transparency-dev/merkle (in ``../shared/vectors/merkle`` beside the checkout): each happy path
verifies, every corrupted case is refused. Then proofs made by this module verify, on trees of
every shape, and a change to any leaf, size or proof hash is caught."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byline.domain.merkle import (
    EMPTY_ROOT,
    Tree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[4] / "shared" / "vectors" / "merkle"


def _vectors(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    if not files:
        pytest.fail(
            f"no {kind} vectors under {VECTORS}: the shared folder must sit beside the checkout"
        )
    return [pytest.param(f, id=str(f.relative_to(VECTORS / kind))) for f in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in case.get("proof") or []]


@pytest.mark.parametrize("path", _vectors("inclusion"))
def test_inclusion_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    ok = verify_inclusion(
        case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), _proof(case), _b64(case["root"])
    )
    assert ok is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("path", _vectors("consistency"))
def test_consistency_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    ok = verify_consistency(
        case["size1"], case["size2"], _proof(case), _b64(case["root1"]), _b64(case["root2"])
    )
    assert ok is not case["wantErr"], case["desc"]


def test_every_vector_folder_is_read() -> None:
    happy = list(VECTORS.rglob("happy-path.json"))
    assert len(happy) >= 8 and len(list(VECTORS.rglob("*.json"))) >= 150


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962's definition, word for word: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


_trees = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda entries: [leaf_hash(e) for e in entries]
)


@settings(max_examples=150, deadline=None)
@given(leaves=_trees, data=st.data())
def test_proofs_made_here_verify_and_any_change_is_caught(leaves: list[bytes], data: Any) -> None:
    n = len(leaves)
    top = root(leaves)
    assert top == _mth(leaves)
    i = data.draw(st.integers(0, n - 1))
    path = inclusion_proof(i, leaves)
    assert verify_inclusion(i, n, leaves[i], path, top)
    assert not verify_inclusion(i, n, leaf_hash(b"another entry"), path, top)
    if n > 1:
        assert not verify_inclusion((i + 1) % n, n, leaves[i], path, top)
    if path:
        j = data.draw(st.integers(0, len(path) - 1))
        bent = [*path[:j], node_hash(path[j], path[j]), *path[j + 1 :]]
        assert not verify_inclusion(i, n, leaves[i], bent, top)
        assert not verify_inclusion(i, n, leaves[i], path[:-1], top)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, n, proof, root(leaves[:m]), top)
    if m < n:
        rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
        assert not verify_consistency(m, n, proof, root(rewritten[:m]), top)
        assert not verify_consistency(m, n, proof, root(leaves[:m]), root(rewritten))
        assert not verify_consistency(m, n, proof[:-1], root(leaves[:m]), top)


def test_the_empty_tree() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    with pytest.raises(ValueError):
        inclusion_proof(0, [])
    with pytest.raises(ValueError):
        consistency_proof(0, [leaf_hash(b"a")])


@settings(max_examples=150, deadline=None)
@given(
    leaves=st.lists(st.binary(max_size=8), max_size=140).map(
        lambda entries: [leaf_hash(e) for e in entries]
    ),
    data=st.data(),
)
def test_the_stored_tree_answers_as_the_recomputed_one(leaves: list[bytes], data: Any) -> None:
    """The tree a log keeps (complete subtrees' hashes, grown leaf by leaf) gives, for any size
    it has reached, the root and the proofs recomputed from the leaves."""
    tree = Tree()
    tree.extend(leaves)
    assert len(tree) == len(leaves)
    size = data.draw(st.integers(0, len(leaves)))
    assert tree.root(size) == root(leaves[:size])
    if size:
        i = data.draw(st.integers(0, size - 1))
        assert tree.inclusion(i, size) == inclusion_proof(i, leaves[:size])
        m = data.draw(st.integers(1, size))
        assert tree.consistency(m, size) == consistency_proof(m, leaves[:size])
    with pytest.raises(ValueError):
        tree.root(len(leaves) + 1)
    with pytest.raises(ValueError):
        tree.inclusion(size, size)
    with pytest.raises(ValueError):
        tree.append(b"short")
