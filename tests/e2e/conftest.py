"""End-to-end tests in a real browser: Debian's headless Chromium driven by Playwright, against
the console served by uvicorn over a real SQLite database seeded with a running programme.

Chromium comes from the system (``BYLINE_CHROMIUM``, else ``chromium`` on the PATH); `.ci/run`
installs it. Without it these tests skip with the reason printed. Every page a test visits is
saved as a screenshot under ``test-artifacts/e2e/<test>/`` (``BYLINE_TEST_ARTIFACTS`` moves it).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from byline.api import ApiSettings, MemoryLimiter
from byline.service import Services
from byline.service.access import (
    Role,
    create_staff_user,
    issue_creator_token,
    register_creator_key,
)
from byline.service.programme import Programme
from byline.service.wiring import open_database
from byline.web import create_app
from integration.api.conftest import NOW, seed

PASSWORD = "correct horse battery"
PLATFORMS = ("weibo", "douyin", "bilibili")
ARTIFACTS = Path(os.environ.get("BYLINE_TEST_ARTIFACTS", "test-artifacts")) / "e2e"

playwright_api = pytest.importorskip("playwright.sync_api")


def chromium_path() -> str | None:
    return (
        os.environ.get("BYLINE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


_skip_reason: list[str] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per module. Not per session: Playwright's sync API keeps an asyncio loop
    marked as running on the main thread while it is open, which later tests would see."""
    path = chromium_path()
    if path is None:
        reason = "no chromium on this machine (apt-get install chromium, or set BYLINE_CHROMIUM)"
        _skip_reason.append(reason)
        pytest.skip(reason)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in dict.fromkeys(_skip_reason):
        terminalreporter.write_line(f"Browser tests skipped: {reason}", yellow=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """The console served on a port, with the programme behind it."""

    base: str
    programme: Programme
    creator_secret: dict[str, str]

    def creator_link(self, account_id: str, platform: str = "weibo") -> str:
        token = issue_creator_token(self.creator_secret[platform], platform, account_id, NOW)
        return f"{self.base}/console/{platform}/enter?token={token}"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    db = open_database(f"sqlite:///{tmp_path / 'byline.db'}")
    programme, _ = seed(db, tmp_path)
    for platform in PLATFORMS:
        for role in (Role.ADMIN, Role.PLATFORM, Role.REVIEWER):
            create_staff_user(
                db, platform, f"{platform}-{role.value}", PASSWORD, role, actor="test", now=NOW
            )
    secrets = {p: register_creator_key(db, p, actor="test", now=NOW) for p in PLATFORMS}
    app = create_app(
        Services.of(programme.deps),
        ApiSettings(log_requests=False, snapshot_dir=tmp_path),
        MemoryLimiter(),
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.02)
    try:
        yield Site(f"http://127.0.0.1:{port}", programme, secrets)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@dataclass
class Visit:
    """A browser tab that saves a screenshot of every page it shows."""

    page: object
    folder: Path
    base: str
    shots: list[Path] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.shots) + 1:02d}-{re.sub(r'[^a-z0-9-]+', '-', name)}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        self.shots.append(path)
        return path

    def goto(self, url: str, name: str) -> object:
        response = self.page.goto(url if url.startswith("http") else self.base + url)  # type: ignore[attr-defined]
        self.shot(name)
        return response

    def click(self, testid: str, name: str) -> None:
        with self.page.expect_navigation():  # type: ignore[attr-defined]
            self.page.get_by_test_id(testid).first.click()  # type: ignore[attr-defined]
        self.shot(name)

    def text(self, testid: str) -> str:
        return str(self.page.get_by_test_id(testid).first.inner_text())  # type: ignore[attr-defined]

    def count(self, testid: str) -> int:
        return int(self.page.get_by_test_id(testid).count())  # type: ignore[attr-defined]

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/console/login", "sign-in")
        self.page.fill("input[name=username]", username)  # type: ignore[attr-defined]
        self.page.fill("input[name=password]", password)  # type: ignore[attr-defined]
        with self.page.expect_navigation():  # type: ignore[attr-defined]
            self.page.click("button[type=submit]")  # type: ignore[attr-defined]
        self.shot("signed-in")


@pytest.fixture
def visit(browser: object, site: Site, request: pytest.FixtureRequest) -> Iterator[Visit]:
    yield from _visits(browser, site.base, request)


def _visits(browser: object, base: str, request: pytest.FixtureRequest) -> Iterator[Visit]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)
    try:
        yield Visit(page, ARTIFACTS / name, base)
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"
