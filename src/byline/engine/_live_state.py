"""Where a live counter starts: the accounts of a snapshot, the latest counts (a ``byline count``
output or the snapshot's own columns), or its own checkpoint; and the checkpoint itself.

A checkpoint is one ``.npz`` file: every counter, the newest ``seq`` per account, the position
in the source it has applied up to (and that entry's offset among every entry the source ever
held, where the source counts them: what says, at the next start, whether entries after it
were trimmed away), running totals, and a digest of the account ids (a
checkpoint is only ever read back over the same accounts). It is written to a temporary file,
flushed to disk and renamed over the previous one, so a crash leaves either the old checkpoint
or the new one whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from byline.domain.policy import Policy
from byline.engine._live import FOLLOWERS, LiveAccounts, LiveCounters
from byline.engine._settings import connect
from byline.engine._snapshot import SnapshotError, open_snapshot

COUNT_COLUMNS = ("followers", "effective_followers")  # counts.parquet's counters
CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint holds besides the counters: the position applied up to, its offset
    (None: not known), and totals."""

    position: str
    totals: dict[str, int]
    offset: int | None = None


def live_metrics(policy: Policy, counts: Path | None) -> tuple[str, ...]:
    """The counters a live counter keeps: ``followers``, the counts file's, the policy's, and
    under ``judge = "owner"`` the owner's values of the policy's (``owner_followers``)."""
    owner = policy.owner_metrics if policy.judges_owners else ()
    names = [FOLLOWERS, *(COUNT_COLUMNS if counts is not None else ()), *policy.metrics, *owner]
    return tuple(dict.fromkeys(names))


def load_live(
    snapshot: Path, policy: Policy, counts: Path | None = None
) -> tuple[LiveAccounts, dict[str, np.ndarray]]:
    """The snapshot's valid accounts (an id found twice is left out, as an evaluation rejects
    it) and their starting counts: from ``counts`` (a ``byline count`` output; an account it
    lacks has 0) for its columns, from the snapshot for every other metric. Under
    ``judge = "owner"`` the snapshot must link accounts to owners (``owner_ref``, and the
    owner's values: a linked row without them is left out, as an evaluation rejects it)."""
    metrics = live_metrics(policy, counts)
    from_counts = tuple(m for m in metrics if counts is not None and m in COUNT_COLUMNS)
    from_snapshot = tuple(m for m in metrics if m not in from_counts)
    owner = tuple(
        m
        for m in from_snapshot
        if policy.judges_owners and m in policy.owner_metrics and m not in policy.metrics
    )
    own = tuple(m for m in from_snapshot if m not in owner)
    table = _snapshot_rows(snapshot, own, owner)
    ids = table.column("account_id").to_pylist()
    linked = table.column("owner_ref").is_valid().to_pylist() if owner else None
    accounts = LiveAccounts.of(
        ids, table.column("kind").to_pylist(), table.column("category").to_pylist(), linked
    )
    values = {
        m: pc.fill_null(table.column(m), 0).to_numpy(zero_copy_only=False).astype(np.int64)
        for m in from_snapshot
    }
    if counts is not None:
        values.update(_counts_rows(counts, accounts, from_counts))
    return accounts, {m: values[m] for m in metrics}


def _snapshot_rows(path: Path, metrics: tuple[str, ...], owner: tuple[str, ...] = ()) -> pa.Table:
    """The valid rows of the snapshot, with ``owner_ref`` and the ``owner`` metrics (an owner
    value of an account without ``owner_ref`` read as null) when asked."""
    con = connect()
    try:
        texts = ("owner_ref",) if owner else ()
        try:
            snapshot = open_snapshot(con, path, metrics, None, texts, owner, bool(owner))
        except SnapshotError as exc:
            if not owner or "missing required column" not in str(exc):
                raise
            raise SnapshotError(
                f"{exc}; the policy judges linked accounts by their owner (judge = 'owner'), "
                f"so the accounts snapshot needs owner_ref and {', '.join(owner)} "
                "(byline count --owners --accounts fills them)"
            ) from None
        owned = "".join(f", CASE WHEN owner_ref IS NOT NULL THEN {m} END AS {m}" for m in owner)
        columns = ", ".join(("account_id", "kind", "category", *metrics, *texts)) + owned
        table = con.sql(
            f"SELECT {columns} FROM ({snapshot.values_sql()}) WHERE _good "
            "QUALIFY count(*) OVER (PARTITION BY account_id) = 1 ORDER BY _row"
        ).to_arrow_table()
    finally:
        con.close()
    if table.num_rows == 0:
        raise SnapshotError(f"{path}: no valid account to count")
    return table


