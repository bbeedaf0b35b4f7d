"""The public log over HTTP, as an outsider reads it with no API key: the signed checkpoint
verifies against the published key, the entries rebuild its root, and the proofs verify with
the RFC 9162 verifiers; a platform with no policy in force has no log (and gets no key)."""

from __future__ import annotations

import base64
import json

from sqlalchemy import func, select

from byline.domain.merkle import leaf_hash, root, verify_consistency, verify_inclusion
from byline.translog import Checkpoint, Verifier
from byline.translog._tables import log_keys
from conftest import World


def _b64s(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


def test_an_outsider_verifies_the_log_over_http(world: World) -> None:
    client = world.client
    key = client.get("/log/weibo/key")
    assert key.status_code == 200 and key.headers["content-type"].startswith("text/plain")
    verifier = Verifier.parse(key.text)
    note = client.get("/log/weibo/checkpoint")
    assert note.status_code == 200
    checkpoint = Checkpoint.open(note.text, verifier, origin="byline/weibo")
    assert checkpoint.size == 2  # star and org were disclosed
    entries = client.get("/log/weibo/entries", params={"start": 0, "end": 100}).json()
    assert [e["index"] for e in entries] == [0, 1]
    leaves = [leaf_hash(e["entry"].encode()) for e in entries]
    assert root(leaves) == checkpoint.root
    assert {json.loads(e["entry"])["account_id"] for e in entries} == {"star", "org"}
    for i, leaf in enumerate(leaves):
        proof = client.get("/log/weibo/proof/inclusion", params={"index": i, "size": 2}).json()
        assert verify_inclusion(i, 2, leaf, _b64s(proof["proof"]), checkpoint.root)
    proof = client.get("/log/weibo/proof/consistency", params={"first": 1, "second": 2}).json()
    assert verify_consistency(1, 2, _b64s(proof["proof"]), leaves[0], checkpoint.root)
    # the same key every time; the checkpoint moves on with the next disclosure
    assert client.get("/log/weibo/key").text == key.text


def test_questions_the_log_cannot_answer(world: World) -> None:
    def status(path: str, **params: int) -> int:
        return world.client.get(f"/log/weibo/{path}", params=params).status_code

    assert status("proof/inclusion", index=5, size=2) == 422
    assert status("proof/inclusion", index=0, size=9) == 422
    assert status("proof/consistency", first=3, second=2) == 422
    assert status("entries", start=3, end=2) == 422
    assert world.client.get("/log/weibo/entries", params={"start": 5, "end": 9}).json() == []


def test_a_platform_without_a_policy_has_no_log_and_gets_no_key(world: World) -> None:
    for path in ("checkpoint", "key"):
        assert world.client.get(f"/log/nowhere/{path}").status_code == 404
    with world.programme.db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(log_keys)).scalar() == 0
