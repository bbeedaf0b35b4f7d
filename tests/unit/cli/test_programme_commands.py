"""The programme from the command line, on SQLite and PostgreSQL: cycle, case actions,
enforcement, audit verify (and its exit code on tampering), outbox, keys, erasure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from byline.audit import entries_for
from byline.audit._tables import audit_log
from byline.cli import app
from byline.outbox import WebhookReceiver
from byline.service.wiring import open_database
from byline.store import Database
from support.postgres import scratch_database

from factories import write_snapshot

runner = CliRunner()
NAME = "Chen Jing"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    if request.param == "sqlite":
        yield str(tmp_path / "byline.db")
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str, stdin: str | None = None) -> object:
    code, out, err = run(*args, "--json", stdin=stdin)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def cycled(db_url: str, tmp_path: Path) -> str:
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": f}
        for a, f in (("alpha", 2_000_000), ("beta", 1_500_000), ("gamma", 1_100_000))
    ]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    report = cli_json(
        "cycle",
        "--db",
        db_url,
        "--snapshot",
        str(snap),
        "--policy",
        "weibo",
        "--as-of",
        "2023-10-16",
    )
    assert report["funnel"] == {"notified": 3}  # type: ignore[index]
    again = cli_json(
        "cycle",
        "--db",
        db_url,
        "--snapshot",
        str(snap),
        "--policy",
        "weibo",
        "--as-of",
        "2023-10-16",
    )
    assert again["already_done"] is True  # type: ignore[index]
    return db_url


def test_case_lifecycle_from_the_command_line(cycled: str) -> None:
    db = cycled
    view = cli_json(
        "case",
        "submit",
        "alpha",
        "--consent",
        "--name-stdin",
        "--db",
        db,
        "--at",
        "2023-10-20T10:00:00",
        stdin=NAME + "\n",
    )
    assert view["state"] == "submitted"  # type: ignore[index]
    view = cli_json(
        "case", "approve", "alpha", "--reviewer", "ann", "--db", db, "--at", "2023-10-21T10:00:00"
    )
    assert view["state"] == "disclosed"  # type: ignore[index]
    assert cli_json("case", "refuse", "beta", "--db", db)["state"] == "refused"  # type: ignore[index]
    enforcement = cli_json("enforcement", "beta", "--db", db)
    assert len(enforcement["restrictions"]) == 4  # type: ignore[index]
    assert (
        cli_json("case", "appeal", "gamma", "--reason", "wrong_category", "--db", db)["state"]
        == "appealed"
    )  # type: ignore[index]
    assert (
        cli_json(
            "case",
            "decide-appeal",
            "gamma",
            "--uphold",
            "--reviewer",
            "ann",
            "--reason",
            "category_corrected",
            "--db",
            db,
        )["state"]
        == "exempted"
    )  # type: ignore[index]
    changes = cli_json("enforcement", "--changed-since", "0", "--db", db)
    assert [c["account_id"] for c in changes["changes"]] == ["alpha", "beta"]  # type: ignore[index]
    listed = cli_json("cases", "list", "--state", "disclosed", "--db", db)
    assert [c["account_id"] for c in listed] == ["alpha"]  # type: ignore[union-attr]
    shown = cli_json("case", "show", "alpha", "--db", db)
    assert [h["action"] for h in shown["history"]] == [  # type: ignore[index]
        "case:opened",
        "case:notified",
        "case:submitted",
        "case:verified",
        "case:disclosed",
    ]
    assert NAME not in json.dumps(shown)
    outbox = cli_json("outbox", "list", "--db", db)
    assert outbox["backlog"]["messages"] > 0  # type: ignore[index]
    assert NAME not in json.dumps(outbox)


def test_disallowed_action_is_a_clear_error(cycled: str) -> None:
    code, _, err = run("case", "approve", "alpha", "--reviewer", "ann", "--db", cycled)
    assert code == 1 and "no name is waiting for verification" in err
    code, _, err = run("case", "show", "nobody", "--db", cycled)
    assert code == 1 and "no case for account nobody" in err


def test_staff_reveal_is_audited_and_erasure_shreds(cycled: str) -> None:
    db = cycled
    cli_json("case", "submit", "alpha", "--consent", "--name-stdin", "--db", db, stdin=NAME + "\n")
    code, out, _ = run(
        "case", "reveal", "alpha", "--actor", "ann", "--reason", "review", "--db", db
    )
    assert code == 0 and out.strip() == NAME
    code, out, _ = run(
        "name", "erase", "alpha", "--actor", "dpo", "--reason", "erasure_request", "--db", db
    )
    assert code == 0 and "erased 1" in out
    code, _, err = run(
        "case", "reveal", "alpha", "--actor", "ann", "--reason", "review", "--db", db
    )
    assert code == 1 and NAME not in err


def test_keys_rotate_keeps_names_readable(cycled: str) -> None:
    db = cycled
    cli_json("case", "submit", "alpha", "--consent", "--name-stdin", "--db", db, stdin=NAME + "\n")
    rotated = cli_json("keys", "rotate", "--db", db)
    assert rotated["rewrapped"] >= 1  # type: ignore[index]
    code, out, _ = run(
        "case", "reveal", "alpha", "--actor", "ann", "--reason", "identity_check", "--db", db
    )
    assert code == 0 and out.strip() == NAME


def test_audit_verify_exit_codes(cycled: str) -> None:
    code, out, _ = run("audit", "verify", "--db", cycled)
    assert code == 0 and "intact" in out
    database = Database.from_url(cycled)
    with database.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="someone else"))
    database.dispose()
    code, out, _ = run("audit", "verify", "--db", cycled)
    assert code == 1 and "entry 3" in out


def test_a_mistyped_database_is_not_an_empty_one(tmp_path: Path) -> None:
    code, _, err = run("audit", "verify", "--db", str(tmp_path / "typo.db"))
    assert code == 1 and "no database at" in err
    assert not (tmp_path / "typo.db").exists()


def test_cli_actions_carry_request_ids(cycled: str) -> None:
    cli_json("case", "refuse", "beta", "--db", cycled)
    shown = cli_json("case", "show", "beta", "--db", cycled)
    database = Database.from_url(cycled)
    with database.reading() as conn:
        from byline.audit import entries_for

        refused = [e for e in entries_for(conn, account_id="beta") if e["action"] == "case:refused"]
    database.dispose()
    assert shown["state"] == "refused"  # type: ignore[index]
    assert refused[0]["request_id"].startswith("cli-")


def test_a_cycle_keeps_its_rejected_rows(db_url: str, tmp_path: Path) -> None:
    rows = [
        {
            "account_id": "alpha",
            "kind": "individual",
            "category": "finance",
            "followers": 2_000_000,
        },
        {"account_id": "bad", "kind": "robot", "category": "finance", "followers": 5},
    ]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    report = cli_json(
        "cycle",
        "--db",
        db_url,
        "--snapshot",
        str(snap),
        "--policy",
        "weibo",
        "--as-of",
        "2023-10-16",
        "--keep",
        str(tmp_path / "kept"),
    )
    rejects = Path(report["outputs"]) / "rejects.csv"  # type: ignore[index]
    assert "robot" in rejects.read_text()


SECRET = "whsec-cli-0123456789abcdef"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 not allowed"),
        ("http://10.0.0.1/h", "address 10.0.0.1 not allowed: private"),
        ("http://[::1]:8080/h", "address ::1 not allowed: loopback"),
        ("http://localhost:8080/h", "host localhost is this machine"),
        ("http://127.0.0.1:9/h", "address 127.0.0.1 not allowed: loopback"),
        ("http://me:pa55word@hooks.example/h", "user name or password"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_add_endpoint_refuses_an_address_inside_the_network(
    cycled: str, monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.delenv("BYLINE_WEBHOOK_ALLOW", raising=False)
    monkeypatch.delenv("BYLINE_CONFIG", raising=False)
    args = ("outbox", "add-endpoint", url, "--platform", "weibo", "--db", cycled)
    code, out, err = run(*args, "--secret", SECRET)
    assert code == 2 and "url: " in err and reason in err, err
    assert "pa55word" not in err + out
    assert cli_json("outbox", "endpoints", "--db", cycled) == []


def test_add_endpoint_takes_what_the_operator_allows(
    cycled: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BYLINE_WEBHOOK_ALLOW", raising=False)
    config = tmp_path / "byline.toml"
    config.write_text('[webhooks]\nallow = ["10.0.0.0/8"]\n')
    monkeypatch.setenv("BYLINE_CONFIG", str(config))
    add = ("outbox", "add-endpoint", "--platform", "weibo", "--secret", SECRET, "--db", cycled)
    assert run(*add, "http://10.1.2.3/h")[0] == 0
    assert run(*add, "http://127.0.0.1:9/h")[0] == 2
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "127.0.0.1")  # the environment wins
    assert run(*add, "http://127.0.0.1:9/h")[0] == 0
    assert run(*add, "http://10.1.2.3/h")[0] == 2
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "not a host!")
    code, _, err = run(*add, "http://127.0.0.1:9/h")
    assert code == 1 and "BYLINE_WEBHOOK_ALLOW" in err
    listed = cli_json("outbox", "endpoints", "--db", cycled)
    assert [e["url"] for e in listed] == ["http://10.1.2.3/h", "http://127.0.0.1:9/h"]  # type: ignore[index]
    assert all("secret" not in e for e in listed)  # type: ignore[union-attr]


def test_a_disabled_endpoint_gets_no_new_deliveries(
    cycled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "127.0.0.1")
    with WebhookReceiver(SECRET) as receiver:
        code, out, err = run(
            "outbox", "add-endpoint", receiver.url, "--platform", "weibo", "--secret", SECRET,
            "--db", cycled,
        )  # fmt: skip
        assert code == 0, err
        endpoint_id = out.strip()
        disabled = cli_json(
            "outbox", "disable-endpoint", endpoint_id, "--actor", "ops:ann", "--db", cycled
        )
        assert disabled == {  # type: ignore[comparison-overlap]
            "endpoint_id": endpoint_id,
            "platform": "weibo",
            "url": receiver.url,
            "active": False,
            "was_active": True,
        }
        stats = cli_json("outbox", "deliver", "--db", cycled)
        assert stats["attempted"] == 0 and receiver.requests == 0  # type: ignore[index]
        [listed] = cli_json("outbox", "endpoints", "--db", cycled)  # type: ignore[misc]
        assert listed["active"] is False
        cli_json("outbox", "enable-endpoint", endpoint_id, "--actor", "ops:ann", "--db", cycled)
        stats = cli_json("outbox", "deliver", "--db", cycled)
        assert stats["delivered"] == len(receiver.messages)  # type: ignore[index]
        assert len(receiver.payloads("notice")) == 3  # the cycle's notices, caught up
    code, _, err = run("outbox", "disable-endpoint", "no-such-id", "--db", cycled)
    assert code == 1 and "no webhook endpoint" in err
    db = open_database(cycled)
    try:
        with db.reading() as conn:
            actions = [
                (e["action"], e["actor"]) for e in entries_for(conn) if "webhook" in e["action"]
            ]
    finally:
        db.dispose()
    assert actions == [
        ("webhook:registered", "cli"),  # every door audits a registration
        ("webhook:disabled", "ops:ann"),
        ("webhook:enabled", "ops:ann"),
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["case", "reject", "alpha", "--reviewer", "ann"],
        ["case", "refuse", "alpha"],
        ["case", "appeal", "alpha"],
        ["case", "decide-appeal", "alpha", "--deny", "--reviewer", "ann"],
        ["case", "withdraw", "alpha"],
        ["case", "reveal", "alpha", "--actor", "ann"],
        ["case", "reveal-note", "alpha", "--note-id", "x", "--actor", "ann"],
        ["name", "erase", "alpha", "--actor", "dpo"],
    ],
)
def test_a_reason_that_is_not_a_code_is_refused_without_repeating_it(
    command: list[str],
) -> None:
    """Words where a code belongs may be a name: the error lists the codes, not the words."""
    for words in ("Zhang Wei", "王高飞"):
        code, out, err = run(*command, "--reason", words, "--db", "never-opened.db")
        assert code == 2, (out, err)
        assert "--reason" in err and "one of:" in err and "other" in err
        assert words not in out + err and words.split()[0] not in out + err


def test_report_writes_each_format_and_the_statements(cycled: str, tmp_path: Path) -> None:
    cli_json("case", "refuse", "beta", "--db", cycled, "--at", "2023-10-17T08:00:00")
    out = tmp_path / "reports"
    written = cli_json(
        "report",
        *("--db", cycled, "--from", "2023-10-01", "--to", "2023-10-31", "--out", str(out)),
        *("--format", "json,html", "--statements"),
    )
    files = sorted(Path(p).name for p in written["files"])  # type: ignore[index]
    assert files == [
        "report-weibo-2023-10-01-2023-10-31.html",
        "report-weibo-2023-10-01-2023-10-31.json",
        "statements-weibo-2023-10-01-2023-10-31.jsonl",
    ]
    report = json.loads((out / files[1]).read_text())
    assert report["totals"]["notices_sent"] == 3 and report["totals"]["refused"] == 1
    assert report["statements"]["issued"] == 1
    (line,) = (out / files[2]).read_text().splitlines()
    assert json.loads(line)["puid"] == "beta"
    # a period outside the history: zeros, and no statement
    cli_json(
        "report",
        "--db",
        cycled,
        "--from",
        "2023-11-01",
        "--to",
        "2023-11-30",
        "--out",
        str(out),
        "--format",
        "json",
        "--statements",
    )
    assert (out / "statements-weibo-2023-11-01-2023-11-30.jsonl").read_text() == ""


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--from", "2023-13-01", "--to", "2023-10-31"), 2, "--from: not an ISO date"),
        (("--from", "2023-10-31", "--to", "2023-10-01"), 1, "is before --from"),
        (("--from", "2023-10-01", "--to", "2023-10-31", "--format", "docx"), 1, "--format"),
        (("--from", "2023-10-01", "--to", "2023-10-31", "--lang", "fr"), 1, "no words in 'fr'"),
    ],
)
def test_report_refuses_bad_input_in_one_line(
    cycled: str, tmp_path: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    exit_code, _, err = run("report", "--db", cycled, "--out", str(tmp_path / "r"), *args)
    assert exit_code == code and says in err, err
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())
