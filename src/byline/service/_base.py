"""What every service is built with (``Deps``), who acts (``Actor``), and the clock.

Each service is a class built once, in the composition root, from one ``Deps``; front doors
call its methods and never reach the database, the vault, the clock or a secret themselves."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from byline.outbox import WebhookGuard
from byline.store import Database
from byline.vault import KeyProvider, Vault

Clock = Callable[[], dt.datetime]


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def epoch_units(clock: Clock, seconds: int) -> Callable[[], int]:
    """Whole units of ``seconds`` since the epoch by ``clock`` (minutes: 60, days: 86400), for
    hot paths: the wall clock is read directly (a tenth of the cost of an aware datetime),
    another clock through its datetime."""
    if clock is wall_clock:
        return lambda: int(time.time()) // seconds
    return lambda: int(clock().timestamp()) // seconds


@dataclass(frozen=True)
class Deps:
    """One database and its vault, the clock, the key provider (for rotation and seals),
    where webhooks may lead (default: public addresses only), and the snapshot folder."""

    db: Database
    vault: Vault
    clock: Clock = wall_clock
    keys: KeyProvider | None = None
    webhooks: WebhookGuard = field(default_factory=WebhookGuard)
    # where a platform's snapshots may be picked from by staff (None: no such folder)
    snapshot_dir: Path | None = None


@dataclass(frozen=True)
class Actor:
    """Who acts, and under which request (both land in the audit trail). ``admin``: the
    front door authorised an administrator, who may decide a case another reviewer took."""

    name: str
    request_id: str | None = None
    admin: bool = False


class Service:
    """A use-case area over ``Deps``; subclasses add the methods."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.db
        self.vault = deps.vault
        self.clock = deps.clock

    def now(self) -> dt.datetime:
        return self.clock()
