"""The programme bench/api.py loads: a Weibo-sized number of disclosed accounts (20,000 by
default), every one of them disclosed through the programme's own path.

A Weibo snapshot of 2M synthetic accounts has only a handful above the 500,000-follower floor,
so ``disclosed`` accounts of the covered categories are raised above it (a heavy tail: some
past the 1,000,000 tier), the rest of the snapshot left as drawn. One cycle as of the second
phase (22 Dec 2023) opens a case for each account above the floor; then each holder submits a
name with consent and a reviewer approves it, one service call each (``Programme.submit`` and
``Programme.approve``: the vault encrypts the name, the audit chain and the outbox record each
step), spread over a few processes where the database takes concurrent writers. Nothing is
written around the rules: the labels are live because the cases are disclosed.

That costs minutes (a cycle over 2M accounts, then 40,000 transactions), so a prepared
programme is kept under ``bench/.cache/api/`` (SQLite: a copy of the database file; PostgreSQL:
a template database) with its key file, named by the number of accounts and the schema's
newest migration; later runs start from a copy of it. ``--fresh`` prepares it again.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ACCOUNTS = 2_000_000  # in the synthetic snapshot
AS_OF = dt.date(2023, 12, 22)  # the 500,000 tier's phase starts: both tiers apply
FLOOR = 500_000
CACHE = Path(__file__).parent / ".cache" / "api"
PREPARATION = 1  # raise when the way a programme is prepared changes: older caches are unused
PLATFORM = "weibo"


def snapshot(disclosed: int) -> Path:
    """The 2M-account snapshot with ``disclosed`` accounts of covered categories above the
    floor (cached)."""
    from byline.policy import load_policy
    from byline.synth import write_snapshot

    out = CACHE / f"snapshot-{ACCOUNTS}-{disclosed}.parquet"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    drawn = write_snapshot(CACHE / f"synth-{ACCOUNTS}", PLATFORM, ACCOUNTS, 7)
    table = pq.read_table(drawn)
    covered = pa.array([c.value for c in load_policy(PLATFORM).scope.in_scope()])
    candidates = np.flatnonzero(
        pc.is_in(table.column("category"), value_set=covered).to_numpy(zero_copy_only=False)
    )
    rng = np.random.default_rng(7)
    chosen = rng.choice(candidates, disclosed, replace=False)
    followers = table.column("followers").to_numpy().copy()
    raised = (FLOOR * (1 + rng.pareto(1.5, disclosed))).astype(np.int64)
    followers[chosen] = np.maximum(followers[chosen], raised)
    table = table.set_column(
        table.schema.get_field_index("followers"), "followers", pa.array(followers)
    )
    partial = out.with_suffix(".partial")
    pq.write_table(table, partial)
    partial.replace(out)
    return out


def _disclose(db_url: str, key_file: Path, account_ids: list[str]) -> None:
    """Each holder submits a name with consent; a reviewer approves it (one worker's share)."""
    from byline.service.programme import Actor
    from byline.service.wiring import open_programme

    programme = open_programme(db_url, key_file=key_file)
    reviewer = Actor("reviewer:bench")
    for account in account_ids:
        creator = Actor(f"creator:{account}")
        name = f"Name {account[-6:]}"
        programme.submit(PLATFORM, account, name, consent=True, actor=creator)
        programme.approve(PLATFORM, account, actor=reviewer)
    programme.db.dispose()


def build(db_url: str, key_file: Path, disclosed: int, workers: int) -> None:
    """Prepare the programme in an empty database (``db_url``) through the service."""
    from byline.service.cycle import run_cycle
    from byline.service.wiring import open_programme

    snap = snapshot(disclosed)
    programme = open_programme(db_url, key_file=key_file)
    report = run_cycle(programme.db, snap, PLATFORM, AS_OF)
    ids = [c.account_id for c in programme.list_cases(PLATFORM, limit=disclosed + 1000)]
    programme.db.dispose()
    ids = sorted(ids)[:disclosed]
    print(f"  cycle: {report.evaluation['required']:,} required of {ACCOUNTS:,}", flush=True)
    shares = [ids[i::workers] for i in range(workers)]
    procs = [mp.Process(target=_disclose, args=(db_url, key_file, s)) for s in shares]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError("a worker disclosing accounts failed")


def disclosed_ids(db_url: str, key_file: Path) -> list[str]:
    """The accounts whose label is live (cases disclosed), as the service lists them."""
    from byline.domain.cases import CaseState
    from byline.service.wiring import open_programme

    programme = open_programme(db_url, key_file=key_file)
    found = programme.list_cases(PLATFORM, state=CaseState.DISCLOSED, limit=1_000_000)
    programme.db.dispose()
    return [c.account_id for c in found]


def _tag(disclosed: int) -> str:
    from byline.store.migrate import head_revision

    return f"{disclosed}-{head_revision()}-p{PREPARATION}"


def prepare_sqlite(db_path: Path, key_file: Path, disclosed: int, fresh: bool) -> None:
    """A prepared programme at ``db_path`` (a copy of the cached one)."""
    kept = CACHE / f"sqlite-{_tag(disclosed)}.db"
    kept_keys = kept.with_suffix(".keys.json")
    if fresh or not kept.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        build(f"sqlite:///{db_path}", key_file, disclosed, workers=1)  # one writer at a time
        _sqlite_copy(db_path, kept)
        shutil.copy(key_file, kept_keys)
    else:
        _sqlite_copy(kept, db_path)
        shutil.copy(kept_keys, key_file)


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def prepare_postgresql(
    admin_url: str, name: str, key_file: Path, disclosed: int, fresh: bool
) -> str:
    """A prepared programme in a new database ``name`` (a copy of the cached template); return
    its URL."""
    import psycopg

    tag = _tag(disclosed).replace("-", "_").lower()
    template = f"byline_bench_api_{tag}"
    kept_keys = CACHE / f"postgresql-{tag}.keys.json"
    base = admin_url.rsplit("/", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (template,)
        ).fetchone()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if fresh or exists is None or not kept_keys.exists():
            conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
            conn.execute(f'CREATE DATABASE "{template}"')
            build(f"{base}/{template}", key_file, disclosed, workers=2)
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copy(key_file, kept_keys)
        else:
            shutil.copy(kept_keys, key_file)
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{base}/{name}"
