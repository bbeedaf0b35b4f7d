"""Sustained label load on PostgreSQL: `byline serve` answers a steady stream of lookups from
mixed viewers (logged out, unverified, verified, sanctioned) for disclosed and unknown accounts
with no error, and its memory stays flat. 30 seconds in the test run; `make soak` runs it for 10
minutes (`BYLINE_LOAD_SECONDS`). The p50/p99 latency and the server's RSS at the start and the
end are printed; no time is asserted (benchmarks measure speed, tests behaviour)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from byline.service.access import Role, create_api_key
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from byline.service.wiring import open_programme
from support.postgres import scratch_database

from factories import write_snapshot

SECONDS = float(os.environ.get("BYLINE_LOAD_SECONDS", "30"))
CLIENTS = 4
DISCLOSED = 100
SRC = Path(__file__).resolve().parents[2] / "src"
VIEWERS = [
    {"logged_in": False, "identity_verified": False, "flags": []},
    {"logged_in": True, "identity_verified": False, "flags": ["unverified"]},
    {"logged_in": True, "identity_verified": True, "flags": []},
    {"logged_in": True, "identity_verified": True, "flags": ["sanctioned"]},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    admin = postgres_url.rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


def prepare(url: str, root: Path) -> tuple[str, list[str]]:
    programme = open_programme(url, key_file=root / "keys.json")
    ids = [f"acct-{i:04d}" for i in range(DISCLOSED)]
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": 2_000_000}
        for a in ids
    ]
    snapshot = write_snapshot(root / "s.parquet", rows)
    run_cycle(programme.db, snapshot, "weibo", dt.date(2023, 10, 16))
    for i, account in enumerate(ids):
        programme.submit("weibo", account, f"Name {i}", consent=True, actor=Actor("creator"))
        programme.approve("weibo", account, actor=Actor("reviewer"))
    key = create_api_key(programme.db, "weibo", Role.LABEL, actor="t", now=dt.datetime.now(dt.UTC))
    programme.db.dispose()
    return key, ids


def load(port: int, key: str, ids: list[str], until: float, seed: int, out: list[object]) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    shown = 0
    while time.perf_counter() < until:
        viewer = {"id": f"v-{rng.randrange(10_000)}", **rng.choice(VIEWERS)}
        accounts = [
            rng.choice(ids) if rng.random() < 0.3 else f"unknown-{rng.randrange(10**6)}"
            for _ in range(20)
        ]
        body = json.dumps({"viewer": viewer, "account_ids": accounts})
        started = time.perf_counter()
        try:
            conn.request(
                "POST",
                "/v1/platforms/weibo/labels",
                body,
                {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            statuses[-1] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
        statuses[response.status] += 1
        if response.status == 200:
            shown += sum(1 for label in json.loads(payload)["labels"].values() if label)
    conn.close()
    out.append((statuses, latencies, shown))


@pytest.mark.slow
def test_sustained_label_load_has_no_errors_and_flat_memory(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, ids = prepare(database, tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "BYLINE_DB": database,
        "BYLINE_KEY_FILE": str(tmp_path / "keys.json"),
        "BYLINE_LOG_REQUESTS": "false",
        "BYLINE_VIEWER_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_NAME_BUDGET_PER_HOUR": "100000000",
        "BYLINE_VIEWER_NAME_BUDGET_PER_HOUR": "100000000",
        # The hour-long structures grow for an hour by design (the harvesting window, the
        # viewers' name budgets); bounded small here, so that what is measured is the rest.
        "BYLINE_HARVEST_WINDOW_MAX": "20000",
        "BYLINE_NAMES_HELD_MAX": "20000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "byline.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
            finally:
                probe.close()
        else:
            pytest.fail("byline serve did not start")
        warm: list[object] = []
        load(port, key, ids, time.perf_counter() + 2, 0, warm)  # caches and pools filled
        rss_start = rss_mib(server.pid)
        results: list[object] = []
        until = time.perf_counter() + SECONDS
        threads = [
            threading.Thread(target=load, args=(port, key, ids, until, seed, results))
            for seed in range(1, CLIENTS + 1)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rss_end = rss_mib(server.pid)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    shown = 0
    for s, lat, n in results:  # type: ignore[misc]
        statuses.update(s)
        latencies.extend(lat)
        shown += n
    latencies.sort()
    requests = sum(statuses.values())
    p50 = 1000 * statistics.median(latencies)
    p99 = 1000 * latencies[int(0.99 * (len(latencies) - 1))]
    with capsys.disabled():
        print(
            f"\nsustained label load, PostgreSQL, {SECONDS:g} s, {CLIENTS} clients:"
            f" {requests:,} requests ({requests / SECONDS:,.0f}/s), {shown:,} names shown,"
            f" statuses {dict(statuses)}, p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
            f" RSS {rss_start:.0f} MiB at the start, {rss_end:.0f} MiB at the end"
        )
    assert requests > 0 and shown > 0
    assert statuses == Counter({200: requests}), (dict(statuses), errors.decode()[-2000:])
    # Flat: what a worker holds (caches, pools) is bounded, so a long run does not grow.
    assert rss_end - rss_start < max(64.0, 0.25 * rss_start), (rss_start, rss_end)
