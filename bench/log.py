"""Benchmark: what the public log costs the programme, and what serving it costs.

1. Disclosure with and without the log, side by side, each in a fresh process on a fresh SQLite
   programme: one cycle over the 2M-account snapshot of bench/label_programme.py (``--disclosed``
   accounts raised above the floor, 10,000 by default), then each holder submits a name with
   consent and a reviewer approves it, one after another, timed. With the log, every approval
   that puts a label up also appends its entry (canonical JSON and leaf hash) in the same
   transaction; the baseline replaces the append with nothing. In Byline a cycle opens cases
   and a reviewer's approval discloses, so the approvals are where the log writes. The runs
   with and without alternate, ``--repeat`` times each, and the medians are compared (one pair
   of runs on a shared machine differs by 20% either way); the runs with the log also time
   their appends directly. The target: the log adds under 10%.
2. Serving, against ``byline serve`` on the programme with the log: requests per second of the
   signed checkpoint, an entry bundle tile, a hash tile, an inclusion proof and a page of 100
   entries, beside single label lookups on the same server, one keep-alive client each.

Nothing is asserted; it prints figures and ratios.

    python bench/log.py                     # 10,000 disclosures
    python bench/log.py --disclosed 2000 --repeat 1   # quicker
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import api
import label_programme
from label_programme import PLATFORM

BIN = Path(sys.executable).parent


def disclose(db_url: str, key_file: Path, disclosed: int, log: bool) -> dict[str, float]:
    """In this (fresh) process: a cycle, then ``disclosed`` submissions and approvals, timed."""
    from byline import translog
    from byline.service.cycle import run_cycle
    from byline.service.programme import Actor
    from byline.service.wiring import open_programme

    in_log = [0.0]  # seconds spent in the log's appends, measured directly
    if not log:
        translog.append = lambda *args, **kwargs: 0
    else:
        appending = translog.append

        def timed(*args: object, **kwargs: object) -> int:
            began = time.perf_counter()
            try:
                return appending(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                in_log[0] += time.perf_counter() - began

        translog.append = timed
    programme = open_programme(db_url, key_file=key_file)
    run_cycle(programme.db, label_programme.snapshot(disclosed), PLATFORM, label_programme.AS_OF)
    ids = sorted(c.account_id for c in programme.list_cases(PLATFORM, limit=disclosed + 1000))
    ids = ids[:disclosed]
    reviewer = Actor("reviewer:bench")
    started = time.perf_counter()
    for account in ids:
        programme.submit(PLATFORM, account, f"Name {account[-6:]}", consent=True, actor=reviewer)
        programme.approve(PLATFORM, account, actor=reviewer)
    seconds = time.perf_counter() - started
    with programme.db.reading() as conn:
        entries = translog.size(conn, PLATFORM)
    return {"seconds": seconds, "disclosed": len(ids), "entries": entries, "in_log": in_log[0]}


def run_disclosure(folder: Path, disclosed: int, log: bool, run: int = 0) -> dict[str, float]:
    db = folder / f"{'log' if log else 'nolog'}{run or ''}.db"
    key_file = folder / f"{db.stem}.keys.json"
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(db), "--disclosed", str(disclosed)]
        + ["--key-file", str(key_file)]
        + ([] if log else ["--no-log"]),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def rate(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> float:
    """Requests per second of one keep-alive client for a few seconds (after a warm-up)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(50):
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < 4:
        conn.request(method, path, body, headers)
        conn.getresponse().read()
        done += 1
    return done / (time.perf_counter() - started)


def serving(folder: Path, entries: int) -> None:
    db_url = f"sqlite:///{folder / 'log.db'}"
    key_file = folder / "log.keys.json"
    port = api.free_port()
    server = api.serve_byline(db_url, key_file, port)
    try:
        api.wait_for(port)
        ids = label_programme.disclosed_ids(db_url, key_file)
        auth = {"Authorization": f"Bearer {api.label_key(db_url, key_file)}"}
        auth["Content-Type"] = "application/json"
        viewer = {"id": "v", "logged_in": True, "identity_verified": True, "flags": []}
        body = json.dumps({"viewer": viewer, "account_ids": ids[:1]}).encode()
        label = rate(port, "POST", api.LABELS_PATH, body, auth)
        base = f"/log/{PLATFORM}"
        tile = "000" if entries >= 256 else f"000.p/{entries}"
        paths = {
            "checkpoint": f"{base}/checkpoint",
            "entry bundle": f"{base}/tile/entries/{tile}",
            "hash tile": f"{base}/tile/0/{tile}",
            "inclusion proof": f"{base}/proof/inclusion?index=7&size={entries}",
            "100 entries": f"{base}/entries?start=0&end=100",
        }
        print(f"  {'single label lookup':<22} {label:>9,.0f} req/s  (one client)")
        for name, path in paths.items():
            got = rate(port, "GET", path, None, {})
            print(f"  {name:<22} {got:>9,.0f} req/s  {got / label:6.2f}x the label's")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--disclosed", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs with and without, in turn")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-log", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--key-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = disclose(
            f"sqlite:///{args.worker}", args.key_file, args.disclosed, not args.no_log
        )
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="byline-bench-log-") as tmp:
        folder = Path(tmp)
        print(
            f"disclosing {args.disclosed:,} accounts one after another (SQLite), with and"
            f" without the log in turn, {args.repeat} times ...",
            flush=True,
        )
        runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for i in range(args.repeat):  # in turn, so that the machine's moods fall on both
            for log in (False, True):
                runs[log].append(run_disclosure(folder, args.disclosed, log, run=i))
        for log, name in ((False, "without the log"), (True, "with the log")):
            times = [r["seconds"] for r in runs[log]]
            per = statistics.median(times) / args.disclosed * 1e3
            print(
                f"  {name:<16} median {statistics.median(times):7.1f} s ({per:.2f} ms per"
                f" disclosure; runs: {', '.join(f'{t:.1f}' for t in times)})"
            )
        with_log = runs[True][0]
        added = (
            statistics.median(r["seconds"] for r in runs[True])
            / statistics.median(r["seconds"] for r in runs[False])
            - 1
        )
        share = statistics.median(r["in_log"] / r["seconds"] for r in runs[True])
        per_entry = statistics.median(r["in_log"] / r["entries"] for r in runs[True]) * 1e3
        print(f"  the log adds {added:+.1%} by the medians (target: under +10%)")
        print(
            f"  measured inside the runs with the log: appending took {share:.1%} of their time"
            f" ({per_entry:.2f} ms per entry, {int(with_log['entries']):,} entries)"
        )
        print("serving the log beside the label, one keep-alive client each:", flush=True)
        serving(folder, int(with_log["entries"]))


if __name__ == "__main__":
    main()
