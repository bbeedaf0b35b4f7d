"""Shared by the fault and abuse suite (tests/chaos): the knobs, the `byline` command of this
checkout as a real process, killing process groups, throwaway servers, the programme's end state.

Knobs (environment): ``BYLINE_CHAOS_SEEDS`` (seeds per scenario, 2), ``BYLINE_CHAOS_SECONDS``
(length of each load, 3), ``BYLINE_CHAOS_ACCOUNTS`` (required accounts in a killed cycle, 300),
``BYLINE_CHAOS_KILLS`` (kills per run, 2). ``make chaos`` raises them all. The slowest
scenarios (a restart of the database, the API killed) take half the seeds or kills.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import select

from byline import audit, outbox
from byline.audit._tables import audit_log
from byline.cases import _tables as case_tables
from byline.outbox import MESSAGE_ID_HEADER, WebhookReceiver
from byline.outbox import _tables as outbox_tables
from byline.outbox._dispatch import owed_deliveries
from byline.service.access import Role, create_api_key
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from byline.service.webhooks_admin import register_endpoint
from byline.service.wiring import open_database, open_programme
from byline.store import Database

from factories import write_snapshot

LOOPBACK = outbox.WebhookGuard(outbox.AllowList.parse("127.0.0.1"))  # the test receivers
REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"


def _knob(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


SEEDS = int(_knob("BYLINE_CHAOS_SEEDS", 2))
SECONDS = _knob("BYLINE_CHAOS_SECONDS", 3.0)
ACCOUNTS = int(_knob("BYLINE_CHAOS_ACCOUNTS", 300))
KILLS = int(_knob("BYLINE_CHAOS_KILLS", 2))
HALF_SEEDS = max(1, SEEDS // 2)
HALF_KILLS = max(1, KILLS // 2)


def byline_argv(*args: str) -> list[str]:
    """The `byline` command of this checkout (not whatever an installed script imports)."""
    return [sys.executable, "-m", "byline.cli", *args]


def byline_env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    return {
        **os.environ,
        "PYTHONPATH": path,
        "BYLINE_LOG_REQUESTS": "",
        "BYLINE_WEBHOOK_ALLOW": "127.0.0.1",  # the receivers here listen on loopback
        **extra,
    }


def run_byline(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        byline_argv(*args),
        cwd=cwd,
        env=env or byline_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        **kw,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout.strip()


def spawn(
    argv: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path | None = None
) -> subprocess.Popen[bytes]:
    """A process in its own group, so that a kill takes its children too."""
    out = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            list(argv), cwd=cwd, env=env, stdout=out, stderr=out, start_new_session=True
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process and its group; wait for it (bounded)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def one_clear_line(stderr: str) -> str:
    """A command that failed must say why in one line, without a traceback."""
    assert "Traceback" not in stderr, stderr[-4000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-4000:]
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.HTTPError:
        return False


# --- snapshots and the programme's end state ----------------------------------------------------


def cycle_snapshot(path: Path, required: int = ACCOUNTS, small: int = 2000) -> Path:
    """``required`` accounts above weibo's top tier (each noticed), ``small`` ones far below."""
    rows: list[Mapping[str, Any]] = [
        {
            "account_id": f"acct-{i:05d}",
            "kind": "individual",
            "category": "finance",
            "followers": 1_000_000 + i * 997,
        }
        for i in range(required)
    ]
    rows += [
        {"account_id": f"small-{i:05d}", "kind": "individual", "category": "finance",
         "followers": i}
        for i in range(small)
    ]  # fmt: skip
    return write_snapshot(path, rows)


def cycle_args(db_url: str, snapshot: Path, *extra: str) -> list[str]:
    return [
        "cycle", "--db", db_url, "--snapshot", str(snapshot), "--policy", "weibo",
        "--as-of", "2023-10-16", "--transaction-size", "10", "--json", *extra,
    ]  # fmt: skip


def end_state(db_url: str) -> dict[str, Any]:
    """What an uninterrupted run and a crashed-then-finished one must agree on."""
    db = Database.from_url(db_url)
    try:
        with db.reading() as conn:
            case_rows = sorted(
                (r.account_id, r.state, r.tier, str(r.deadline))
                for r in conn.execute(select(case_tables.cases))
            )
            messages = Counter(
                (r.topic, r.account_id, r.payload.get("template"))
                for r in conn.execute(select(outbox_tables.outbox))
            )
            actions = Counter(r.action for r in conn.execute(select(audit_log)))
            chain = audit.verify(conn)
    finally:
        db.dispose()
    return {"cases": case_rows, "messages": messages, "actions": actions, "chain_ok": chain.ok}


