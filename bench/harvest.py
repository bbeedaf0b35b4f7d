"""Benchmark: how many disclosed names a scraper gets out of `byline serve`, against the budgets.

A scripted scraper holds N API keys and claims M viewer ids (a new one for every request when
M is large, the way a scraper dodges per-viewer limits); each request asks for 100 accounts:
disclosed ones it has not seen yet, padded with unknown ids. It runs for a few seconds (inside
one budget hour) against two servers over the same database, side by side in the same run:

- `budgets off`: the server as it was before name budgets (request limits only, set high),
  the baseline: how fast a scraper empties the platform;
- `budgets on`: the same server with the configured budgets per key and per viewer.

It prints names obtained, names per hour at that pace, and the ratio of names obtained to what
the budgets allow (N keys x key budget): at most 1.00 means the cap held, whatever M was.
Nothing is asserted.

    python bench/harvest.py                              # 3 scenarios, 6 s each
    python bench/harvest.py --keys 4 --viewers 100000 --key-budget 300 --seconds 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from api import BIN, free_port, wait_for  # the API benchmark's helpers

DISCLOSED = 2000


def prepare(db_url: str, root: Path, keys: int) -> tuple[list[str], list[str]]:
    """A programme with ``DISCLOSED`` disclosed accounts; ``keys`` label keys (the server's
    default budget each). Return the keys and the disclosed ids."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from byline.service.access import Role, create_api_key
    from byline.service.cycle import run_cycle
    from byline.service.programme import Actor
    from byline.service.wiring import open_programme

    ids = [f"weibo-{i:012d}" for i in range(DISCLOSED)]
    table = pa.table(
        {
            "account_id": ids,
            "kind": ["individual"] * DISCLOSED,
            "category": ["finance"] * DISCLOSED,
            "followers": [2_000_000] * DISCLOSED,
        }
    )
    pq.write_table(table, root / "accounts.parquet")
    programme = open_programme(db_url, key_file=root / "keys.json")
    run_cycle(programme.db, root / "accounts.parquet", "weibo", dt.date(2023, 12, 22))
    for account in ids:
        programme.submit("weibo", account, f"Name {account[-4:]}", consent=True, actor=Actor("b"))
        programme.approve("weibo", account, actor=Actor("bench"))
    now = dt.datetime.now(dt.UTC)
    made = [
        create_api_key(programme.db, "weibo", Role.LABEL, actor="bench", now=now)
        for _ in range(keys)
    ]
    programme.db.dispose()
    return made, ids


def serve(db_url: str, root: Path, port: int, key_budget: int, viewer_budget: int) -> Any:
    env = {
        **os.environ,
        "BYLINE_DB": db_url,
        "BYLINE_KEY_FILE": str(root / "keys.json"),
        "BYLINE_LOG_REQUESTS": "false",
        "BYLINE_VIEWER_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_LIMIT_PER_MINUTE": "100000000",
        "BYLINE_KEY_NAME_BUDGET_PER_HOUR": str(key_budget),
        "BYLINE_VIEWER_NAME_BUDGET_PER_HOUR": str(viewer_budget),
    }
    return subprocess.Popen(
        [str(BIN / "byline"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def scrape(
    port: int, keys: list[str], ids: list[str], viewers: int, seconds: float
) -> dict[str, float]:
    """Ask for every disclosed account, rotating keys and viewer ids: 100 ids a request, and
    half as many after each refusal (a scraper probing for what still passes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    got: set[str] = set()
    requests = refused = 0
    batch = 100
    started = time.perf_counter()
    while time.perf_counter() - started < seconds and len(got) < len(ids):
        wanted = [a for a in ids if a not in got][:batch]
        key = keys[requests % len(keys)]
        viewer = f"v-{requests % viewers}"
        body = json.dumps(
            {
                "viewer": {"id": viewer, "logged_in": True, "identity_verified": True},
                "account_ids": wanted,
            }
        )
        conn.request(
            "POST",
            "/v1/platforms/weibo/labels",
            body,
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
        requests += 1
        if response.status == 429:
            refused += 1
            batch = max(1, batch // 2)
            continue
        if response.status != 200:
            raise RuntimeError(f"unexpected {response.status}: {payload[:200]!r}")
        got |= {a for a, label in json.loads(payload)["labels"].items() if label}
    elapsed = time.perf_counter() - started
    conn.close()
    return {
        "names": len(got),
        "requests": requests,
        "refused": refused,
        "seconds": elapsed,
        "per_hour": len(got) * 3600 / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--key-budget", type=int, default=200, help="names per key per hour")
    parser.add_argument("--viewer-budget", type=int, default=20, help="names per viewer per hour")
    args = parser.parse_args()
    scenarios = [  # (keys, viewer ids): one viewer; a new viewer per request; several keys
        (1, 1),
        (1, 1_000_000),
        (3, 1_000_000),
    ]
    keys_needed = max(k for k, _ in scenarios) * (len(scenarios) + 1)
    with tempfile.TemporaryDirectory(prefix="byline-bench-harvest-") as tmp:
        root = Path(tmp)
        db_url = f"sqlite:///{root / 'byline.db'}"
        print(f"preparing {DISCLOSED:,} disclosed accounts ...", flush=True)
        keys, ids = prepare(db_url, root, keys_needed)
        off_port, on_port = free_port(), free_port()
        off = serve(db_url, root, off_port, 100_000_000, 100_000_000)
        on = serve(db_url, root, on_port, args.key_budget, args.viewer_budget)
        try:
            wait_for(off_port)
            wait_for(on_port)
            print(
                f"budgets on: {args.key_budget:,} names per key and {args.viewer_budget:,} per"
                f" viewer per hour; {args.seconds:g} s per scenario (within one budget hour)"
            )
            header = (
                f"{'keys':>4} {'viewer ids':>10} | {'off: names':>10} {'names/h':>11} |"
                f" {'on: names':>9} {'names/h':>9} {'refused':>7} | {'allowed':>7} {'ratio':>5}"
            )
            print(header)
            print("-" * len(header))
            for n_keys, viewers in scenarios:
                mine, keys = keys[:n_keys], keys[n_keys:]
                theirs, keys = keys[:n_keys], keys[n_keys:]
                base = scrape(off_port, mine, ids, viewers, args.seconds)
                capped = scrape(on_port, theirs, ids, viewers, args.seconds)
                allowed = n_keys * args.key_budget
                if viewers == 1:
                    allowed = min(allowed, args.viewer_budget)
                print(
                    f"{n_keys:>4} {viewers:>10,} | {base['names']:>10,} {base['per_hour']:>11,.0f}"
                    f" | {capped['names']:>9,} {capped['per_hour']:>9,.0f}"
                    f" {capped['refused']:>7,} | {allowed:>7,} {capped['names'] / allowed:>5.2f}"
                )
        finally:
            for proc in (off, on):
                proc.terminate()
                proc.wait()
    print("ratio = names obtained with budgets on / names the budgets allow (<= 1.00: held)")


if __name__ == "__main__":
    main()
