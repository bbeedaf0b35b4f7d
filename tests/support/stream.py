"""For the stream consumer's tests: a programme on a SQLite file under a policy of small
thresholds (50 and 100 followers, so a follow graph of a few thousand edges crosses them), its
accounts snapshot, and how to start the consumer as a process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from byline.service import Services, open_services

from factories import write_snapshot

PRESET = Path(__file__).parents[2] / "src" / "byline" / "policy" / "presets" / "weibo.toml"
AS_OF = dt.date(2024, 1, 10)
FLOOR, TOP = 50, 100
N_ACCOUNTS = 40


@dataclass
class World:
    floor: Services
    db_url: str
    redis_url: str
    stream: str
    snapshot: Path
    ids: list[str]
    followers: np.ndarray
    kinds: list[str]
    categories: list[str]
    tmp: Path

    @property
    def checkpoint(self) -> Path:
        return self.tmp / "stream.ckpt.npz"

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "byline.cli",
            "stream",
            "run",
            "--platform",
            "weibo",
            "--stream",
            self.stream,
            "--redis",
            self.redis_url,
            "--db",
            self.db_url,
            "--checkpoint",
            str(self.checkpoint),
            *extra,
        ]

    @property
    def log(self) -> Path:
        return self.tmp / "consumer.log"

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        """The consumer as a process of its own, its log lines appended to ``log``."""
        with self.log.open("ab") as log:
            return subprocess.Popen(
                self.command(*extra),
                stdout=subprocess.DEVNULL,
                stderr=log,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )


def small_policy(tmp: Path) -> Path:
    text = PRESET.read_text().replace("1000000", str(TOP)).replace("500000", str(FLOOR))
    path = tmp / "weibo-small.toml"
    path.write_text(text)
    return path


def make_world(tmp_path: Path, redis_url: str, stream: str) -> World:
    rng = np.random.default_rng(11)
    followers = np.concatenate(
        [rng.integers(30, 120, N_ACCOUNTS - 6), [0, 0, 1, 2, 49, 99]]
    ).astype(np.int64)
    ids = [f"acct-{i:03d}" for i in range(N_ACCOUNTS)]
    kinds = ["organization" if i % 7 == 6 else "individual" for i in range(N_ACCOUNTS)]
    categories = ["daily_life" if i % 9 == 8 else "finance" for i in range(N_ACCOUNTS)]
    rows = [
        {"account_id": a, "kind": k, "category": c, "followers": int(f)}
        for a, k, c, f in zip(ids, kinds, categories, followers, strict=True)
    ]
    snapshot = write_snapshot(tmp_path / "accounts.parquet", rows)
    db_url = f"sqlite:///{tmp_path / 'byline.db'}"
    floor = open_services(db_url)
    floor.cycles.run(snapshot, small_policy(tmp_path), AS_OF)
    return World(
        floor, db_url, redis_url, stream, snapshot, ids, followers, kinds, categories, tmp_path
    )