def assert_same_end_state(reference_url: str, crashed_url: str, accounts: int, cwd: Path) -> None:
    reference, crashed = end_state(reference_url), end_state(crashed_url)
    assert crashed["chain_ok"] and reference["chain_ok"]
    assert len(reference["cases"]) == accounts
    assert crashed["cases"] == reference["cases"]
    # every notice exactly once: none lost, none twice
    assert crashed["messages"] == reference["messages"]
    assert max(crashed["messages"].values()) == 1
    for action in ("case:opened", "case:notified"):
        assert crashed["actions"][action] == reference["actions"][action] == accounts
    # the cycle itself: started once, finished once, whatever the kills
    for action in ("cycle:started", "cycle:finished"):
        assert crashed["actions"][action] == reference["actions"][action] == 1, (
            action,
            crashed["actions"],
            reference["actions"],
        )
    verified = run_byline("audit", "verify", "--db", crashed_url, cwd=cwd)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def kill_at_random(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    rng: random.Random,
    within: float,
    kills: int = KILLS,
) -> int:
    """Run ``argv`` up to ``kills`` times, each SIGKILLed at a random moment of the first
    ``within`` seconds (the first kill in the first 60 % of them, so that one lands for sure);
    stop when a run finishes. Return how many runs were killed."""
    killed = 0
    for attempt in range(kills):
        proc = spawn(argv, cwd=cwd, env=env)
        time.sleep(rng.uniform(0.05, 0.6 if attempt == 0 else 1.0) * within)
        if proc.poll() is not None:
            break
        kill_group(proc)
        killed += 1
    return killed


