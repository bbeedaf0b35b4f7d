"""Reading a batch of entries: runs of same-shaped events in order, refusals by position."""

from __future__ import annotations

import json

from byline.stream import decode

METRICS = frozenset({"followers", "effective_followers"})


def payload(**event: object) -> bytes:
    return json.dumps(event).encode()


def test_runs_keep_stream_order_and_ids_may_be_integers() -> None:
    follow = {"event_id": "e", "follower_id": 7, "at": "2026-01-01T00:00:00Z"}
    count = {"event_id": "c", "at": 1, "seq": 3}
    decoded = decode(
        [
            payload(op="follow", followee_id="a", **follow),
            payload(op="unfollow", followee_id=42, **follow),
            payload(account_id=42, metrics={"followers": 5}, **count),
            payload(op="follow", followee_id="b", **follow),
        ],
        METRICS,
    )
    assert not decoded.refused
    first, counts, last = decoded.runs
    assert (first.positions, first.followees, first.unfollow) == (
        [0, 1],
        ["a", "42"],
        [False, True],
    )
    assert (counts.positions, counts.accounts, counts.seqs) == ([2], ["42"], [3])
    assert counts.metrics == [{"followers": 5}]
    assert (last.positions, last.followees) == ([3], ["b"])


def test_every_refusal_names_the_field_and_never_echoes_a_value() -> None:
    base = {"event_id": "e", "at": 1}
    secret = "Zhang San"  # whatever a platform put there, it is not repeated in the reason
    decoded = decode(
        [
            None,
            b"{",
            b"17",
            payload(op=secret, follower_id="x", followee_id="y", **base),
            payload(op="follow", follower_id="x", followee_id=["y"], **base),
            payload(op="follow", follower_id="x", followee_id="y"),
            payload(account_id="a", metrics={secret: 1}, seq=1, **base),
            payload(account_id="a", metrics={"followers": 1.5}, seq=1, **base),
            payload(account_id="a", metrics={"followers": 1}, seq="1", **base),
        ],
        METRICS,
    )
    codes = [decoded.refused[p].code for p in range(9)]
    assert codes == [
        "no_event",
        "not_json",
        "unknown_shape",
        "unknown_shape",
        "bad_field",
        "bad_field",
        "bad_field",
        "bad_field",
        "bad_field",
    ]
    assert decoded.runs == []
    words = [r.words for r in decoded.refused.values()]
    # values are never repeated; a field's name is (an unknown metric's, cut to 40 characters)
    assert all(secret not in w for i, w in enumerate(words) if i != 6), words
    assert words[4].startswith("followee_id") and words[8].startswith("seq")
