"""Benchmark: label lookups per second and latency against `byline serve`, side by side with a
bare Starlette endpoint returning a constant on the same server stack (uvicorn, one worker).

The programme is Weibo-sized: 20,000 disclosed accounts (``--disclosed``), each disclosed
through the programme's own path (a cycle, then a name submitted with consent and approved; see
bench/label_programme.py, which keeps the prepared programme under bench/.cache/ for the next
run). The server is warmed with one lookup of each disclosed account, as one long in service is
by its traffic. The load comes from separate processes (keep-alive HTTP/1.1 connections over
plain sockets, requests made ahead, so that the clients take as little of the machine as they
can; the bare endpoint gets the same requests as the single lookups): first closed-loop at full
concurrency for the maximum rate (``--rounds`` times, each label case taking turns with the
bare endpoint, the median kept: one run differs from the next by up to 40% on a busy two-core
machine), then open-loop at half of that rate for p50/p99 latency. The accounts looked up are
as a feed mixes them: one in five is one of the disclosed accounts, the others are drawn from
all 2M accounts of the snapshot (nearly all of them not disclosed). It runs on the embedded
default (SQLite) and on PostgreSQL when a server answers on 127.0.0.1:5432, and prints each
backend's rates beside its bare endpoint's. With ``--soak S``, single lookups then go on at
half the maximum rate for S seconds while the server's resident memory is sampled: at start,
middle and end. Nothing is asserted: it prints figures and ratios.

    python bench/api.py                              # both backends, 8 s per measurement
    python bench/api.py --seconds 30                 # steadier figures
    python bench/api.py --backends postgresql --soak 300   # and memory over five minutes
    python bench/api.py --backends sqlite --disclosed 2000 --fresh   # prepare again
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
import threading
import time
from pathlib import Path

import label_programme
from label_programme import ACCOUNTS, PLATFORM

BIN = Path(sys.executable).parent
DISCLOSED_SHARE = 0.2  # of the accounts looked up
HERE = Path(__file__).parent
LABELS_PATH = f"/v1/platforms/{PLATFORM}/labels"
CONNECTIONS = 8  # load processes, each with one keep-alive connection


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


def label_key(db_url: str, key_file: Path) -> str:
    """A new label key of the prepared programme (through the service, as an admin makes one)."""
    from byline.service.access import Role, create_api_key
    from byline.service.wiring import open_programme

    programme = open_programme(db_url, key_file=key_file)
    key = create_api_key(
        programme.db, PLATFORM, Role.LABEL, actor="bench", now=dt.datetime.now(dt.UTC)
    )
    programme.db.dispose()
    return key


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
        else f"{PLATFORM}-{rng.randrange(ACCOUNTS):012d}"  # the synthetic snapshot's ids
        for _ in range(batch)
    ]
    return json.dumps({"viewer": viewer, "account_ids": accounts}).encode()


def _requests(
    path: str, headers: dict[str, str], ids: list[str], batch: int, rng: random.Random
) -> list[bytes]:
    """HTTP/1.1 requests made ahead, so the load generator spends its time sending them."""
    made = []
    for _ in range(2000):
        body = _body(ids, batch, rng) if batch else b"{}"
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        made.append(head.encode("latin-1") + b"\r\n" + body)
    return made


class _Connection:
    """A keep-alive HTTP/1.1 client over one socket, as lean as a load generator should be:
    it sends whole requests and reads responses by their Content-Length."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        """Send ``request``; return the response's status once its body has arrived."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in lines[1:]
            if line.lower().startswith(b"content-length:")
        )
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        return status

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


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
    requests = _requests(path, headers, ids, batch, random.Random(seed))
    conn = _Connection(port)
    latencies: list[float] = []
    errors = 0
    sent = 0
    next_at = time.perf_counter()
    while time.perf_counter() < until:
        if interval:
            now = time.perf_counter()
            if now < next_at:
                time.sleep(next_at - now)
            next_at += interval
        request = requests[sent % len(requests)]
        sent += 1
        started = time.perf_counter()
        try:
            if conn.exchange(request) != 200:
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = _Connection(port)
            continue
        latencies.append(time.perf_counter() - started)
    conn.close()
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_byline(db_url: str, key_file: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BYLINE_DB": db_url,
        "BYLINE_KEY_FILE": str(key_file),
        "BYLINE_VIEWER_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_LIMIT_PER_MINUTE": "100000000",
        # throughput, not harvesting, is measured here (bench/harvest.py measures budgets)
        "BYLINE_KEY_NAME_BUDGET_PER_HOUR": "100000000",
        "BYLINE_VIEWER_NAME_BUDGET_PER_HOUR": "100000000",
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


def warm(port: int, auth: dict[str, str], ids: list[str]) -> None:
    """One lookup of every disclosed account (100 a request), as a server long in service has
    had from its traffic: its memory holds what it may hold of each label."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    viewer = {"id": "warm", "logged_in": True, "identity_verified": True, "flags": []}
    for start in range(0, len(ids), 100):
        body = json.dumps({"viewer": viewer, "account_ids": ids[start : start + 100]})
        conn.request("POST", LABELS_PATH, body=body, headers=auth)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"warming up: {response.status}")
    conn.close()


def rss_mb(pid: int) -> float:
    """The process's resident memory now, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def soak(
    port: int, pid: int, auth: dict[str, str], ids: list[str], seconds: float, rate: float
) -> dict[str, object]:
    """Single lookups at ``rate`` for ``seconds``; the server's RSS sampled every few seconds."""
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        began = time.perf_counter()
        while not done.is_set():
            samples.append((time.perf_counter() - began, rss_mb(pid)))
            done.wait(min(10.0, seconds / 10))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = load(port, LABELS_PATH, auth, ids, 1, seconds, CONNECTIONS, rate=rate)
    finally:
        done.set()
        sampler.join()
    samples.append((seconds, rss_mb(pid)))
    middle = min(samples, key=lambda s: abs(s[0] - seconds / 2))
    return {
        **result,
        "seconds": seconds,
        "rss_start_mb": samples[0][1],
        "rss_middle_mb": middle[1],
        "rss_end_mb": samples[-1][1],
        "rss_max_mb": max(mb for _, mb in samples),
    }


