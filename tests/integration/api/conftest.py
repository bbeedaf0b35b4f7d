"""A real app over a real database (SQLite and PostgreSQL), seeded with a running programme."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byline.api import ApiSettings, MemoryLimiter
from byline.outbox import AllowList, StaticResolver, WebhookGuard
from byline.service import Services
from byline.service.access import Role, create_api_key, issue_creator_token, register_creator_key
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database
from byline.vault import LocalKeyProvider, Vault
from byline.web import create_app

from factories import write_snapshot

NOW = dt.datetime(2023, 10, 25, 9, 0, tzinfo=dt.UTC)
NAMES = {"star": "王高飞", "org": "Example News Ltd."}
# Where the tests' webhooks may go: the receivers on loopback (allowed, as an operator would),
# and a few example hosts, answered by a resolver the tests control as if they were public.
PUBLIC = "93.184.216.34"
WEBHOOKS = WebhookGuard(
    AllowList.parse("127.0.0.1"),
    StaticResolver(
        {
            **{h: [PUBLIC] for h in ("hooks.example", "x.example", "platform.example")},
            "internal.example": ["192.168.1.10"],  # a name that leads inside the network
        }
    ),
)


def call_app(
    app: FastAPI,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    messages: list[dict[str, object]],
) -> list[dict[str, object]]:
    """Drive ``app`` as a server would, for what a test client cannot send or receive (latin-1
    headers, a client that leaves mid-body): ``messages`` are what the client sends, in order
    (then a disconnect); the return value is everything the app sent."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


@dataclass
class World:
    app: FastAPI
    client: TestClient
    programme: Programme
    keys: dict[tuple[str, str], str]  # (platform, role) -> key
    creator_secret: dict[str, str]
    snapshot: Path

    def key(self, role: str, platform: str = "weibo") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(platform, role)]}"}

    def creator(
        self,
        account_id: str,
        platform: str = "weibo",
        lifetime: dt.timedelta = dt.timedelta(minutes=10),
    ) -> dict[str, str]:
        token = issue_creator_token(
            self.creator_secret[platform], platform, account_id, NOW, lifetime
        )
        return {"Authorization": f"Bearer {token}"}


def seed(db: Database, tmp_path: Path) -> tuple[Programme, Path]:
    provider = LocalKeyProvider.ephemeral()
    programme = Programme(db, Vault(provider), lambda: NOW, provider, WEBHOOKS)
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000},
        {
            "account_id": "org",
            "kind": "organization",
            "category": "current_affairs",
            "followers": 1_500_000,
        },
        {"account_id": "quiet", "kind": "individual", "category": "law", "followers": 1_200_000},
        {"account_id": "waiting", "kind": "individual", "category": "law", "followers": 1_100_000},
        {"account_id": "small", "kind": "individual", "category": "law", "followers": 1_000},
    ]
    snapshot = write_snapshot(tmp_path / "snapshot.parquet", rows)
    for platform in ("weibo", "douyin", "bilibili"):
        run_cycle(
            db,
            snapshot,
            platform,
            dt.date(2023, 10, 16) if platform == "weibo" else dt.date(2023, 11, 1),
        )
    for platform in ("weibo", "douyin", "bilibili"):
        for account in ("star", "org"):
            programme.submit(
                platform, account, NAMES[account], consent=True, actor=Actor("creator")
            )
            programme.approve(platform, account, actor=Actor("reviewer:seed"))
        programme.submit(platform, "waiting", "Liu Yang", consent=True, actor=Actor("creator"))
    return programme, snapshot


@pytest.fixture
def world_factory(db: Database, tmp_path: Path) -> Iterator[object]:
    clients: list[TestClient] = []

    def make(settings: ApiSettings | None = None, limiter: object = None) -> World:
        programme, snapshot = seed(db, tmp_path)
        for platform in ("weibo", "douyin", "bilibili"):  # each platform's own snapshot folder
            (tmp_path / platform).mkdir(exist_ok=True)
            shutil.copyfile(snapshot, tmp_path / platform / snapshot.name)
        keys = {}
        for platform in ("weibo", "douyin", "bilibili"):
            for role in Role:
                keys[(platform, role.value)] = create_api_key(
                    db, platform, role, actor="test", now=NOW
                )
        secrets = {
            p: register_creator_key(db, p, actor="test", now=NOW)
            for p in ("weibo", "douyin", "bilibili")
        }
        app = create_app(
            Services.of(programme.deps),
            (settings or ApiSettings(log_requests=False)).model_copy(
                update={"snapshot_dir": tmp_path}
            ),
            limiter or MemoryLimiter(),
        )  # type: ignore[arg-type]
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return World(app, client, programme, keys, secrets, snapshot)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def world(world_factory: object) -> World:
    return world_factory()  # type: ignore[operator, no-any-return]
