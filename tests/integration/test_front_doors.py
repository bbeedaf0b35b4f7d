"""Front-door parity (issue 13): every action that more than one door offers is run through each
door (the API, the console, the command line) on the same starting state, and leaves the same
cases, the same audit entries (action, actor, reason) and the same outbox messages; the same
refusals come back from each door with the same code.

The starting state is built once (a cycle on today's date, names submitted, an appeal, a
voluntary disclosure, a case another reviewer has taken) in a SQLite file with its key file;
each run works on its own copy of both. Who acts differs by door (an API key, a console user,
the name given on the command line): each door's actor is written ``<actor>`` before comparing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from byline import audit
from byline.access import issue_creator_token
from byline.api import ApiSettings, MemoryLimiter
from byline.cli import app as cli_app
from byline.domain.vocabulary import AccountKind, AppealReason
from byline.outbox import WebhookGuard
from byline.outbox import _tables as outbox_tables
from byline.policy import read_policy_source
from byline.service import Actor, NoCase, Role, Services, open_services
from byline.web import create_app

from factories import write_snapshot

TODAY = dt.datetime.now(dt.UTC).date()
PLATFORM = "weibo"
PASSWORD = "correct horse battery"
OTHER = "weibo-other"  # the reviewer who has taken "held"
HOOK = "https://93.184.216.34/hooks/byline"  # a public address: no name to resolve
ACCOUNTS = {
    "sub": 1_500_000,  # a name waits for review
    "app": 1_400_000,  # appealed
    "held": 1_300_000,  # a name waits, and another reviewer has taken the case
    "fresh": 1_200_000,  # notified: its holder acts
    "bulk1": 1_150_000,
    "bulk2": 1_100_000,
    "small": 1_000,  # below the floor: may volunteer
    "vol": 2_000,  # volunteered and disclosed: may withdraw
}
NAME = "Zhao Min"
# how a door lets its user in is the door's own: not part of an action's effects
SIGNING_IN = {"staff:signed_in"}


# --- the starting state ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Start:
    folder: Path
    creator_secret: str
    keys: dict[str, str]  # role -> API key
    key_names: dict[str, str]  # role -> the key's actor name in the audit trail

    def copy(self, to: Path) -> Path:
        to.mkdir(parents=True)
        for name in ("byline.db", "byline.keys.json"):
            shutil.copy2(self.folder / name, to / name)
        (to / PLATFORM).mkdir()
        shutil.copy2(self.folder / PLATFORM / "snapshot.parquet", to / PLATFORM)
        return to


def _url(folder: Path) -> str:
    return f"sqlite:///{folder / 'byline.db'}"


def _open(folder: Path) -> Services:
    return open_services(
        _url(folder),
        key_file=folder / "byline.keys.json",
        webhooks=WebhookGuard(),
        snapshot_dir=folder,
    )


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Start:
    folder = tmp_path_factory.mktemp("start")
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": n}
        for a, n in ACCOUNTS.items()
    ]
    (folder / PLATFORM).mkdir()
    snapshot = write_snapshot(folder / PLATFORM / "snapshot.parquet", rows)
    floor = _open(folder)
    try:
        floor.cycles.run(snapshot, PLATFORM, TODAY)
        holder = Actor("creator")
        for account in ("sub", "held", "bulk1", "bulk2"):
            floor.creators.submit(PLATFORM, account, NAME, consent=True, actor=holder)
        floor.creators.appeal(PLATFORM, "app", AppealReason.WRONG_CATEGORY, actor=holder)
        floor.creators.volunteer(PLATFORM, "vol", NAME, AccountKind.INDIVIDUAL, actor=holder)
        floor.reviews.approve(PLATFORM, "vol", actor=Actor("staff:seed"))
        floor.reviews.take(PLATFORM, "held", actor=Actor(f"staff:{OTHER}"))
        access = floor.access
        for username, role in (
            ("weibo-reviewer", Role.REVIEWER),
            ("weibo-admin", Role.ADMIN),
            (OTHER, Role.REVIEWER),
        ):
            access.create_staff_user(PLATFORM, username, role, actor="seed", password=PASSWORD)
        keys = {
            role: access.create_api_key(PLATFORM, Role(role), actor="seed")
            for role in ("reviewer", "admin", "platform")
        }
        secret = access.register_creator_key(PLATFORM, actor="seed")
    finally:
        floor.close()
    names = {role: f"key:{key.split('.')[0]}" for role, key in keys.items()}
    return Start(folder, secret, keys, names)


# --- what an action leaves behind --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Outcome:
    refusal: str | None  # the refusal's code, None when the action was done
    cases: dict[str, tuple[Any, ...]]
    audit: list[tuple[str, str, str | None]]
    outbox: list[tuple[str, str | None, str]]
    holders: dict[str, str | None]


def outcome(folder: Path, head: int, actors: set[str], refusal: str | None) -> Outcome:
    floor = _open(folder)
    try:
        cases = {}
        for account in ACCOUNTS:
            try:
                view = floor.cases.show(PLATFORM, account)
            except NoCase:
                cases[account] = ()
                continue
            cases[account] = (
                view.state,
                view.name_pending,
                view.name_on_file,
                tuple(r.restriction.value for r in view.restrictions),
            )
        holders = {a: floor.reviews.holder(PLATFORM, a) for a in ACCOUNTS}
        with floor.deps.db.reading() as conn:
            entries = [e for e in audit.entries_for(conn) if e["seq"] > head]
            messages = conn.execute(
                select(
                    outbox_tables.outbox.c.topic,
                    outbox_tables.outbox.c.account_id,
                    outbox_tables.outbox.c.payload,
                )
                .where(outbox_tables.outbox.c.seq > _outbox_head(folder))
                .order_by(outbox_tables.outbox.c.seq)
            ).all()
    finally:
        floor.close()

    def who(actor: str) -> str:
        return "<actor>" if actor in actors else actor

    return Outcome(
        refusal,
        cases,
        [
            (e["action"], who(e["actor"]), (e["detail"] or {}).get("reason"))
            for e in entries
            if e["action"] not in SIGNING_IN
        ],
        [(m.topic, m.account_id, _event(m.payload)) for m in messages],
        {a: (who(h) if h else None) for a, h in holders.items()},
    )


_OUTBOX_HEADS: dict[Path, int] = {}


def _outbox_head(folder: Path) -> int:
    return _OUTBOX_HEADS[folder]


def _event(payload: Any) -> str:
    data = payload if isinstance(payload, dict) else json.loads(payload)
    return str(data.get("event") or data.get("type") or data.get("action") or "")


def heads(folder: Path) -> tuple[int, int]:
    floor = _open(folder)
    try:
        with floor.deps.db.reading() as conn:
            seq = audit.head(conn)[0]
            rows = conn.execute(select(outbox_tables.outbox.c.seq)).scalars().all()
    finally:
        floor.close()
    return seq, max(rows, default=0)


# --- the doors ----------------------------------------------------------------------------------


class Door:
    name = ""

    def __init__(self, start: Start, folder: Path) -> None:
        self.start, self.folder = start, folder

    def actors(self) -> set[str]:
        raise NotImplementedError

    def close(self) -> None:
        return None


class Api(Door):
    name = "api"

    def __init__(self, start: Start, folder: Path) -> None:
        super().__init__(start, folder)
        settings = ApiSettings(log_requests=False, snapshot_dir=folder)
        self.services = _open(folder)
        self.client = TestClient(
            create_app(self.services, settings, MemoryLimiter()), raise_server_exceptions=False
        )

    def actors(self) -> set[str]:
        return {*self.start.key_names.values(), *(f"creator:{a}" for a in ACCOUNTS)}

    def call(self, method: str, path: str, as_role: str, **body: Any) -> str | None:
        headers = {"Authorization": f"Bearer {self.start.keys[as_role]}"}
        url = f"/v1/platforms/{PLATFORM}{path}"
        response = self.client.request(method, url, headers=headers, json=body or None)
        return self._refusal(response)

    def creator(self, account: str, method: str, path: str, **body: Any) -> str | None:
        token = issue_creator_token(
            self.start.creator_secret, PLATFORM, account, dt.datetime.now(dt.UTC)
        )
        response = self.client.request(
            method,
            f"/v1/platforms/{PLATFORM}/me{path}",
            headers={"Authorization": f"Bearer {token}"},
            json=body or None,
        )
        return self._refusal(response)

    @staticmethod
    def _refusal(response: Any) -> str | None:
        if response.status_code < 300:
            body = response.json()
            refused = body.get("refused") if isinstance(body, dict) else None
            return ",".join(sorted(r["code"] for r in refused)) if refused else None
        problem = response.json()
        assert "code" in problem, (response.status_code, response.text)
        return str(problem["code"])

    def close(self) -> None:
        self.client.close()
        self.services.close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Console(Door):
    name = "console"

    def __init__(self, start: Start, folder: Path) -> None:
        super().__init__(start, folder)
        settings = ApiSettings(log_requests=False, snapshot_dir=folder)
        self.services = _open(folder)
        self.app = create_app(self.services, settings, MemoryLimiter())
        self.clients: list[TestClient] = []

    def actors(self) -> set[str]:
        staff = {"staff:weibo-reviewer", "staff:weibo-admin"}
        return staff | {f"creator:{a}" for a in ACCOUNTS}

    def _client(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        return client

    def staff(self, username: str) -> TestClient:
        client = self._client()
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={"csrf": _csrf(page.text), "username": username, "password": PASSWORD},
        )
        assert response.status_code == 303, response.text
        return client

    def creator_client(self, account: str) -> TestClient:
        token = issue_creator_token(
            self.start.creator_secret, PLATFORM, account, dt.datetime.now(dt.UTC)
        )
        client = self._client()
        assert client.get(f"/console/{PLATFORM}/enter?token={token}").status_code == 303
        return client

    def post(self, client: TestClient, page: str, action: str, **fields: Any) -> str | None:
        """Submit the form as a person would; the refusal's code, from the page's error (the
        service's code travels with it) or a bulk result's refused rows."""
        shown = client.get(f"/console/{PLATFORM}{page}")
        assert shown.status_code == 200, shown.text
        response = client.post(
            f"/console/{PLATFORM}{action}", data={"csrf": _csrf(shown.text), **fields}
        )
        if response.status_code == 200:  # a rendered result (bulk, a secret shown once)
            codes = re.findall(r'data-refusal="([a-z_]+)"', response.text)
            return ",".join(sorted(codes)) or None
        assert response.status_code == 303, response.text
        location = urllib.parse.urlparse(response.headers["location"])
        error = urllib.parse.parse_qs(location.query).get("error")
        if not error:
            return None
        flash = response.cookies.get("byline_flash")
        assert flash, f"an error without its code: {error}"
        said = json.loads(urllib.parse.unquote(flash))
        assert len(said) == 4, f"an error the service did not code: {said}"
        return str(said[2])

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.services.close()


class Cli(Door):
    name = "cli"
    runner = CliRunner()

    def actors(self) -> set[str]:
        return {"staff:cli-reviewer", "cli", *(f"creator:{a}" for a in ACCOUNTS)}

    def run(self, *args: str, stdin: str | None = None) -> str | None:
        result = self.runner.invoke(
            cli_app,
            [*args, "--db", str(self.folder / "byline.db")],
            input=stdin,
            env={"BYLINE_KEY_FILE": str(self.folder / "byline.keys.json")},
        )
        if result.exit_code == 0:
            return None
        found = re.search(r"\(code: ([a-z_]+)\)", result.output)
        assert found, result.output
        return found.group(1)

    def case(self, verb: str, account: str, *args: str, stdin: str | None = None) -> str | None:
        return self.run("case", verb, account, "--platform", PLATFORM, *args, stdin=stdin)


# --- the actions, door by door -----------------------------------------------------------------

REVIEWER_CLI = ("--reviewer", "staff:cli-reviewer")
Action = Callable[[Door], str | None]


def approve(account: str) -> dict[str, Action]:
    return {
        "api": lambda d: d.call("POST", f"/review/cases/{account}/approval", "reviewer"),
        "console": lambda d: d.post(
            d.staff("weibo-reviewer"), f"/cases/{account}", f"/cases/{account}/approve"
        ),
        "cli": lambda d: d.case("approve", account, *REVIEWER_CLI),
    }


REJECT: dict[str, Action] = {
    "api": lambda d: d.call(
        "POST", "/review/cases/sub/rejection", "reviewer", reason="document_unreadable"
    ),
    "console": lambda d: d.post(
        d.staff("weibo-reviewer"), "/cases/sub", "/cases/sub/reject", reason="document_unreadable"
    ),
    "cli": lambda d: d.case("reject", "sub", *REVIEWER_CLI, "--reason", "document_unreadable"),
}


def bulk(action: str, accounts: list[str], **extra: str) -> dict[str, Action]:
    return {
        "api": lambda d: d.call(
            "POST", "/review/bulk", "reviewer", action=action, account_ids=accounts, **extra
        ),
        "console": lambda d: d.post(
            d.staff("weibo-reviewer"),
            "/reviews",
            "/reviews/bulk",
            decision=action,
            account_id=accounts,
            next=f"/console/{PLATFORM}/reviews",
            **extra,
        ),
    }


DECIDE_APPEAL: dict[str, Action] = {
    "api": lambda d: d.call(
        "POST",
        "/review/cases/app/appeal-decision",
        "reviewer",
        upheld=False,
        reason="category_confirmed",
    ),
    "console": lambda d: d.post(
        d.staff("weibo-reviewer"),
        "/cases/app",
        "/cases/app/appeal-decision",
        decision="deny",
        reason="category_confirmed",
    ),
    "cli": lambda d: d.case(
        "decide-appeal", "app", "--deny", *REVIEWER_CLI, "--reason", "category_confirmed"
    ),
}


def _take_and_release_console(d: Any) -> str | None:
    client = d.staff("weibo-reviewer")
    return d.post(client, "/cases/sub", "/cases/sub/take", next=f"/console/{PLATFORM}/reviews")


TAKE: dict[str, Action] = {
    "api": lambda d: d.call("PUT", "/review/cases/sub/assignment", "reviewer"),
    "console": _take_and_release_console,
    "cli": lambda d: d.case("take", "sub", *REVIEWER_CLI),
}
TAKE_HELD: dict[str, Action] = {
    "api": lambda d: d.call("PUT", "/review/cases/held/assignment", "reviewer"),
    "console": lambda d: d.post(
        d.staff("weibo-reviewer"), "/cases/held", "/cases/held/take", next="/console/weibo"
    ),
    "cli": lambda d: d.case("take", "held", *REVIEWER_CLI),
}
RELEASE_HELD: dict[str, Action] = {
    "api": lambda d: d.call("DELETE", "/review/cases/held/assignment", "reviewer"),
    "console": lambda d: d.post(
        d.staff("weibo-reviewer"), "/cases/held", "/cases/held/release", next="/console/weibo"
    ),
    "cli": lambda d: d.case("release", "held", *REVIEWER_CLI),
}
WEBHOOK: dict[str, Action] = {
    "api": lambda d: d.call(
        "POST", "/webhooks", "platform", url=HOOK, topics=["label"], secret="s" * 24
    ),
    "console": lambda d: d.post(
        d.staff("weibo-admin"),
        "/admin/webhooks",
        "/admin/webhooks",
        url=HOOK,
        topics="label",
        secret="s" * 24,
    ),
    "cli": lambda d: d.run(
        "outbox",
        "add-endpoint",
        HOOK,
        "--platform",
        PLATFORM,
        "--topics",
        "label",
        "--secret",
        "s" * 24,
        "--actor",
        "cli",
    ),
}


def key_create(label: str) -> dict[str, Action]:
    return {
        "api": lambda d: d.call("POST", "/api-keys", "admin", role="label", label=label),
        "console": lambda d: d.post(
            d.staff("weibo-admin"), "/admin/keys", "/admin/keys", role="label", label=label
        ),
        "cli": lambda d: d.run(
            "api-key", "create", "--platform", PLATFORM, "--role", "label", "--label", label
        ),
    }


def _revoke(d: Any) -> str | None:
    key_id = d.start.keys["platform"].split(".")[0]
    if isinstance(d, Api):
        return d.call("DELETE", f"/api-keys/{key_id}", "admin")
    return d.post(d.staff("weibo-admin"), "/admin/keys", f"/admin/keys/{key_id}/revoke")


def _lower_floor() -> str:
    source, _ = read_policy_source(PLATFORM)
    return source.replace('version = "2023.12"', 'version = "parity-1"', 1)


ACTIVATE: dict[str, Action] = {
    "api": lambda d: d.call("POST", "/policies/activation", "admin", source=_lower_floor()),
    "console": lambda d: d.post(
        d.staff("weibo-admin"), "/admin/policies", "/admin/policies/activate", source=_lower_floor()
    ),
}
SHADOW: dict[str, Action] = {
    "api": lambda d: d.call(
        "POST",
        "/policies/shadow",
        "platform",
        source=_lower_floor(),
        snapshot="snapshot.parquet",
        as_of=TODAY.isoformat(),
    ),
    "console": lambda d: d.post(
        d.staff("weibo-admin"),
        "/admin/policies",
        "/admin/policies/shadow",
        source=_lower_floor(),
        snapshot="snapshot.parquet",
        as_of=TODAY.isoformat(),
    ),
}


def creator(
    account: str, api: tuple[str, dict[str, Any]], form: tuple[str, str, dict[str, Any]]
) -> Callable[[tuple[str, ...], str | None], dict[str, Action]]:
    def actions(cli: tuple[str, ...], stdin: str | None = None) -> dict[str, Action]:
        page, action, fields = form
        return {
            "api": lambda d: d.creator(account, "POST", api[0], **api[1]),
            "console": lambda d: d.post(d.creator_client(account), page, action, **fields),
            "cli": lambda d: d.case(
                cli[0], account, *cli[1:], "--actor", f"creator:{account}", stdin=stdin
            ),
        }

    return actions  # type: ignore[return-value]


ME = "/me"
SUBMIT = creator(
    "fresh",
    ("/submission", {"name": NAME, "consent": True}),
    (ME, ME + "/submit", {"name": NAME, "consent": "yes"}),
)(("submit", "--consent", "--name-stdin"), NAME)
REFUSE = creator(
    "fresh",
    ("/refusal", {"reason": "privacy"}),
    (ME + "/refuse", ME + "/refuse", {"confirm": "yes", "reason": "privacy"}),
)(("refuse", "--reason", "privacy"), None)
APPEAL = creator(
    "fresh",
    ("/appeal", {"reason": "wrong_category"}),
    (ME, ME + "/appeal", {"reason": "wrong_category"}),
)(("appeal", "--reason", "wrong_category"), None)
VOLUNTEER = creator(
    "small",
    ("/volunteer", {"name": NAME, "kind": "individual", "consent": True}),
    (ME, ME + "/volunteer", {"name": NAME, "kind": "individual", "consent": "yes"}),
)(("volunteer", "--kind", "individual", "--name-stdin"), NAME)
WITHDRAW = creator(
    "vol",
    ("/withdrawal", {"reason": "no_longer_wanted"}),
    (ME, ME + "/withdraw", {"reason": "no_longer_wanted"}),
)(("withdraw", "--reason", "no_longer_wanted"), None)

# (what, the action through each door that offers it, the refusal expected: None = done)
ACTIONS: list[tuple[str, dict[str, Action], str | None]] = [
    ("approve", approve("sub"), None),
    ("reject", REJECT, None),
    (
        "bulk approve, one case held by another, one name nobody has read",
        bulk("approve", ["bulk1", "held"]),
        "name_not_seen,taken_by_other",
    ),
    ("bulk reject", bulk("reject", ["bulk1", "bulk2"], reason="name_mismatch"), None),
    ("bulk reject without a reason", bulk("reject", ["bulk1"]), "reason_required"),
    ("bulk over the limit", bulk("approve", [f"a{i}" for i in range(101)]), "bulk_too_many"),
    ("decide an appeal", DECIDE_APPEAL, None),
    ("take a case", TAKE, None),
    ("take a case another reviewer holds", TAKE_HELD, "taken_by"),
    ("release a case another reviewer holds", RELEASE_HELD, "not_yours"),
    ("approve a case another reviewer holds", approve("held"), "taken_by_other"),
    ("register a webhook", WEBHOOK, None),
    ("create a key", key_create("parity"), None),
    ("a key label over the limit", key_create("x" * 121), "key_label_too_long"),
    ("revoke a key", {"api": _revoke, "console": _revoke}, None),
    ("activate a policy", ACTIVATE, None),
    ("shadow-run a policy", SHADOW, None),
    ("submit a name", SUBMIT, None),
    ("refuse", REFUSE, None),
    ("appeal", APPEAL, None),
    ("volunteer", VOLUNTEER, None),
    ("withdraw", WITHDRAW, None),
]
DOORS: dict[str, type[Door]] = {"api": Api, "console": Console, "cli": Cli}


@pytest.fixture
def through(start: Start, tmp_path: Path) -> Iterator[Callable[[str, Action], Outcome]]:
    def run(door_name: str, action: Action) -> Outcome:
        folder = start.copy(tmp_path / door_name)
        head, outbox_head = heads(folder)
        _OUTBOX_HEADS[folder] = outbox_head
        door = DOORS[door_name](start, folder)
        try:
            refusal = action(door)
        finally:
            door.close()
        return outcome(folder, head, door.actors(), refusal)

    yield run


@pytest.mark.parametrize(("what", "doors", "refusal"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_door_does_the_same(
    what: str,
    doors: dict[str, Action],
    refusal: str | None,
    through: Callable[[str, Action], Outcome],
) -> None:
    outcomes = {name: through(name, action) for name, action in doors.items()}
    first, reference = next(iter(outcomes.items()))
    assert reference.refusal == refusal, f"{first}: {reference.refusal!r}, expected {refusal!r}"
    if refusal is None and what not in ("take a case", "shadow-run a policy"):
        assert reference.audit, f"{what}: done, and nothing was recorded"
    for name, seen in outcomes.items():
        assert seen == reference, f"{what}: {name} differs from {first}"