def run(
    backend: str, db_url: str, key_file: Path, seconds: float, soak_s: float, rounds: int
) -> list[dict[str, object]]:
    """Measure the bare endpoint and the label route on one prepared programme: the maximum
    rate of each, ``rounds`` times in turn (the median kept), then latency at half of it."""
    rows: list[dict[str, object]] = []
    ids = label_programme.disclosed_ids(db_url, key_file)
    key = label_key(db_url, key_file)
    print(f"  {len(ids):,} disclosed accounts", flush=True)
    port, bare_port = free_port(), free_port()
    server = serve_byline(db_url, key_file, port)
    bare = serve_bare(bare_port)
    try:
        wait_for(port)
        wait_for(bare_port)
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        warm(port, auth, ids)
        bare_case = ("bare endpoint", bare, bare_port, "/", 1)  # the same requests as batch 1
        cases = [
            bare_case,
            ("labels, batch 1", server, port, LABELS_PATH, 1),
            ("labels, batch 20", server, port, LABELS_PATH, 20),
        ]
        for _, _, p, route, batch in cases:
            load(p, route, auth, ids, batch, 1.0, CONNECTIONS)  # warm up
        # Each label case takes turns with the bare endpoint, round after round, so that a slow
        # spell of this (noisy) machine falls on both; each figure is the median of its rounds.
        # Single lookups first, as a server serves them from the start (batches of 20 show
        # names twenty times as fast, and fill what the hour keeps sooner).
        peaks: dict[str, list[tuple[float, float, int]]] = {label: [] for label, *_ in cases}
        turns: dict[str, list[tuple[float, float]]] = {}  # each round: (rate, bare's rate)
        for case in cases[1:]:
            for turn in range(rounds):
                for label, proc, p, route, batch in (bare_case, case):
                    cpu_before = cpu_seconds(proc.pid)
                    peak = load(p, route, auth, ids, batch, seconds, CONNECTIONS)
                    cpu_used = cpu_seconds(proc.pid) - cpu_before
                    cpu_us = 1e6 * cpu_used / max(peak["requests"], 1)
                    peaks[label].append((peak["rps"], cpu_us, peak["errors"]))
                    print(
                        f"  round {turn + 1}/{rounds}: {label}: {peak['rps']:.0f} req/s,"
                        f" {cpu_us:.0f} us CPU/request",
                        flush=True,
                    )
                turns.setdefault(case[0], []).append(
                    (peaks[case[0]][-1][0], peaks[bare_case[0]][-1][0])
                )
        for label, _, p, route, batch in cases:
            max_rps = statistics.median(r for r, _, _ in peaks[label])
            half = load(p, route, auth, ids, batch, seconds, CONNECTIONS, rate=max_rps / 2)
            row = {
                "backend": backend,
                "case": label,
                "max_rps": max_rps,
                "rounds": [[round(r), round(b)] for r, b in turns.get(label, [])],
                "server_cpu_us": statistics.median(c for _, c, _ in peaks[label]),
                "errors": sum(e for _, _, e in peaks[label]) + half["errors"],
                "half_rate": max_rps / 2,
                "p50_ms": half["p50_ms"],
                "p99_ms": half["p99_ms"],
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
        if soak_s:
            single = next(r for r in rows if r["case"] == "labels, batch 1")
            rate = float(single["half_rate"])  # type: ignore[arg-type]
            print(f"  memory: single lookups at {rate:.0f}/s for {soak_s:.0f} s ...", flush=True)
            memory = soak(port, server.pid, auth, ids, soak_s, rate)
            row = {"backend": backend, "case": "memory", **memory}
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        for proc in (server, bare):
            proc.terminate()
            proc.wait(timeout=10)
    return rows


def postgres_admin_url() -> str | None:
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=2):
            return url
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None


