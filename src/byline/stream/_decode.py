"""A batch of stream entries read as events: runs of same-shaped events in stream order, and the
entries refused for their shape (with the reason, as a code and a few words naming the field).

Two shapes are accepted, one JSON object per entry in the field ``event``:
- follow events: ``{"event_id", "op": "follow" | "unfollow", "follower_id", "followee_id", "at"}``;
- count events: ``{"event_id", "account_id", "metrics": {name: count}, "seq", "at"}``.
Ids may be text or integers (as snapshots take them); an integer id is its decimal text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

FIELD = b"event"
_OPS = {"follow": False, "unfollow": True}


class Refusal(NamedTuple):
    code: str  # not_json, no_event, unknown_shape, bad_field, self_follow
    words: str  # names the field and why, never a value sent


@dataclass
class FollowRun:
    positions: list[int] = field(default_factory=list)  # in the batch
    followees: list[str] = field(default_factory=list)
    unfollow: list[bool] = field(default_factory=list)


@dataclass
class CountRun:
    positions: list[int] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    metrics: list[dict[str, int]] = field(default_factory=list)


@dataclass
class Decoded:
    runs: list[FollowRun | CountRun] = field(default_factory=list)
    refused: dict[int, Refusal] = field(default_factory=dict)  # by position in the batch


def decode(payloads: Sequence[bytes | None], metrics: frozenset[str]) -> Decoded:
    """Read each payload (``None``: the entry has no ``event`` field); ``metrics``: the names a
    count event may set."""
    events = _parse(payloads)
    out = Decoded()
    run: FollowRun | CountRun | None = None
    for p, event in enumerate(events):
        if type(event) is dict:
            # the common case first, checked inline: a well-formed follow event with text ids
            op, followee = event.get("op"), event.get("followee_id")
            follower = event.get("follower_id")
            if (
                (op == "follow" or op == "unfollow")
                and type(followee) is str
                and type(follower) is str
                and followee
                and follower
                and followee != follower
                and "event_id" in event
                and "at" in event
            ):
                if type(run) is not FollowRun:
                    run = FollowRun()
                    out.runs.append(run)
                run.positions.append(p)
                run.followees.append(followee)
                run.unfollow.append(op == "unfollow")
                continue
        run = _slow(p, event, metrics, run, out)
    return out


def _slow(
    p: int,
    event: Any,
    metrics: frozenset[str],
    run: FollowRun | CountRun | None,
    out: Decoded,
) -> FollowRun | CountRun | None:
    """Any event but a plain follow event: checked field by field; returns the open run."""
    if isinstance(event, Refusal):
        out.refused[p] = event
        return run
    if not isinstance(event, dict):
        out.refused[p] = Refusal("unknown_shape", "event: not a JSON object")
        return run
    follow = "op" in event
    shape = _follow(event) if follow else _count(event, metrics)
    if isinstance(shape, Refusal):
        out.refused[p] = shape
        return run
    if follow:
        if not isinstance(run, FollowRun):
            run = FollowRun()
            out.runs.append(run)
        run.positions.append(p)
        run.followees.append(shape[0])
        run.unfollow.append(shape[1])
    else:
        if not isinstance(run, CountRun):
            run = CountRun()
            out.runs.append(run)
        run.positions.append(p)
        run.accounts.append(shape[0])
        run.seqs.append(shape[1])
        run.metrics.append(shape[2])
    return run


def _parse(payloads: Sequence[bytes | None]) -> list[Any]:
    """Every payload as parsed (a dict for a good event; the caller checks the type), or why
    it cannot be parsed. One comprehension when every payload parses, which is the rule."""
    try:
        return [orjson.loads(p) for p in payloads]  # type: ignore[arg-type]
    except (orjson.JSONDecodeError, TypeError):
        return [_one(p) for p in payloads]


def _one(payload: bytes | None) -> Any:
    if payload is None:
        return Refusal("no_event", "the entry has no field named event")
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return Refusal("not_json", "event: not JSON")
    if not isinstance(event, dict):
        return Refusal("unknown_shape", "event: not a JSON object")
    return event


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _follow(e: dict[str, Any]) -> tuple[Any, ...] | Refusal:
    unfollow = _OPS.get(e["op"]) if isinstance(e["op"], str) else None
    if unfollow is None:
        return Refusal("unknown_shape", "op: neither follow nor unfollow")
    followee, follower = _id(e.get("followee_id")), _id(e.get("follower_id"))
    if followee is None:
        return Refusal("bad_field", "followee_id: missing or not an id")
    if follower is None:
        return Refusal("bad_field", "follower_id: missing or not an id")
    if "event_id" not in e or "at" not in e:
        return Refusal("bad_field", "event_id and at: both required")
    if follower == followee:
        return Refusal("self_follow", "follower_id: the followee itself")
    return (followee, unfollow)


def _count(e: dict[str, Any], metrics: frozenset[str]) -> tuple[Any, ...] | Refusal:
    if "account_id" not in e or "metrics" not in e:
        return Refusal("unknown_shape", "event: neither a follow event nor a count event")
    account = _id(e["account_id"])
    if account is None:
        return Refusal("bad_field", "account_id: missing or not an id")
    seq = e.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not -(2**63) < seq < 2**63:
        return Refusal("bad_field", "seq: not an integer")
    values = e["metrics"]
    if not isinstance(values, dict) or not values:
        return Refusal("bad_field", "metrics: not an object of counts")
    for name, value in values.items():
        if name not in metrics:
            return Refusal("bad_field", f"metrics.{name[:40]}: not a metric this consumer counts")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
            return Refusal("bad_field", f"metrics.{name}: not a count (an integer >= 0)")
    if "event_id" not in e or "at" not in e:
        return Refusal("bad_field", "event_id and at: both required")
    return (account, seq, values)