# --- throwaway servers --------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free loopback port, stopped and started at will."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("no redis-server on this machine")
        self.binary, self.directory = binary, directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return True
            except OSError:
                return False

        wait_until(listening, 10, "redis-server listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Served:
    """`byline serve` of this checkout as a process on a fixed free port: killed and started
    again on the same port."""

    def __init__(self, cwd: Path, env: dict[str, str], *extra: str) -> None:
        self.cwd, self.env, self.extra = cwd, env, extra
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = byline_argv("serve", "--port", str(self.port), *self.extra)
        self.process = spawn(argv, cwd=self.cwd, env=self.env, log=self.log)
        wait_until(lambda: answers(f"{self.base}/healthz"), 60, "byline serve answering")

    def kill(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_group(self.process)
            self.process = None


# --- the outbox -----------------------------------------------------------------------------------


class MovableClock:
    """The time both sides agree on: the dispatcher is handed it (``--at``), the receiver asks."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> str:
        self.now += dt.timedelta(seconds=seconds)
        return self.now.isoformat()


class Endpoint(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def secret(self) -> str: ...


def outbox_with_messages(db_url: str, snapshot: Path, receivers: Sequence[Endpoint]) -> int:
    """A cycle's notices (and its audit head) in the outbox, each receiver registered for every
    topic of the platform; return how many messages wait."""
    db = open_database(db_url)
    try:
        run_cycle(db, snapshot, "weibo", dt.date(2023, 10, 16))
        for receiver in receivers:
            register_endpoint(
                db,
                "weibo",
                receiver.url,
                receiver.secret,
                list(outbox.Topic),
                actor="test",
                now=dt.datetime.now(dt.UTC),
                guard=LOOPBACK,
            )
        with db.reading() as conn:
            return len(conn.execute(select(outbox_tables.outbox.c.message_id)).all())
    finally:
        db.dispose()


def owed(db_url: str) -> int:
    db = Database.from_url(db_url)
    try:
        with db.reading() as conn:
            return owed_deliveries(conn)
    finally:
        db.dispose()


def assert_each_delivered_once(db_url: str, receivers: Sequence[WebhookReceiver]) -> None:
    """Every message taken by every endpoint; one ``delivered`` record per (message, endpoint);
    every copy an endpoint saw of one message id is the same signed message."""
    db = Database.from_url(db_url)
    try:
        with db.reading() as conn:
            ids = set(conn.execute(select(outbox_tables.outbox.c.message_id)).scalars())
            d, e = outbox_tables.webhook_deliveries, outbox_tables.webhook_endpoints
            rows = conn.execute(
                select(d.c.message_id, e.c.url, d.c.status).join(
                    e, e.c.endpoint_id == d.c.endpoint_id
                )
            ).all()
    finally:
        db.dispose()
    records = Counter((r.message_id, r.url) for r in rows)
    assert max(records.values()) == 1
    assert {(r.message_id, r.url) for r in rows if r.status == "delivered"} == {
        (m, receiver.url) for m in ids for receiver in receivers
    }
    for receiver in receivers:
        assert receiver.rejected == []  # every request it got was well signed
        copies: dict[str, set[bytes]] = {}
        for got in receiver.received:
            # the body was compact, key-sorted JSON: re-encoded, the same bytes
            body = json.dumps(got.message, sort_keys=True, separators=(",", ":"))
            copies.setdefault(got.message_id, set()).add(body.encode())
            headers = {k.lower(): v for k, v in got.headers.items()}
            assert headers[MESSAGE_ID_HEADER.lower()] == got.message_id == got.message["id"]
        assert set(copies) == ids, "a message never reached an endpoint"
        assert all(len(bodies) == 1 for bodies in copies.values()), "one id, two messages"


# --- the API under load ---------------------------------------------------------------------------

NOW = dt.datetime(2023, 10, 20, 9, 0, tzinfo=dt.UTC)
DISCLOSED = ("acct-00000", "acct-00001", "acct-00002")


@dataclass
class ApiWorld:
    """A programme to serve: a cycle run, three accounts disclosed, a label and a platform key."""

    db_url: str
    env: dict[str, str]  # for `byline serve`: the database and the vault's key file
    label_key: str
    platform_key: str


def api_world(tmp_path: Path, db_url: str, **env: str) -> ApiWorld:
    key_file = tmp_path / "keys.json"
    programme = open_programme(db_url, key_file=key_file, clock=lambda: NOW)
    try:
        snapshot = cycle_snapshot(tmp_path / "snapshot.parquet", required=20, small=10)
        run_cycle(
            programme.db, snapshot, "weibo", dt.date(2023, 10, 16), sealer=programme.vault.sealer
        )
        for account in DISCLOSED:
            programme.submit("weibo", account, f"Name {account}", consent=True, actor=Actor("c"))
            programme.approve("weibo", account, actor=Actor("reviewer"))
        label, platform = (
            create_api_key(programme.db, "weibo", role, actor="test", now=NOW)
            for role in (Role.LABEL, Role.PLATFORM)
        )
    finally:
        programme.db.dispose()
    serve_env = byline_env(BYLINE_DB=db_url, BYLINE_KEY_FILE=str(key_file), **env)
    return ApiWorld(db_url, serve_env, label, platform)


@dataclass
class Load:
    """Threads doing label lookups and pushing counts against a served API, until stopped (or
    ``SECONDS * 20`` at most). Connection errors (the server being killed) are counted apart
    from answers; every answer's status is counted; an answer that is neither 200 nor expected
    is kept whole for the failure message."""

    base: str
    world: ApiWorld
    label_threads: int = 3
    push_counts: bool = True
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    acknowledged: list[str] = field(default_factory=list)  # accounts whose counts got a 200
    odd: list[str] = field(default_factory=list)
    expected: frozenset[int] = frozenset({200})
    unavailable: int = 0  # 503 answers that are problems with Retry-After, as documented
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def lookup_body(self, viewer: str) -> dict[str, Any]:
        return {
            "viewer": {"id": viewer, "logged_in": True, "identity_verified": True},
            "account_ids": [*DISCLOSED, "acct-00010", "nobody"],
        }

    def lookup(self, client: httpx.Client, viewer: str) -> httpx.Response | None:
        return self._call(client, "labels", self.world.label_key, self.lookup_body(viewer))

    def _labels(self, n: int) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(100_000):
                if self._stop.is_set():
                    return
                self.lookup(client, f"viewer-{n}-{i % 40}")

    def _counts(self) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(100_000):
                if self._stop.is_set():
                    return
                account = f"push-{i:06d}"
                count = {"account_id": account, "kind": "individual", "category": "finance",
                         "followers": 1_200_000 + i}  # fmt: skip
                body = {"as_of": "2023-10-20", "counts": [count]}
                response = self._call(client, "follower-counts", self.world.platform_key, body)
                if response is not None and response.status_code == 200:
                    with self._lock:
                        self.acknowledged.append(account)

    def _call(
        self, client: httpx.Client, route: str, key: str, body: dict[str, Any]
    ) -> httpx.Response | None:
        try:
            response = client.post(
                f"{self.base}/v1/platforms/weibo/{route}",
                headers={"Authorization": f"Bearer {key}"},
                json=body,
            )
        except httpx.HTTPError:
            with self._lock:
                self.connection_errors += 1
            time.sleep(0.05)
            return None
        with self._lock:
            self.statuses[response.status_code] += 1
            if (
                response.status_code == 503
                and response.headers.get("content-type") == "application/problem+json"
                and int(response.headers.get("retry-after", "0")) > 0
            ):
                self.unavailable += 1
            if response.status_code not in self.expected and len(self.odd) < 5:
                self.odd.append(f"{response.status_code} {response.headers} {response.text}")
        return response

    def __enter__(self) -> Load:
        targets: list[tuple[Callable[..., None], tuple[int, ...]]] = [
            (self._labels, (n,)) for n in range(self.label_threads)
        ]
        if self.push_counts:
            targets.append((self._counts, ()))
        for target, args in targets:
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def counts_on_file(db_url: str, accounts: Sequence[str]) -> dict[str, int]:
    """The followers on file for each of ``accounts`` that has a case."""
    db = Database.from_url(db_url)
    try:
        with db.reading() as conn:
            rows = conn.execute(
                select(case_tables.cases.c.account_id, case_tables.cases.c.metrics).where(
                    case_tables.cases.c.account_id.in_(list(accounts))
                )
            ).all()
    finally:
        db.dispose()
    return {r.account_id: int(r.metrics["followers"]) for r in rows}
