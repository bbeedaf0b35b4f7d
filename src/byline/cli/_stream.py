"""``byline stream``: run the stream consumer, or put a file of events into a stream."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import redis
import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import DbOption, JsonOption, errors_as_lines, services
from byline.stream import Consumer, StreamSettings, lines_of, send_events

stream_app = typer.Typer(
    help="Follower counts kept live from a Redis Stream.", no_args_is_help=True
)
app.add_typer(stream_app, name="stream")

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def redis_url(url: str | None = None) -> str:
    """``--redis``, else ``BYLINE_REDIS_URL``, else the local server."""
    return url or os.environ.get("BYLINE_REDIS_URL") or DEFAULT_REDIS


def where(url: str) -> str:
    """A Redis URL as said in a message: never its password."""
    return url.split("@")[-1]


RedisOption = typer.Option(
    None, "--redis", help="Redis URL (default: BYLINE_REDIS_URL, else the local server)."
)
StreamOption = typer.Option(..., "--stream", help="The stream's key.")


@stream_app.command("run")
def run(
    platform: str = typer.Option(..., "--platform", help="Whose policy in force decides."),
    stream: str = StreamOption,
    redis_at: str | None = RedisOption,
    group: str = typer.Option("byline", "--group", help="Consumer group (one consumer in it)."),
    consumer: str = typer.Option("byline", "--consumer", help="This consumer's name."),
    accounts: Path | None = typer.Option(
        None, "--accounts", help="Accounts snapshot (default: the latest cycle's)."
    ),
    counts: Path | None = typer.Option(
        None, "--counts", help="A `byline count` counts.parquet to start from."
    ),
    accept_gap: bool = typer.Option(
        False,
        "--accept-gap",
        help="Count on past entries trimmed before they were read (logged and counted).",
    ),
    counts_only: bool = typer.Option(
        False,
        "--counts-only",
        help="Take count events only; follow events are rejected (needed under judge = owner).",
    ),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="Checkpoint file (default: ./<stream>.<platform>.ckpt.npz)."
    ),
    batch: int = typer.Option(20_000, "--batch", min=1, max=1_000_000, help="Entries per read."),
    every: float = typer.Option(
        5.0, "--checkpoint-seconds", min=0.0, help="Checkpoint (and acknowledge) this often."
    ),
    metrics_port: int = typer.Option(
        0, "--metrics-port", min=0, max=65535, help="Serve Prometheus metrics here (0: off)."
    ),
    exit_when_idle: float | None = typer.Option(
        None, "--exit-when-idle", min=0.0, help="Stop after this many seconds with nothing new."
    ),
    as_of: dt.datetime | None = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Judge crossings as counts observed on this day (default: the day of each"
        " batch's last entry): for replaying a past stream.",
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Consume follow and count events; open or observe cases as accounts cross a tier."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = StreamSettings(
        redis_url=redis_url(redis_at),
        stream=stream,
        platform=platform,
        checkpoint=checkpoint or Path(f"{stream}.{platform}.ckpt.npz".replace("/", "_")),
        group=group,
        consumer=consumer,
        accounts=accounts,
        counts=counts,
        counts_only=counts_only,
        accept_gap=accept_gap,
        batch=batch,
        checkpoint_seconds=every,
        metrics_port=metrics_port,
        exit_when_idle=exit_when_idle,
        observed_on=as_of.date() if as_of else None,
    )
    floor = services(db)
    with errors_as_lines():
        try:
            totals = Consumer(floor, settings).serve()
        except redis.RedisError as exc:
            fail(escape(f"redis ({where(settings.redis_url)}): {exc}"))
    if as_json:
        emit_json(totals)
        return
    out.print(
        "Stopped after a checkpoint: " + "; ".join(f"{k} {v:,}" for k, v in sorted(totals.items())),
        highlight=False,
    )


@stream_app.command("send")
def send(
    events: Path = typer.Argument(..., help="JSON Lines file of events (one per line)."),
    stream: str = StreamOption,
    redis_at: str | None = RedisOption,
) -> None:
    """Add every line of EVENTS to the stream, in order, as an entry's `event` field."""
    if not events.is_file():
        fail(f"{escape(str(events))}: no such file", code=2)
    url = redis_url(redis_at)
    try:
        sent = send_events(url, stream, lines_of(events))
    except redis.RedisError as exc:
        fail(escape(f"redis ({where(url)}): {exc}"))
    out.print(f"Added {sent:,} events to {escape(stream)}", highlight=False)
