"""Benchmark: label lookups per second and latency against `byline serve`, side by side with a
bare Starlette endpoint returning a constant on the same server stack (uvicorn, one worker).

The load comes from separate processes (keep-alive HTTP/1.1 connections, stdlib http.client):
first closed-loop at full concurrency for the maximum rate, then open-loop at half of that rate
for p50/p99 latency. The accounts looked up are as a feed mixes them: one in five is one of the
disclosed accounts, the others are drawn from all 2M accounts of the snapshot (nearly all of
them not disclosed, and too many to be answered from a cache of recent answers). It runs on the
embedded default (SQLite) and on PostgreSQL when a server answers on localhost. Nothing is
asserted: it prints figures and ratios.

    python bench/api.py                 # both backends, 8 s per measurement
    python bench/api.py --seconds 4 --backends sqlite
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ACCOUNTS = 2_000_000  # in the synthetic snapshot
DISCLOSED_SHARE = 0.2  # of the accounts looked up
HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


def prepare(db_url: str, root: Path) -> tuple[str, list[str]]:
    """A programme with disclosed accounts and a label key; return the key and account ids."""
    from byline.service.access import Role, create_api_key
    from byline.service.cycle import run_cycle
    from byline.service.programme import Actor
    from byline.service.wiring import open_programme
    from byline.synth import write_snapshot

    snapshot = write_snapshot(root / "snap", "weibo", ACCOUNTS, 7)
    programme = open_programme(db_url, key_file=root / "keys.json")
    report = run_cycle(programme.db, snapshot, "weibo", dt.date(2023, 12, 22))
    ids = [c["account_id"] for c in programme.list_cases("weibo", limit=1000)]
    for account in ids:
        programme.submit(
            "weibo", account, f"Name {account[-4:]}", consent=True, actor=Actor("bench")
        )
        programme.approve("weibo", account, actor=Actor("bench"))
    key = create_api_key(
        programme.db, "weibo", Role.LABEL, actor="bench", now=dt.datetime.now(dt.UTC)
    )
    programme.db.dispose()
    print(f"  prepared {len(ids)} disclosed accounts ({report.evaluation['read']:,} read)")
    return key, ids


def _body(ids: list[str], batch: int, rng: random.Random) -> bytes:
    viewer = {
        "id": f"v{rng.randrange(10**9)}",
        "logged_in": True,
        "identity_verified": True,
        "flags": [],
    }
    # disclosed accounts and others, as a feed mixes them
    accounts = [
        rng.choice(ids)
        if rng.random() < DISCLOSED_SHARE
        else f"weibo-{rng.randrange(ACCOUNTS):012d}"  # the synthetic snapshot's ids
        for _ in range(batch)
    ]
    return json.dumps({"viewer": viewer, "account_ids": accounts}).encode()


def _worker(
    port: int,
    path: str,
    headers: dict[str, str],
    ids: list[str],
    batch: int,
    until: float,
    interval: float,
    seed: int,
    out: mp.Queue,
) -> None:  # type: ignore[type-arg]
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    errors = 0
    next_at = time.perf_counter()
    while time.perf_counter() < until:
        if interval:
            now = time.perf_counter()
            if now < next_at:
                time.sleep(next_at - now)
            next_at += interval
        body = _body(ids, batch, rng) if batch else b"{}"
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except OSError:
            errors += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def load(
    port: int,
    path: str,
    headers: dict[str, str],
    ids: list[str],
    batch: int,
    seconds: float,
    connections: int,
    rate: float = 0.0,
) -> dict[str, float]:
    """Closed loop (rate 0) or open loop at ``rate`` requests/s over all connections."""
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    until = time.perf_counter() + seconds
    interval = connections / rate if rate else 0.0
    procs = [
        mp.Process(
            target=_worker, args=(port, path, headers, ids, batch, until, interval, i, queue)
        )
        for i in range(connections)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "rps": n / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (n - 1))] if n else float("nan"),
    }


def serve_byline(db_url: str, root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BYLINE_DB": db_url,
        "BYLINE_KEY_FILE": str(root / "keys.json"),
        "BYLINE_VIEWER_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_LIMIT_PER_MINUTE": "100000000",
    }
    return subprocess.Popen(
        [str(BIN / "byline"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def serve_bare(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def postgres_url() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=2
        ) as conn:
            name = f"byline_bench_{os.getpid()}"
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None


def run(backend: str, db_url: str, seconds: float, connections: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="byline-bench-api-") as tmp:
        root = Path(tmp)
        print(f"[{backend}] preparing ...", flush=True)
        key, ids = prepare(db_url, root)
        port, bare_port = free_port(), free_port()
        server, bare = serve_byline(db_url, root, port), serve_bare(bare_port)
        try:
            wait_for(port)
            wait_for(bare_port)
            auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            path = "/v1/platforms/weibo/labels"
            cases = [
                ("bare endpoint", bare_port, "/", {}, 0),
                ("labels, batch 1", port, path, auth, 1),
                ("labels, batch 20", port, path, auth, 20),
            ]
            for label, p, route, headers, batch in cases:
                load(p, route, headers, ids, batch, 1.0, connections)  # warm up
                peak = load(p, route, headers, ids, batch, seconds, connections)
                half = load(
                    p, route, headers, ids, batch, seconds, connections, rate=peak["rps"] / 2
                )
                row = {
                    "backend": backend,
                    "case": label,
                    "max_rps": peak["rps"],
                    "errors": peak["errors"] + half["errors"],
                    "half_rate": peak["rps"] / 2,
                    "p50_ms": half["p50_ms"],
                    "p99_ms": half["p99_ms"],
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            for proc in (server, bare):
                proc.terminate()
                proc.wait(timeout=10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                rows += run("sqlite", f"sqlite:///{tmp}/bench.db", args.seconds, args.connections)
        elif backend == "postgresql" and (url := postgres_url()):
            rows += run("postgresql", url, args.seconds, args.connections)
    print(
        f"\n{'backend':<11} {'case':<17} {'max req/s':>10} {'vs bare':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}  (latency at half the max rate)"
    )
    bare = {r["backend"]: r["max_rps"] for r in rows if r["case"] == "bare endpoint"}
    for r in rows:
        ratio = float(r["max_rps"]) / float(bare[r["backend"]])  # type: ignore[arg-type]
        print(
            f"{r['backend']:<11} {r['case']:<17} {r['max_rps']:>10.0f} {ratio:>7.0%} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        )


if __name__ == "__main__":
    main()
