"""`byline serve` delivers the outbox in the background, with nobody running `outbox deliver`;
with `--no-dispatch` it leaves that to `byline outbox run`. Real processes, a real receiver on
loopback; every delivery is verified with the Standard Webhooks library from PyPI."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from byline.outbox import WebhookReceiver, new_secret
from support.chaos import (
    Served,
    byline_argv,
    byline_env,
    cycle_snapshot,
    outbox_with_messages,
    owed,
    spawn,
    wait_until,
)

pytestmark = pytest.mark.slow
SECRET = new_secret()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as running:  # checks against the wall clock, as a platform's
        yield running


@pytest.fixture
def waiting(tmp_path: Path, receiver: WebhookReceiver) -> tuple[str, int]:
    """A SQLite database whose outbox holds a cycle's messages for ``receiver``."""
    url = f"sqlite:///{tmp_path / 'byline.db'}"
    snapshot = cycle_snapshot(tmp_path / "snapshot.parquet", required=5, small=3)
    return url, outbox_with_messages(url, snapshot, [receiver])


def verified_ids(receiver: WebhookReceiver) -> set[str]:
    hook = Webhook(SECRET)
    return {str(hook.verify(r.body, r.headers)["id"]) for r in receiver.received}


def test_serve_delivers_what_is_due(
    tmp_path: Path, receiver: WebhookReceiver, waiting: tuple[str, int]
) -> None:
    url, messages = waiting
    assert messages > 1
    served = Served(tmp_path, byline_env(BYLINE_DB=url))
    served.start()
    try:
        wait_until(lambda: len(receiver.messages) == messages, 60, "every message delivered")
    finally:
        served.stop()
    assert len(verified_ids(receiver)) == messages
    assert {r.topic for r in receiver.messages} >= {"notice", "audit"}
    assert owed(url) == 0 and receiver.rejected == []


def test_no_dispatch_leaves_it_to_outbox_run(
    tmp_path: Path, receiver: WebhookReceiver, waiting: tuple[str, int]
) -> None:
    url, messages = waiting
    env = byline_env(BYLINE_DB=url)
    served = Served(tmp_path, env, "--no-dispatch")
    served.start()
    try:
        assert receiver.requests == 0 and owed(url) == messages
        log = tmp_path / "run.log"
        argv = byline_argv("outbox", "run", "--interval", "0.2")
        worker = spawn(argv, cwd=tmp_path, env=env, log=log)
        try:
            wait_until(lambda: len(receiver.messages) == messages, 60, "outbox run delivering")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                raise
    finally:
        served.stop()
    assert worker.returncode == 0
    assert f"{messages} delivered" in log.read_text()
    assert len(verified_ids(receiver)) == messages and owed(url) == 0
