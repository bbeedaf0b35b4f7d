"""No name leaks (issue 12, finding 2): a programme driven through every door that takes text,
with names typed wherever a person could type one, and then every place data ends up scanned
for every name.

The names: an account's own name, Latin and Chinese; another account's name; a creator's name
typed in a note before it is on file (and submitted later); a Chinese name minus a character;
a full-width Latin variant; an organisation's name. Each note carries all of them. Each coded
reason field is also sent a name instead of a code, and the refusal must not repeat it.

The doors: the API (creator: submission, refusal, appeal, volunteering, withdrawal; reviewer:
rejection, appeal decision, bulk, name reveal, note reveal), the console (the creator's and the
reviewer's forms) and the command line (reject, refuse, appeal, decide-appeal, volunteer,
withdraw with --note-stdin; reveal, reveal-note).

The sinks: every row of every table (text, JSON and bytes columns); every log line any logger
wrote, at DEBUG; every webhook delivered to a receiver (body and headers); ``/metrics``; the
exports (case show, cases list, outbox list, enforcement, audit verify, displays read and
signals, all as JSON); the creator's and the reviewer's API reads (the creator's displays
among them, after the names shown were counted and written), the harvesting signals; the
console pages a creator, a reviewer and a
compliance lead see. By design, and asserted as such, not skipped: a label lookup shows a
disclosed account's name to an allowed viewer, and the name and note reveals (API, console and
command line) show what was asked for. Those responses are the only places a name is read.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import json
import logging
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from byline.api import ApiSettings, MemoryLimiter
from byline.cli import app as cli_app
from byline.domain.cases import CaseState
from byline.outbox import Dispatcher, HttpSink, WebhookReceiver
from byline.service import Services
from byline.service.access import (
    Role,
    create_api_key,
    create_staff_user,
    issue_creator_token,
    register_creator_key,
)
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.service.reviews import QueueView
from byline.service.webhooks_admin import register_endpoint
from byline.service.wiring import open_database
from byline.store import Database
from byline.store.migrate import full_metadata
from byline.vault import LocalKeyProvider, Vault
from byline.web import create_app
from integration.api.conftest import NOW, WEBHOOKS
from support.postgres import scratch_database

from factories import write_snapshot

OWN = "Zhang Wei"  # weibo/quiet's own name, submitted through the API
OWN_ZH = "王高飞"  # every platform's star: on file and disclosed
OTHER = "Liu Yang"  # the waiting accounts' name: another account's, in quiet's notes
NOT_YET = "Chen Jing"  # typed in a note on douyin before douyin/quiet submits it
PARTIAL = "王高"  # a Chinese name minus one character
FULL_WIDTH = "Ｚｈａｎｇ Ｗｅｉ"  # a full-width variant of OWN
ORG = "Example News Ltd."  # the organisations' name on file
VOLUNTEERED = "Wang Xiuying"  # weibo/small's name, volunteered and withdrawn
NAMES = (OWN, OWN_ZH, OTHER, NOT_YET, PARTIAL, FULL_WIDTH, ORG, VOLUNTEERED)
NOTE = "; ".join(f"this is {name}" for name in NAMES)  # every note names them all
PLATFORMS = ("weibo", "douyin", "bilibili")
ACCOUNTS = ("star", "org", "quiet", "waiting", "small")


def with_cases(platform: str) -> tuple[str, ...]:
    """The accounts with a case: small has one only where it volunteered (weibo)."""
    return ACCOUNTS if platform == "weibo" else ACCOUNTS[:-1]


PASSWORD = "correct horse battery"
SECRET = "whsec-leaks-0123456789abcdef"

runner = CliRunner()


# --- the scanner ------------------------------------------------------------------------------


def _forms(name: str) -> set[str]:
    """How a name could be written down: as itself, JSON-escaped, URL-encoded, HTML-escaped,
    lower-cased."""
    return {
        name,
        json.dumps(name)[1:-1],
        urllib.parse.quote(name),
        urllib.parse.quote_plus(name),
        html.escape(name),
        name.lower(),
    }


FORMS = {name: _forms(name) for name in NAMES}
BYTE_FORMS = {
    name: {f.encode() for f in forms} | {name.encode("utf-16-le")} for name, forms in FORMS.items()
}


def names_in(value: object) -> list[str]:
    """The names (any of their forms) found in ``value``: text, bytes, or JSON-like data."""
    if value is None or isinstance(value, bool | int | float | dt.datetime | dt.date):
        return []
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, bytes):
        found = [n for n, forms in BYTE_FORMS.items() if any(f in value for f in forms)]
        with contextlib.suppress(UnicodeDecodeError):  # text kept as bytes, base64 of a name
            found += names_in(value.decode())
        return sorted(set(found))
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    found = [n for n, forms in FORMS.items() if any(f in text for f in forms)]
    found += [n for n in NAMES if base64.b64encode(n.encode()).decode() in text]
    return sorted(set(found))


@dataclass
class Sinks:
    """Everything written anywhere, by where it was found."""

    items: list[tuple[str, object]] = field(default_factory=list)

    def add(self, where: str, value: object) -> None:
        self.items.append((where, value))

    def leaks(self) -> list[str]:
        """One line per place a name was found: where, and which names."""
        return [
            f"{where}: {', '.join(map(repr, found))}"
            for where, value in self.items
            if (found := names_in(value))
        ]


def test_the_scanner_finds_names_however_they_are_written() -> None:
    """The scan would see a leak: in text, escaped JSON, bytes, a URL, a JSON column."""
    for value in (
        f"rejected: {OWN}",
        json.dumps({"reason": OWN_ZH}),  # \\u738b...
        {"detail": {"reason": PARTIAL}},
        f"note={urllib.parse.quote(FULL_WIDTH)}",
        NOT_YET.encode(),
        memoryview(OTHER.encode("utf-16-le")),
        f"<p>{html.escape(ORG)}</p>",
        base64.b64encode(VOLUNTEERED.encode()).decode(),
    ):
        assert names_in(value), value
    assert names_in("name_mismatch, privacy, wrong_category") == []


# --- the world --------------------------------------------------------------------------------


class Lines(logging.Handler):
    """Every record any logger emits, formatted with its exception if any."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A real, committed database the command line can open too; one master key for all."""
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("BYLINE_MASTER_KEY", key)
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'byline.db'}"
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


