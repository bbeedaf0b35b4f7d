"""The console over a real app and database (SQLite and PostgreSQL), seeded like the API's
tests: a weibo, douyin and bilibili programme with disclosed, waiting and quiet accounts, and a
staff user of every role on each platform."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byline.api import ApiSettings, MemoryLimiter
from byline.service import Services
from byline.service.access import (
    Role,
    create_staff_user,
    issue_creator_token,
    register_creator_key,
)
from byline.service.programme import Programme
from byline.store import Database
from byline.web import create_app
from integration.api.conftest import NAMES, NOW, seed

__all__ = ["NAMES", "NOW", "PASSWORD", "Console", "csrf_of"]

PASSWORD = "correct horse battery"
STAFF_ROLES = (Role.ADMIN, Role.PLATFORM, Role.REVIEWER)
PLATFORMS = ("weibo", "douyin", "bilibili")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@dataclass
class Console:
    app: FastAPI
    programme: Programme
    creator_secret: dict[str, str]
    snapshot: Path
    _clients: list[TestClient]

    def client(self) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        self._clients.append(client)
        return client

    def staff(self, role: Role, platform: str = "weibo") -> TestClient:
        """A client signed in as the ``role`` user of ``platform``."""
        client = self.client()
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={
                "csrf": csrf_of(page.text),
                "username": username(role, platform),
                "password": PASSWORD,
            },
        )
        assert response.status_code == 303, response.text
        return client

    def creator_link(self, account_id: str, platform: str = "weibo") -> str:
        token = issue_creator_token(self.creator_secret[platform], platform, account_id, NOW)
        return f"/console/{platform}/enter?token={token}"

    def creator(self, account_id: str, platform: str = "weibo") -> TestClient:
        client = self.client()
        response = client.get(self.creator_link(account_id, platform))
        assert response.status_code == 303, response.text
        return client

    def post(
        self, client: TestClient, page_url: str, action: str, **fields: object
    ) -> httpx.Response:
        """Submit a form as a person would: read the CSRF token from ``page_url`` first."""
        page = client.get(page_url)
        assert page.status_code == 200, page.text
        return client.post(action, data={"csrf": csrf_of(page.text), **fields})


def username(role: Role, platform: str) -> str:
    return f"{platform}-{role.value}"


@pytest.fixture
def console(db: Database, tmp_path: Path) -> Iterator[Console]:
    programme, snapshot = seed(db, tmp_path)
    for platform in PLATFORMS:
        for role in STAFF_ROLES:
            create_staff_user(
                db, platform, username(role, platform), PASSWORD, role, actor="test", now=NOW
            )
    secrets = {p: register_creator_key(db, p, actor="test", now=NOW) for p in PLATFORMS}
    app = create_app(
        Services.of(programme.deps),
        ApiSettings(log_requests=False).model_copy(update={"snapshot_dir": tmp_path}),
        MemoryLimiter(),
    )
    world = Console(app, programme, secrets, snapshot, [])
    yield world
    for client in world._clients:
        client.close()
