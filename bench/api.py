"""Benchmark: label lookups per second and latency against `byline serve`, side by side with a
bare Starlette endpoint returning a constant on the same server stack (uvicorn, one worker).

The load comes from separate processes (keep-alive HTTP/1.1 connections over plain sockets,
requests made ahead, so that the clients take as little of the machine as they can; the bare
endpoint gets the same requests as the single lookups):
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


def serve_byline(db_url: str, root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BYLINE_DB": db_url,
        "BYLINE_KEY_FILE": str(root / "keys.json"),
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
                ("bare endpoint", bare, bare_port, "/", auth, 1),  # the same requests as batch 1
                ("labels, batch 1", server, port, path, auth, 1),
                ("labels, batch 20", server, port, path, auth, 20),
            ]
            for label, proc, p, route, headers, batch in cases:
                load(p, route, headers, ids, batch, 1.0, connections)  # warm up
                cpu_before = cpu_seconds(proc.pid)
                peak = load(p, route, headers, ids, batch, seconds, connections)
                cpu_used = cpu_seconds(proc.pid) - cpu_before
                half = load(
                    p, route, headers, ids, batch, seconds, connections, rate=peak["rps"] / 2
                )
                row = {
                    "backend": backend,
                    "case": label,
                    "max_rps": peak["rps"],
                    "server_cpu_us": 1e6 * cpu_used / max(peak["requests"], 1),
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
        f"{'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'vs bare':>8}"
        "  (latency at half the max rate; the server's CPU per request at the max)"
    )
    bare = {r["backend"]: r for r in rows if r["case"] == "bare endpoint"}
    for r in rows:
        base = bare[r["backend"]]
        ratio = float(r["max_rps"]) / float(base["max_rps"])  # type: ignore[arg-type]
        cpu_ratio = float(base["server_cpu_us"]) / float(r["server_cpu_us"])  # type: ignore[arg-type]
        print(
            f"{r['backend']:<11} {r['case']:<17} {r['max_rps']:>10.0f} {ratio:>7.0%} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['server_cpu_us']:>11.0f} {cpu_ratio:>7.0%}"
        )


if __name__ == "__main__":
    main()