@pytest.fixture
def logs() -> Iterator[list[str]]:
    root, handler = logging.getLogger(), Lines()
    byline = logging.getLogger("byline")
    levels = root.level, byline.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    byline.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        byline.setLevel(levels[1])


@dataclass
class World:
    db: Database
    url: str
    programme: Programme
    api: TestClient
    keys: dict[tuple[str, Role], str]
    creator_secret: dict[str, str]
    clients: list[TestClient]

    def key(self, role: Role, platform: str = "weibo") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(platform, role)]}"}

    def creator(self, account_id: str, platform: str = "weibo") -> dict[str, str]:
        token = issue_creator_token(self.creator_secret[platform], platform, account_id, NOW)
        return {"Authorization": f"Bearer {token}"}

    def browser(self) -> TestClient:
        client = TestClient(self.api.app, raise_server_exceptions=False, follow_redirects=False)
        self.clients.append(client)
        return client

    def staff(self, role: Role, platform: str) -> TestClient:
        client = self.browser()
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={
                "csrf": csrf_of(page.text),
                "username": f"{platform}-{role}",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 303, response.text
        return client

    def creator_browser(self, account_id: str, platform: str) -> TestClient:
        client = self.browser()
        token = issue_creator_token(self.creator_secret[platform], platform, account_id, NOW)
        assert client.get(f"/console/{platform}/enter?token={token}").status_code == 303
        return client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def submit_form(client: TestClient, page_url: str, action: str, **fields: object) -> httpx.Response:
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf": csrf_of(page.text), **fields})


@pytest.fixture
def world(db_url: str, tmp_path: Path, logs: list[str]) -> Iterator[World]:
    db = open_database(db_url)
    provider = LocalKeyProvider.from_env_value(os.environ["BYLINE_MASTER_KEY"])
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
    for platform in PLATFORMS:
        start = dt.date(2023, 10, 16) if platform == "weibo" else dt.date(2023, 11, 1)
        run_cycle(db, snapshot, platform, start)
    for platform in PLATFORMS:
        for account, name in (("star", OWN_ZH), ("org", ORG)):
            programme.submit(platform, account, name, consent=True, actor=Actor("creator"))
            programme.approve(platform, account, actor=Actor("reviewer:seed"))
        programme.submit(platform, "waiting", OTHER, consent=True, actor=Actor("creator"))
    keys = {
        (p, role): create_api_key(db, p, role, actor="test", now=NOW)
        for p in PLATFORMS
        for role in Role
    }
    for platform in PLATFORMS:
        for role in (Role.ADMIN, Role.PLATFORM, Role.REVIEWER):
            create_staff_user(
                db, platform, f"{platform}-{role}", PASSWORD, role, actor="test", now=NOW
            )
    secrets = {p: register_creator_key(db, p, actor="test", now=NOW) for p in PLATFORMS}
    app = create_app(
        Services.of(programme.deps),
        ApiSettings(log_requests=True, snapshot_dir=tmp_path),
        MemoryLimiter(),
    )
    api = TestClient(app, raise_server_exceptions=False)
    world = World(db, db_url, programme, api, keys, secrets, [api])
    try:
        yield world
    finally:
        for client in world.clients:
            client.close()
        db.dispose()


def cli(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(cli_app, list(args), input=stdin)
    return result.exit_code, result.stdout + result.stderr


# --- the doors --------------------------------------------------------------------------------


def refused_without_echo(response: httpx.Response, sinks: Sinks, where: str) -> None:
    """A name sent where a code belongs: refused (422), and the refusal does not repeat it."""
    assert response.status_code == 422, (where, response.status_code, response.text)
    assert names_in(response.text) == [], (where, response.text)
    sinks.add(where, response.text)


def drive_the_api(world: World, sinks: Sinks) -> dict[str, object]:
    """weibo: quiet appeals, is denied, submits its name, is rejected, refuses; waiting's name
    is read and it is rejected in bulk; small volunteers and withdraws. Returns what the by
    design reads answered."""
    c, base = world.api, "/v1/platforms/weibo"
    me, review = base + "/me", base + "/review/cases"
    quiet, reviewer = world.creator("quiet"), world.key(Role.REVIEWER)

    def ok(response: httpx.Response, where: str) -> Any:
        assert response.status_code in (200, 201), (where, response.text)
        sinks.add(f"API response {where}", response.text)
        return response.json()

    for name in (OWN, PARTIAL, FULL_WIDTH):
        for path, body in (
            ("/refusal", {"reason": name}),
            ("/appeal", {"reason": name}),
            ("/withdrawal", {"reason": name}),
        ):
            refused_without_echo(c.post(me + path, headers=quiet, json=body), sinks, path)
    ok(
        c.post(me + "/appeal", headers=quiet, json={"reason": "wrong_category", "note": NOTE}),
        "appeal",
    )
    for name in (OTHER, OWN_ZH):
        refused_without_echo(
            c.post(
                review + "/quiet/appeal-decision",
                headers=reviewer,
                json={"upheld": False, "reason": name, "note": NOTE},
            ),
            sinks,
            "appeal-decision",
        )
    ok(
        c.post(
            review + "/quiet/appeal-decision",
            headers=reviewer,
            json={"upheld": False, "reason": "category_confirmed", "note": NOTE},
        ),
        "appeal-decision",
    )
    ok(c.post(me + "/submission", headers=quiet, json={"name": OWN, "consent": True}), "submit")
    revealed = ok(
        c.post(
            review + "/quiet/name-reveal",
            headers=reviewer,
            json={"reason": "identity_check", "note": NOTE},
        ),
        "name-reveal",
    )
    sinks.items.pop()  # the reveal shows the name: by design, asserted by the caller
    refused_without_echo(
        c.post(review + "/quiet/name-reveal", headers=reviewer, json={"reason": OWN}),
        sinks,
        "name-reveal",
    )
    refused_without_echo(
        c.post(review + "/quiet/rejection", headers=reviewer, json={"reason": FULL_WIDTH}),
        sinks,
        "rejection",
    )
    ok(
        c.post(
            review + "/quiet/rejection",
            headers=reviewer,
            json={"reason": "name_mismatch", "note": NOTE},
        ),
        "rejection",
    )
    ok(c.post(me + "/refusal", headers=quiet, json={"reason": "privacy", "note": NOTE}), "refusal")
    refused_without_echo(
        c.post(
            base + "/review/bulk",
            headers=reviewer,
            json={"action": "reject", "account_ids": ["waiting"], "reason": OTHER},
        ),
        sinks,
        "bulk",
    )
    result = ok(
        c.post(
            base + "/review/bulk",
            headers=reviewer,
            json={"action": "reject", "account_ids": ["waiting"], "reason": "other", "note": NOTE},
        ),
        "bulk",
    )
    assert result["results"]["waiting"] == "done", result
    small = world.creator("small")
    ok(
        c.post(
            me + "/volunteer",
            headers=small,
            json={"name": VOLUNTEERED, "kind": "individual", "consent": True},
        ),
        "volunteer",
    )
    refused_without_echo(
        c.post(me + "/withdrawal", headers=small, json={"reason": VOLUNTEERED}), sinks, "withdraw"
    )
    ok(
        c.post(me + "/withdrawal", headers=small, json={"reason": "privacy", "note": NOTE}),
        "withdrawal",
    )
    note_id = note_ids(world, "weibo", "quiet")[0]
    refused_without_echo(
        c.post(
            review + "/quiet/note-reveal",
            headers=reviewer,
            json={"note_id": note_id, "reason": OWN_ZH},
        ),
        sinks,
        "note-reveal",
    )
    note = ok(
        c.post(
            review + "/quiet/note-reveal",
            headers=reviewer,
            json={"note_id": note_id, "reason": "complaint"},
        ),
        "note-reveal",
    )
    sinks.items.pop()  # the note reveal shows the note: by design, asserted by the caller
    labels = c.post(
        base + "/labels",
        headers=world.key(Role.LABEL),
        json={
            "viewer": {"id": "v1", "logged_in": True, "identity_verified": True, "flags": []},
            "account_ids": list(ACCOUNTS),
        },
    )
    assert labels.status_code == 200, labels.text
    return {"revealed": revealed, "note": note, "labels": labels.json()}


def note_ids(world: World, platform: str, account_id: str) -> list[str]:
    history = world.programme.show(platform, account_id).history
    found = [e.detail["note_id"] for e in history if (e.detail or {}).get("note_id")]
    assert found, history
    return found


def drive_the_console(world: World, sinks: Sinks) -> dict[str, str]:
    """douyin: quiet appeals (naming itself before its name is on file), is denied, submits,
    is read and rejected, reads a note, refuses; waiting is rejected in bulk."""
    p = "douyin"
    me, case = f"/console/{p}/me", f"/console/{p}/cases/quiet"
    quiet = world.creator_browser("quiet", p)
    reviewer = world.staff(Role.REVIEWER, p)

    def went(response: httpx.Response, client: TestClient, where: str, good: bool = True) -> None:
        assert response.status_code in (200, 303), (where, response.status_code, response.text)
        location = response.headers.get("location", "")
        if good:
            assert "error=" not in location, (where, location)
        sinks.add(f"console {where} redirect", location)
        sinks.add(f"console {where} response", response.text)
        if location:
            after = client.get(location)
            assert names_in(after.text) == [], (where, names_in(after.text))
            sinks.add(f"console {where} page after", after.text)

    def refused(response: httpx.Response, client: TestClient, where: str) -> None:
        assert "error=" in response.headers.get("location", ""), (where, response.text)
        went(response, client, where, good=False)

    for name in (NOT_YET, PARTIAL):
        refused(submit_form(quiet, me, me + "/appeal", reason=name, note=NOTE), quiet, "appeal")
        refused(submit_form(quiet, me, me + "/refuse", confirm="yes", reason=name), quiet, "refuse")
    went(submit_form(quiet, me, me + "/appeal", reason="wrong_count", note=NOTE), quiet, "appeal")
    refused(
        submit_form(reviewer, case, case + "/appeal-decision", decision="deny", reason=OWN),
        reviewer,
        "appeal-decision",
    )
    went(
        submit_form(
            reviewer,
            case,
            case + "/appeal-decision",
            decision="deny",
            reason="counts_confirmed",
            note=NOTE,
        ),
        reviewer,
        "appeal-decision",
    )
    went(submit_form(quiet, me, me + "/submit", name=NOT_YET, consent="yes"), quiet, "submit")
    refused(
        submit_form(reviewer, case, case + "/reveal", reason=NOT_YET, note=NOTE),
        reviewer,
        "reveal",
    )
    asked = submit_form(reviewer, case, case + "/reveal", reason="review", note=NOTE)
    assert asked.status_code == 303, asked.text  # then the case page reads it, once
    sinks.add("console reveal redirect", asked.headers["location"])
    revealed = reviewer.get(asked.headers["location"])
    assert revealed.status_code == 200, revealed.text  # shown: by design, asserted below
    refused(
        submit_form(reviewer, case, case + "/reject", reason=FULL_WIDTH, note=NOTE),
        reviewer,
        "reject",
    )
    went(
        submit_form(reviewer, case, case + "/reject", reason="not_a_real_name", note=NOTE),
        reviewer,
        "reject",
    )
    note_id = note_ids(world, p, "quiet")[0]
    refused(
        submit_form(reviewer, case, case + "/reveal-note", note_id=note_id, reason=OWN_ZH),
        reviewer,
        "reveal-note",
    )
    asked = submit_form(reviewer, case, case + "/reveal-note", note_id=note_id, reason="review")
    assert asked.status_code == 303, asked.text
    sinks.add("console reveal-note redirect", asked.headers["location"])
    shown_note = reviewer.get(asked.headers["location"])
    assert shown_note.status_code == 200, shown_note.text  # shown: by design
    went(
        submit_form(quiet, me, me + "/refuse", confirm="yes", reason="safety", note=NOTE),
        quiet,
        "refuse",
    )
    queue = f"/console/{p}/reviews"
    refused(
        submit_form(
            reviewer, queue, queue + "/bulk", decision="reject", account_id="waiting", reason=OTHER
        ),
        reviewer,
        "bulk",
    )
    bulk = submit_form(
        reviewer,
        queue,
        queue + "/bulk",
        decision="reject",
        account_id="waiting",
        reason="incomplete",
        note=NOTE,
    )
    assert bulk.status_code == 200 and 'data-testid="bulk-failed' not in bulk.text, bulk.text
    sinks.add("console bulk result", bulk.text)
    return {"revealed": revealed.text, "note": shown_note.text}


def drive_the_cli(world: World, sinks: Sinks) -> dict[str, str]:
    """bilibili: quiet appeals, is denied, submits, is read and rejected, refuses; weibo/small
    volunteers again and withdraws. Notes come on stdin."""
    db = ("--db", world.url)
    bili = (*db, "--platform", "bilibili")

    def ok(*args: str, stdin: str | None = None) -> str:
        code, out = cli(*args, stdin=stdin)
        assert code == 0, (args, out)
        sinks.add(f"CLI {' '.join(args[:2])}", out)
        return out

    def refused(*args: str) -> None:
        code, out = cli(*args)
        assert code == 2, (args, out)
        assert names_in(out) == [], (args, out)
        sinks.add(f"CLI {' '.join(args[:2])} refused", out)

    at = ("--at", "2023-10-25T10:00:00+00:00")
    for name in (OWN, OWN_ZH):
        refused("case", "appeal", "quiet", "--reason", name, *bili)
        refused("case", "refuse", "quiet", "--reason", name, *bili)
        refused("case", "reject", "quiet", "--reviewer", "ann", "--reason", name, *bili)
        refused("case", "reveal", "quiet", "--actor", "ann", "--reason", name, *bili)
    ok("case", "appeal", "quiet", "--reason", "other", "--note-stdin", *at, *bili, stdin=NOTE)
    ok(
        "case", "decide-appeal", "quiet", "--deny", "--reviewer", "ann",
        "--reason", "other", "--note-stdin", *at, *bili, stdin=NOTE,
    )  # fmt: skip
    ok("case", "submit", "quiet", "--consent", "--name-stdin", *at, *bili, stdin=FULL_WIDTH)
    code, shown = cli(
        "case", "reveal", "quiet", "--actor", "ann", "--reason", "review", "--note-stdin",
        *bili, stdin=NOTE,
    )  # fmt: skip
    assert code == 0, shown
    ok(
        "case", "reject", "quiet", "--reviewer", "ann", "--reason", "document_unreadable",
        "--note-stdin", *at, *bili, stdin=NOTE,
    )  # fmt: skip
    ok("case", "refuse", "quiet", "--reason", "disagree", "--note-stdin", *at, *bili, stdin=NOTE)
    note_id = note_ids(world, "bilibili", "quiet")[0]
    code, note = cli(
        "case", "reveal-note", "quiet", "--note-id", note_id, "--actor", "ann",
        "--reason", "legal_request", *bili,
    )  # fmt: skip
    assert code == 0, note
    weibo = (*db, "--platform", "weibo")
    ok("case", "volunteer", "small", "--name-stdin", *at, *weibo, stdin=VOLUNTEERED)
    refused("case", "withdraw", "small", "--reason", VOLUNTEERED, *weibo)
    ok("case", "withdraw", "small", "--reason", "safety", "--note-stdin", *at, *weibo, stdin=NOTE)
    return {"revealed": shown, "note": note}


# --- the sinks --------------------------------------------------------------------------------


def deliver_webhooks(world: World, sinks: Sinks) -> int:
    """Register a receiver for every topic of every platform, deliver everything, keep what
    it received (its bodies and headers)."""
    with WebhookReceiver(SECRET, clock=lambda: NOW) as receiver:
        for platform in PLATFORMS:
            register_endpoint(
                world.db,
                platform,
                receiver.url,
                SECRET,
                ["notice", "enforcement", "label", "audit"],
                actor="test",
                now=NOW,
                guard=WEBHOOKS,
            )
        with HttpSink(timeout_s=5) as sink:
            dispatcher = Dispatcher(world.db, sink, guard=WEBHOOKS)
            for _ in range(50):
                if not dispatcher.deliver_due(NOW).attempted:
                    break
        assert not receiver.rejected, receiver.rejected
        for received in receiver.received:
            sinks.add(f"webhook {received.topic} {received.message_id} body", received.message)
            sinks.add(f"webhook {received.topic} {received.message_id} headers", received.headers)
        return len(receiver.received)


def read_every_table(world: World, sinks: Sinks) -> int:
    rows = 0
    with world.db.engine.connect() as conn:
        for table in full_metadata().sorted_tables:
            for i, row in enumerate(conn.execute(select(table)).mappings()):
                rows += 1
                for column, value in row.items():
                    sinks.add(f"table {table.name} row {i} column {column}", value)
    return rows


def run_the_exports(world: World, sinks: Sinks) -> None:
    db = ("--db", world.url)
    for platform in PLATFORMS:
        on = (*db, "--platform", platform)
        for args in (
            ("cases", "list", "--limit", "1000"),
            ("outbox", "list", "--limit", "1000"),
            ("enforcement", "--changed-since", "0"),
            *(("case", "show", account) for account in with_cases(platform)),
        ):
            code, out = cli(*args, *on, "--json")
            assert code == 0, (args, out)
            json.loads(out)
            sinks.add(f"export {platform} {' '.join(args)}", out)
        for args in (
            ("displays", "read", "--account", "star", "--reason", "abuse_report", "--actor", "ann"),
            ("displays", "signals"),
        ):
            code, out = cli(*args, *on, "--json")
            assert code == 0, (args, out)
            sinks.add(f"export {platform} {' '.join(args)}", out)
    code, out = cli("audit", "verify", *db, "--json")
    assert code == 0, out
    sinks.add("export audit verify", out)
    # the programme's report in every format and language, and the statements of reasons
    with tempfile.TemporaryDirectory() as folder:
        for platform in PLATFORMS:
            for lang in ("en", "zh-CN"):
                code, out = cli(
                    "report",
                    *(*db, "--platform", platform, "--out", folder, "--lang", lang),
                    *("--from", "2023-10-01", "--to", NOW.date().isoformat()),
                    *("--statements", "--json"),
                )
                assert code == 0, out
                for path in json.loads(out)["files"]:
                    sinks.add(f"export report {platform} {lang} {Path(path).name}", _text_of(path))
        assert any(
            "statements-weibo" in where and '"puid"' in str(text) for where, text in sinks.items
        )


def _text_of(path: str) -> str:
    """A file as text: a PDF's extracted text, anything else as written."""
    if path.endswith(".pdf"):
        return "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return Path(path).read_text()


def read_the_pages(world: World, sinks: Sinks) -> None:
    """What a creator, a reviewer and a compliance lead see, and the API's reads."""
    for platform in PLATFORMS:
        reviewer = world.staff(Role.REVIEWER, platform)
        lead = world.staff(Role.PLATFORM, platform)
        admin = world.staff(Role.ADMIN, platform)
        report = f"/console/{platform}/report"
        pages = [(lead, f"/console/{platform}/dashboard"), (lead, report)]
        for fmt in ("json", "html"):
            pages.append((lead, f"{report}/download?from=2023-10-01&format={fmt}"))
        # the webhooks page, and its delivery log as it refreshes itself
        hooks = f"/console/{platform}/admin/webhooks"
        pages += [(admin, hooks), (admin, f"{hooks}/deliveries")]
        for chart in ("funnel", "tiers", "comply", "restrictions"):  # each trend's numbers
            pages.append((lead, f"/console/{platform}/dashboard/trends.csv?chart={chart}"))
        what_if = "snapshot=@cycle&variable=threshold&from=100000&to=3M&steps=5&by=tier"
        pages.append((lead, f"/console/{platform}/what-if?{what_if}"))
        for view in QueueView:
            pages.append((reviewer, f"/console/{platform}/reviews?state={view}"))
        for account in with_cases(platform):
            for who in (reviewer, lead, admin):
                pages.append((who, f"/console/{platform}/cases/{account}"))
        for account in ACCOUNTS:
            pages.append((world.creator_browser(account, platform), f"/console/{platform}/me"))
        for client, url in pages:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            sinks.add(f"console page {url}", response.text)
        api = world.api
        base = f"/v1/platforms/{platform}"
        for account in ACCOUNTS:
            for url, headers in (
                (f"{base}/me", world.creator(account, platform)),
                (f"{base}/me/enforcement", world.creator(account, platform)),
                (f"{base}/me/displays", world.creator(account, platform)),
                (f"{base}/me/statements", world.creator(account, platform)),
                (f"{base}/review/cases/{account}", world.key(Role.REVIEWER, platform)),
                (f"{base}/enforcement/{account}", world.key(Role.PLATFORM, platform)),
            ):
                response = api.get(url, headers=headers)
                assert response.status_code in (200, 404), (url, response.text)
                sinks.add(f"API {url}", response.text)
        for state in CaseState:
            url = f"{base}/review/queue?state={state}"
            response = api.get(url, headers=world.key(Role.REVIEWER, platform))
            assert response.status_code == 200, (url, response.text)
            sinks.add(f"API {url}", response.text)
        response = api.get(
            f"{base}/enforcement?since=0", headers=world.key(Role.PLATFORM, platform)
        )
        sinks.add("API enforcement feed", response.text)
        response = api.get(f"{base}/harvest-signals", headers=world.key(Role.PLATFORM, platform))
        assert response.status_code == 200, response.text
        sinks.add("API harvest signals", response.text)
    metrics = world.api.get("/metrics")
    assert metrics.status_code == 200
    sinks.add("/metrics", metrics.text)


# --- the test ---------------------------------------------------------------------------------


def test_no_name_is_written_anywhere_but_where_it_is_asked_for(
    world: World, logs: list[str]
) -> None:
    sinks = Sinks()
    api = drive_the_api(world, sinks)
    console = drive_the_console(world, sinks)
    command_line = drive_the_cli(world, sinks)

    # What each door did is on file: the codes, and a note id beside each.
    for platform in PLATFORMS:
        history = world.programme.show(platform, "quiet").history
        reasons = [e.detail.get("reason") for e in history if e.detail]
        assert len(note_ids(world, platform, "quiet")) >= 4, history
        assert {"wrong_category", "wrong_count", "other"} & set(reasons), reasons

    # By design: the label shows a disclosed name to an allowed viewer; each reveal shows what
    # it was asked for.
    labels = api["labels"]["labels"]  # type: ignore[index]
    assert labels["star"]["name"] == OWN_ZH and labels["org"]["name"] == ORG
    for account in ("quiet", "waiting", "small"):
        assert (labels[account] or {}).get("name") is None, labels[account]
    assert api["revealed"] == {"account_id": "quiet", "name": OWN}
    assert api["note"]["note"] == NOTE  # type: ignore[index]
    assert html.escape(NOT_YET) in console["revealed"]
    assert html.escape(NOTE) in console["note"]
    assert command_line["revealed"].strip() == FULL_WIDTH
    assert command_line["note"].strip().replace("\n", "") == NOTE

    # The names shown were counted as displays: written, and read back through every door.
    assert world.api.app.state.byline.services.displays.flush() > 0
    delivered = deliver_webhooks(world, sinks)
    assert delivered > 10
    run_the_exports(world, sinks)
    read_the_pages(world, sinks)
    rows = read_every_table(world, sinks)
    assert rows > 100
    assert any(name.startswith("table vault_notes") for name, _ in sinks.items)
    for i, line in enumerate(logs):
        sinks.add(f"log line {i}", line)
    assert any('"event": "request"' in line or '"event":"request"' in line for line in logs)

    leaks = sinks.leaks()
    assert not leaks, f"names found in {len(leaks)} places:\n" + "\n".join(leaks[:400])
