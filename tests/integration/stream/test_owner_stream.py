"""The stream consumer under ``[linked_accounts] judge = "owner"``: it does not start on follow
events (they cannot keep an owner's distinct audience) unless told the stream carries count
events only; then a count event carrying ``owner_followers`` decides a linked account exactly as
``evaluate`` and ``decide()`` do, an owner's value for an account the snapshot links to no owner
is rejected, and so is every follow event."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from byline.domain.decision import Account, decide
from byline.domain.vocabulary import AccountKind, Category
from byline.policy._loader import parse_policy
from byline.service import OwnerJudgedStream, open_services
from byline.stream import Consumer, StreamSettings
from support.stream import AS_OF, FLOOR, TOP, World, small_policy

from factories import write_snapshot

pytestmark = pytest.mark.slow

LINKED = '[linked_accounts]\nid = "weibo.linked"\njudge = "owner"\n\n'
# account_id, followers, owner_ref, owner_followers: a split owner (h1), one on its own
ACCOUNTS: list[tuple[str, int, str | None, int | None]] = [
    ("m1", 30, "h1", 45),
    ("m2", 20, "h1", 45),
    ("solo", 40, None, None),
]


@pytest.fixture
def owner_world(tmp_path: Path, redis_url: str) -> Iterator[World]:
    text = (
        small_policy(tmp_path)
        .read_text()
        .replace("[text.zh-CN.policy]", LINKED + "[text.zh-CN.policy]", 1)
    )
    policy = tmp_path / "weibo-owner.toml"
    policy.write_text(text)
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": f,
         "owner_ref": o, "owner_followers": of}
        for a, f, o, of in ACCOUNTS
    ]  # fmt: skip
    snapshot = write_snapshot(tmp_path / "accounts.parquet", rows)
    db_url = f"sqlite:///{tmp_path / 'byline.db'}"
    floor = open_services(db_url)
    floor.cycles.run(snapshot, policy, AS_OF)
    stream = f"byline:test:owners:{uuid.uuid4().hex}"
    ids = [a for a, *_ in ACCOUNTS]
    followers = np.array([f for _, f, *_ in ACCOUNTS], np.int64)
    kinds, categories = ["individual"] * len(ids), ["finance"] * len(ids)
    world = World(
        floor, db_url, redis_url, stream, snapshot, ids, followers, kinds, categories, tmp_path
    )
    yield world
    floor.close()
    redis.Redis.from_url(redis_url).delete(stream, f"{stream}:rejected")


def settings(world: World, counts_only: bool) -> StreamSettings:
    return StreamSettings(
        redis_url=world.redis_url,
        stream=world.stream,
        platform="weibo",
        checkpoint=world.checkpoint,
        counts_only=counts_only,
        batch=1,
        checkpoint_seconds=0.0,
        exit_when_idle=0.2,
    )


def count(n: int, account: str, **metrics: int) -> dict[str, Any]:
    return {"event_id": f"c{n}", "account_id": account, "metrics": metrics, "seq": n, "at": 1}


def test_it_refuses_to_start_on_follow_events_and_says_why(owner_world: World) -> None:
    with pytest.raises(OwnerJudgedStream, match=r"judge = 'owner'.*--counts-only"):
        Consumer(owner_world.floor, settings(owner_world, counts_only=False)).start()
    done = subprocess.run(owner_world.command(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "distinct followers" in done.stderr and "(code: owner_judged_stream)" in done.stderr
    assert not owner_world.checkpoint.exists()


def test_count_events_carrying_the_owner_s_audience_decide_as_decide_does(
    owner_world: World,
) -> None:
    events = [
        count(1, "m1", followers=31, owner_followers=TOP + 5),  # h1 grows to the top tier
        count(2, "solo", owner_followers=TOP),  # the snapshot links solo to no owner
        {"event_id": "f", "op": "follow", "follower_id": "x", "followee_id": "solo", "at": 1},
        count(3, "solo", followers=FLOOR + 1),  # on its own: across the floor and a tier
    ]
    client = redis.Redis.from_url(owner_world.redis_url)
    for e in events:
        client.xadd(owner_world.stream, {"event": json.dumps(e)})
    totals = Consumer(owner_world.floor, settings(owner_world, counts_only=True)).serve()
    assert (totals["read"], totals["applied"], totals["rejected"]) == (4, 2, 2)
    reasons = [f[b"reason"].decode() for _, f in client.xrange(f"{owner_world.stream}:rejected")]
    assert reasons == ["not_linked", "follow_not_counted"]

    cases = {c.account_id: c for c in owner_world.floor.cases.list_cases("weibo", limit=100)}
    policy = parse_policy((owner_world.tmp / "weibo-owner.toml").read_text(), "weibo-owner.toml")
    on = dt.datetime.now(dt.UTC).date()  # the entries' ids are stamped now
    for account_id, metrics, owner in [
        ("m1", {"followers": 31, "owner_followers": TOP + 5}, "h1"),
        ("solo", {"followers": FLOOR + 1}, None),
    ]:
        account = Account(account_id, AccountKind.INDIVIDUAL, Category.FINANCE, metrics, owner)
        expected = decide(account, policy, on)
        assert expected.required
        assert cases[account_id].tier == expected.tier
        assert dict(cases[account_id].metrics) == metrics  # the owner's value only when linked
    # Each account's count carries its owner's value, as each snapshot row does: m2's was not
    # streamed, so m2 stays as the cycle left it.
    assert "m2" not in cases