def on_sqlite(args: argparse.Namespace) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="byline-bench-api-") as tmp:
        db, key_file = Path(tmp) / "bench.db", Path(tmp) / "keys.json"
        print("[sqlite] preparing ...", flush=True)
        began = time.perf_counter()
        label_programme.prepare_sqlite(db, key_file, args.disclosed, args.fresh)
        print(f"  ready in {time.perf_counter() - began:.0f} s", flush=True)
        return run("sqlite", f"sqlite:///{db}", key_file, args.seconds, args.soak, args.rounds)


def on_postgresql(args: argparse.Namespace) -> list[dict[str, object]]:
    admin = postgres_admin_url()
    if admin is None:
        return []
    import psycopg

    name = f"byline_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="byline-bench-api-") as tmp:
        key_file = Path(tmp) / "keys.json"
        print("[postgresql] preparing ...", flush=True)
        began = time.perf_counter()
        url = label_programme.prepare_postgresql(admin, name, key_file, args.disclosed, args.fresh)
        print(f"  ready in {time.perf_counter() - began:.0f} s", flush=True)
        try:
            return run("postgresql", url, key_file, args.seconds, args.soak, args.rounds)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(rows: list[dict[str, object]], disclosed: int) -> None:
    print(
        f"\n{disclosed:,} disclosed accounts, one lookup in {round(1 / DISCLOSED_SHARE)} of them"
        f" (the others from {ACCOUNTS:,}); latency at half the max rate; the server's CPU per"
        " request at the max"
    )
    print(
        f"{'backend':<11} {'case':<17} {'max req/s':>10} {'vs bare':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'vs bare':>8}"
    )
    bare = {r["backend"]: r for r in rows if r["case"] == "bare endpoint"}
    for r in rows:
        if r["case"] == "memory":
            continue
        base = bare[r["backend"]]
        ratio = float(r["max_rps"]) / float(base["max_rps"])  # type: ignore[arg-type]
        cpu_ratio = float(base["server_cpu_us"]) / float(r["server_cpu_us"])  # type: ignore[arg-type]
        print(
            f"{r['backend']:<11} {r['case']:<17} {r['max_rps']:>10.0f} {ratio:>7.0%} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['server_cpu_us']:>11.0f} {cpu_ratio:>7.0%}"
        )
    for r in rows:  # each round's ratio: to the bare endpoint's turn beside it
        if r["case"] in ("memory", "bare endpoint"):
            continue
        ratios = ", ".join(f"{rate / base:.0%}" for rate, base in r["rounds"])  # type: ignore[attr-defined]
        print(f"{r['backend']:<11} {r['case']:<17} vs bare, round by round: {ratios}")
    for r in rows:
        if r["case"] == "memory":
            print(
                f"{r['backend']:<11} memory over {r['seconds']:.0f} s of single lookups at"
                f" {r['rps']:.0f}/s: RSS {r['rss_start_mb']:.1f} MB at start,"
                f" {r['rss_middle_mb']:.1f} in the middle, {r['rss_end_mb']:.1f} at the end"
                f" (max {r['rss_max_mb']:.1f}); p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms,"
                f" {r['errors']} errors"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument(
        "--rounds", type=int, default=3, help="maximum rates measured in turn, the median kept"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--disclosed", type=int, default=20_000, help="disclosed accounts (Weibo: about 20,000)"
    )
    parser.add_argument(
        "--soak",
        type=float,
        default=0.0,
        help="then single lookups at half load for this "
        "many seconds, the server's RSS at start, middle and end (300: the memory run)",
    )
    parser.add_argument("--fresh", action="store_true", help="prepare the programme again")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            rows += on_sqlite(args)
        elif backend == "postgresql":
            rows += on_postgresql(args)
        else:
            parser.error(f"unknown backend {backend!r}")
    report(rows, args.disclosed)


if __name__ == "__main__":
    main()
