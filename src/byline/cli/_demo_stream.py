"""The demo's live stage: follow and unfollow events that move some accounts across the
thresholds, put into a Redis Stream and consumed by the stream consumer, exactly as
``byline synth --events``, ``byline stream send`` and ``byline stream run`` do, against the
demo's programme. Redis is the one thing the demo cannot embed: without a server to reach, the
stage is skipped with the reason, and the rest of the demo runs as before."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import redis
from rich.markup import escape

from byline.cli._app import out
from byline.cli._stream import redis_url, where
from byline.service import (
    demo_now,
    load_policy,
    open_services,
    running_clock,
    synthesise_events,
    webhook_guard,
)
from byline.stream import Consumer, StreamSettings, lines_of, send_events

STREAM_EVENTS_HELP = (
    "Follow events sent through a Redis Stream to the stream consumer after the programme"
    " (default: one per 10 accounts synthesised; 0: none; skipped without Redis)."
)


def stream_stage(workdir: Path, policy_ref: str, seed: int, events: int) -> dict[str, object]:
    """Run the live stage over the last simulated week; what it did, or why it was skipped."""
    url = redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"skipped": f"no Redis at {where(url)} ({exc}); set BYLINE_REDIS_URL to use one"}
    policy = load_policy(policy_ref)
    weeks = sorted((workdir / "weeks").glob("*.parquet"))
    if not weeks:
        return {"skipped": "no simulated week to start from"}
    started = time.perf_counter()
    folder = workdir / "stream"
    folder.mkdir(exist_ok=True)
    events_file, written = synthesise_events(
        weeks[-1], policy_ref, events, seed, out=folder / "events.jsonl"
    )
    stream = f"byline-demo:{policy.id}:{uuid.uuid4().hex[:8]}"
    now = demo_now(policy)  # the served demo's clock: the stream's cases belong to its day
    floor = open_services(
        str(workdir / "byline.db"),
        clock=running_clock(now),
        key_file=workdir / "byline.keys.json",
        webhooks=webhook_guard(also="127.0.0.1"),
    )
    try:
        before = sum(floor.cases.funnel(policy.id).values())
        sent = send_events(url, stream, lines_of(events_file))
        settings = StreamSettings(
            redis_url=url,
            stream=stream,
            platform=policy.id,
            checkpoint=folder / "consumer.ckpt.npz",
            accounts=weeks[-1],
            exit_when_idle=0.5,
            observed_on=now.date(),
        )
        totals = Consumer(floor, settings).serve()
        opened = sum(floor.cases.funnel(policy.id).values()) - before
    finally:
        floor.close()
        client.delete(stream, f"{stream}:rejected")
    return {
        "redis": where(url),
        "events": sent,
        "crossing_up": written["crossing_up"],
        "crossing_down": written["crossing_down"],
        "applied": totals.get("applied", 0),
        "rejected": totals.get("rejected", 0),
        "crossings": totals.get("crossings", 0),
        "cases_opened": opened,
        "seconds": round(time.perf_counter() - started, 2),
    }


def render_stream(live: dict[str, object]) -> None:
    if "skipped" in live:
        out.print(f"\n[bold]Live stream[/]: skipped: {escape(str(live['skipped']))}")
        return
    out.print(
        f"\n[bold]Live stream[/] ({escape(str(live['redis']))}): {live['events']:,} follow and"
        f" unfollow events through a Redis Stream in {live['seconds']} s:"
        f" {live['applied']:,} applied, {live['rejected']:,} rejected;"
        f" {live['crossings']:,} accounts crossed a tier, {live['cases_opened']:,} cases opened.",
        highlight=False,
    )