def _counts_rows(
    path: Path, accounts: LiveAccounts, columns: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The counts file's columns, one value per account row (0 for an account it lacks)."""
    if not path.is_file():
        raise SnapshotError(f"{path}: no such counts file")
    try:
        table = pq.read_table(path, columns=["account_id", *columns])
    except (pa.ArrowInvalid, KeyError, OSError) as exc:
        raise SnapshotError(
            f"{path}: not a counts file with account_id, {', '.join(columns)}: {exc}"
        ) from None
    ids = pc.cast(table.column("account_id"), pa.string()).to_pylist()
    rows = accounts.rows(ids)
    known = rows >= 0
    out = {}
    for name in columns:
        column = table.column(name)
        if column.null_count or (len(column) and pc.min(column).as_py() < 0):
            raise SnapshotError(f"{path}: column {name}: a missing or negative count")
        array = np.zeros(len(accounts), np.int64)
        array[rows[known]] = column.to_numpy(zero_copy_only=False).astype(np.int64)[known]
        out[name] = array
    return out


def ids_digest(accounts: LiveAccounts) -> str:
    h = hashlib.sha256()
    for start in range(0, len(accounts), 1 << 16):
        h.update("\n".join(accounts.ids[start : start + (1 << 16)].tolist()).encode())
        h.update(b"\n")
    return h.hexdigest()


def save_checkpoint(
    path: Path,
    counters: LiveCounters,
    digest: str,
    position: str,
    totals: Mapping[str, int],
    offset: int | None = None,
) -> None:
    """Write the counters, the ``seq`` per account, ``position`` (at ``offset``) and
    ``totals`` atomically."""
    meta = {
        "version": CHECKPOINT_VERSION,
        "position": position,
        "offset": offset,
        "totals": dict(totals),
        "digest": digest,
        "metrics": list(counters.metrics),
    }
    arrays: dict[str, Any] = {f"m_{m}": v for m, v in counters.values.items()}
    arrays["seq"] = counters.seq
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_checkpoint(
    path: Path, accounts: LiveAccounts, digest: str, metrics: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], np.ndarray, Checkpoint]:
    """The counters, ``seq`` and position of the checkpoint at ``path``; ``ValueError`` when it
    was taken over other accounts or other counters."""
    with np.load(path) as data:
        meta = json.loads(data["meta"].tobytes().decode())
        if meta.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"{path}: a checkpoint of another version")
        if meta["digest"] != digest:
            raise ValueError(
                f"{path}: the checkpoint counts other accounts than this snapshot's; "
                "start it over the same accounts, or move the checkpoint away to start afresh"
            )
        if tuple(meta["metrics"]) != metrics:
            raise ValueError(
                f"{path}: the checkpoint keeps {', '.join(meta['metrics'])}, "
                f"this policy needs {', '.join(metrics)}"
            )
        values = {m: np.array(data[f"m_{m}"], np.int64) for m in metrics}
        seq = np.array(data["seq"], np.int64)
    if seq.shape != (len(accounts),):
        raise ValueError(f"{path}: the checkpoint has {seq.shape[0]} accounts, not {len(accounts)}")
    totals = {k: int(v) for k, v in meta["totals"].items()}
    offset = meta.get("offset")
    return (
        values,
        seq,
        Checkpoint(meta["position"], totals, None if offset is None else int(offset)),
    )


def new_seq(accounts: LiveAccounts) -> np.ndarray:
    """No ``seq`` applied yet for any account."""
    return np.full(len(accounts), np.iinfo(np.int64).min, np.int64)
