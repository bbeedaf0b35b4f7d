"""``byline displays`` on a SQLite file: purge keeps what is within the retention, the read of
display records names a reason and is audited, a reason that is not a code is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from byline import displays
from byline.audit._tables import audit_log
from byline.cli import app
from byline.service.wiring import open_database

from factories import write_snapshot

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    url = str(tmp_path / "byline.db")
    rows = [{"account_id": "alpha", "kind": "individual", "category": "finance", "followers": 2e6}]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    result = runner.invoke(
        app, ["cycle", "--db", url, "--snapshot", str(snap), "--policy", "weibo", "--as-of",
              "2023-10-16"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    db = open_database(url)
    with db.transaction() as conn:
        displays.add_records(
            conn,
            [
                {"platform": "weibo", "minute": now - dt.timedelta(days=d), "key_id": "byl_k",
                 "viewer_id": f"viewer-{d}", "account_id": "alpha"}
                for d in (0, 29, 31)
            ],
        )  # fmt: skip
    db.dispose()
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_purge_deletes_records_past_the_retention_only(db_url: str) -> None:
    code, out, err = run("displays", "purge", "--db", db_url, "--json")
    assert code == 0, err
    assert json.loads(out) == {"purged": {"weibo": 1}}
    code, out, err = run(
        "displays", "read", "--platform", "weibo", "--account", "alpha", "--reason",
        "abuse_report", "--actor", "ann", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    assert sorted(r["viewer_id"] for r in json.loads(out)["records"]) == ["viewer-0", "viewer-29"]


def test_a_read_is_audited_with_its_reason(db_url: str) -> None:
    code, out, err = run(
        "displays", "read", "--platform", "weibo", "--viewer", "viewer-0", "--reason",
        "abuse_report", "--actor", "ann", "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    assert "viewer-0" in out and "1 records" in out
    db = open_database(db_url)
    with db.reading() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == "displays:read")).all()
    db.dispose()
    assert [(r.actor, r.detail["reason"], r.detail["viewer_id"]) for r in rows] == [
        ("ann", "abuse_report", "viewer-0")
    ]
    assert rows[0].request_id.startswith("cli-")


def test_a_read_without_a_coded_reason_or_a_filter_is_refused(db_url: str) -> None:
    code, _, err = run(
        "displays", "read", "--platform", "weibo", "--viewer", "viewer-0", "--reason",
        "Zhang Wei asked", "--actor", "ann", "--db", db_url,
    )  # fmt: skip
    assert code == 2 and "Zhang" not in err and "abuse_report" in err
    code, _, err = run(
        "displays", "read", "--platform", "weibo", "--reason", "abuse_report", "--actor", "ann",
        "--db", db_url,
    )  # fmt: skip
    assert code == 2 and "name a viewer, an account or a key" in err
