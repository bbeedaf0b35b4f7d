"""Production wiring: a database URL in, a ready ``Programme`` out (migrated, with its vault)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from byline.outbox import ALLOW_VARIABLE, AllowList, WebhookGuard
from byline.service._base import Clock, Deps, wall_clock
from byline.service.errors import NoDatabase
from byline.service.floor import Services
from byline.service.programme import Programme
from byline.store import Database, default_url, display_url, sqlite_file
from byline.store.migrate import revisions, upgrade
from byline.vault import (
    ENV_KEY_FILE,
    ENV_MASTER_KEY,
    KeyProvider,
    NoKeyRing,
    Vault,
    key_provider_from_env,
)


def default_key_file(db_url: str) -> Path:
    """Beside a SQLite database file (``byline.db`` -> ``byline.keys.json``), else in the
    working directory. ``BYLINE_MASTER_KEY`` or ``BYLINE_KEY_FILE`` take precedence."""
    file = sqlite_file(db_url)
    if file is not None:
        return file.with_suffix(".keys.json")
    return Path.cwd() / "byline.keys.json"


def open_database(
    db_url: str | None = None,
    *,
    migrate: bool = True,
    must_exist: bool = False,
    durable: bool = True,
) -> Database:
    url = db_url or default_url()
    file = sqlite_file(url)
    if must_exist and file is not None and not file.exists():
        raise NoDatabase(
            f"no database at {file}; run a cycle (or byline db upgrade) "
            "to create one, or check --db / BYLINE_DB"
        )
    db = Database.from_url(url, durable=durable)
    if must_exist and revisions(db.engine)[0] is None:
        db.dispose()
        raise NoDatabase(
            f"{display_url(url)} has no Byline tables; "
            "run byline db upgrade first, or check --db / BYLINE_DB"
        )
    if migrate:
        current, head = revisions(db.engine)
        if current != head:
            upgrade(db.engine)
    return db


def webhook_allow_list(environ: Mapping[str, str] | None = None, also: str = "") -> AllowList:
    """What webhooks may reach beyond public addresses: ``BYLINE_WEBHOOK_ALLOW``, else ``allow``
    in the ``[webhooks]`` table of the ``BYLINE_CONFIG`` file (a comma-separated string or a
    list), plus ``also``. ``ValueError`` names a bad entry."""
    env = os.environ if environ is None else environ
    entries: list[str] = []
    if env.get(ALLOW_VARIABLE):
        entries.append(env[ALLOW_VARIABLE])
    elif env.get("BYLINE_CONFIG"):
        with Path(env["BYLINE_CONFIG"]).open("rb") as f:
            configured = tomllib.load(f).get("webhooks", {}).get("allow", "")
        if isinstance(configured, str):
            entries.append(configured)
        elif isinstance(configured, list) and all(isinstance(e, str) for e in configured):
            entries.extend(configured)
        else:
            raise ValueError("[webhooks] allow: a comma-separated string or a list of strings")
    entries.append(also)
    return AllowList.parse(",".join(entries))


def webhook_guard(environ: Mapping[str, str] | None = None, also: str = "") -> WebhookGuard:
    """Where webhooks may go, as configured (``webhook_allow_list``), resolved by the system."""
    return WebhookGuard(webhook_allow_list(environ, also))


def open_programme(
    db_url: str | None = None,
    *,
    clock: Clock = wall_clock,
    key_file: Path | None = None,
    must_exist: bool = False,
    webhooks: WebhookGuard | None = None,
) -> Programme:
    """``webhooks``: where endpoints may lead; default as configured (``webhook_guard``)."""
    url = db_url or default_url()
    guard = webhooks or webhook_guard()
    db = open_database(url, must_exist=must_exist)
    try:
        provider = key_provider_from_env(key_file or default_key_file(url))
    except BaseException:
        db.dispose()  # a key ring that cannot be read leaves no connection behind
        raise
    return Programme(db, Vault(provider), clock, provider, guard)


def open_services(
    db_url: str | None = None,
    *,
    clock: Clock = wall_clock,
    key_file: Path | None = None,
    must_exist: bool = False,
    webhooks: WebhookGuard | None = None,
    snapshot_dir: Path | None = None,
    keys: bool = True,
    configured_webhooks: bool = True,
) -> Services:
    """The service floor over the database at ``db_url`` (migrated), with its vault.
    ``keys=False``: only key material already there (none is created); without any, the vault
    can neither decrypt nor seal (to read the audit chain or the outbox, say). With
    ``configured_webhooks=False`` too, ``BYLINE_WEBHOOK_ALLOW`` is not read (webhooks may lead
    to public addresses only): for commands that neither register nor deliver."""
    if not keys:
        # everything that can fail on configuration first: no connection is left behind
        guard = webhooks or (webhook_guard() if configured_webhooks else WebhookGuard())
        provider = existing_key_provider(db_url)
        vault = Vault(provider if provider is not None else NoKeyRing())
        db = open_database(db_url, must_exist=must_exist)
        return Services.of(Deps(db, vault, clock, provider, guard, snapshot_dir))
    programme = open_programme(
        db_url, clock=clock, key_file=key_file, must_exist=must_exist, webhooks=webhooks
    )
    return Services.of(replace(programme.deps, snapshot_dir=snapshot_dir))


def existing_key_provider(db_url: str | None = None) -> KeyProvider | None:
    """The key provider ``open_programme`` would use, without creating a key file: None when
    there is none (``BYLINE_MASTER_KEY``, ``BYLINE_KEY_FILE`` or the default file)."""
    path = default_key_file(db_url or default_url())
    if not (os.environ.get(ENV_MASTER_KEY) or os.environ.get(ENV_KEY_FILE) or path.exists()):
        return None
    return key_provider_from_env(path)


__all__ = [
    "Database",
    "NoDatabase",
    "default_key_file",
    "existing_key_provider",
    "open_database",
    "open_programme",
    "open_services",
    "webhook_allow_list",
    "webhook_guard",
]
