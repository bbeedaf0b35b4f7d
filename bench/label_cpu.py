"""The label path's own CPU per request, without the network: the app ``byline serve`` runs
(``byline.web``) and the bare endpoint of bench/api.py, each called as ASGI in this process
with the requests bench/api.py sends (single lookups, the same feed mix), on the prepared
programme (bench/label_programme.py; SQLite).

Under ``byline serve`` each request also pays the server (parsing, two socket writes, the event
loop), the same for both apps; this leaves that out, so what the label path adds over the bare
endpoint shows alone, steadily enough to compare changes on a busy machine (each figure is the
best of several rounds). ``--profile`` then prints where the label path's time goes (cProfile:
its own overhead inflates every Python call, so read the order, not the times).

    python bench/label_cpu.py                 # us per request, bare and label
    python bench/label_cpu.py --profile       # and the profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import random
import tempfile
import time
from pathlib import Path

from starlette.types import ASGIApp, Message, Scope

import api
import label_programme

LIMITS_OFF = {  # as bench/api.py serves: throughput, not harvesting, is measured
    "BYLINE_VIEWER_LIMIT_PER_MINUTE": "100000000",
    "BYLINE_KEY_LIMIT_PER_MINUTE": "100000000",
    "BYLINE_KEY_NAME_BUDGET_PER_HOUR": "100000000",
    "BYLINE_VIEWER_NAME_BUDGET_PER_HOUR": "100000000",
}


def scope_of(path: str, body: bytes, key: str) -> Scope:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-length", str(len(body)).encode()),
        (b"authorization", f"Bearer {key}".encode()),
        (b"content-type", b"application/json"),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }


async def call(app: ASGIApp, path: str, body: bytes, key: str) -> None:
    """One request, as a server hands it over (the whole body at once)."""
    sent: list[Message] = []
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:  # the app waits for a disconnect only after its answer
            await asyncio.Event().wait()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope_of(path, body, key), receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"{path}: {sent[0]['status']} {sent[-1].get('body', b'')!r}")


async def calls(app: ASGIApp, path: str, bodies: list[bytes], key: str, n: int) -> float:
    """CPU seconds per request over ``n`` requests."""
    began = time.process_time()
    for i in range(n):
        await call(app, path, bodies[i % len(bodies)], key)
    return (time.process_time() - began) / n


async def measure(args: argparse.Namespace, db_url: str, key_file: Path) -> None:
    os.environ.update({"BYLINE_DB": db_url, "BYLINE_KEY_FILE": str(key_file), **LIMITS_OFF})
    import bare_app
    from byline import web

    ids = label_programme.disclosed_ids(db_url, key_file)
    key = api.label_key(db_url, key_file)
    app = web.app()
    for handler in logging.getLogger("byline").handlers:  # the lines are made, not shown
        handler.setStream(Path(os.devnull).open("w"))  # noqa: SIM115
    rng = random.Random(1)
    bodies = [api._body(ids, 1, rng) for _ in range(2000)]
    apps = {"bare endpoint": (bare_app.app, "/"), "labels, batch 1": (app, api.LABELS_PATH)}
    viewer = {"id": "warm", "logged_in": True, "identity_verified": True, "flags": []}
    every = [  # as bench/api.py warms the server: each disclosed account looked up once
        json.dumps({"viewer": viewer, "account_ids": ids[i : i + 100]}).encode()
        for i in range(0, len(ids), 100)
    ]
    await calls(app, api.LABELS_PATH, every, key, len(every))
    for target, path in apps.values():
        await calls(target, path, bodies, key, len(bodies))
    best = dict.fromkeys(apps, float("inf"))
    for _ in range(args.rounds):
        for name, (target, path) in apps.items():
            best[name] = min(best[name], await calls(target, path, bodies, key, args.requests))
    bare = best["bare endpoint"]
    for name, seconds in best.items():
        print(f"{name:<17} {seconds * 1e6:6.1f} us/request  {bare / seconds:5.0%} of bare's rate")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        await calls(app, api.LABELS_PATH, bodies, key, args.requests)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disclosed", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10, help="the best of this many")
    parser.add_argument("--requests", type=int, default=4000, help="per round")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="byline-bench-cpu-") as tmp:
        db, key_file = Path(tmp) / "bench.db", Path(tmp) / "keys.json"
        label_programme.prepare_sqlite(db, key_file, args.disclosed, fresh=False)
        import uvloop  # the loop byline serve runs on

        uvloop.run(measure(args, f"sqlite:///{db}", key_file))


if __name__ == "__main__":
    main()
