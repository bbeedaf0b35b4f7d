"""Human output at 80 columns: every line fits, tables included, and no Python repr (``None``, a
dict's braces) shows; ``--json`` is for machines and stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from byline.cli import app

from factories import write_snapshot

runner = CliRunner()


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


def human(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.stderr
    text = result.stdout
    assert text.strip()
    for line in text.splitlines():
        assert len(line) <= 80, f"{args[:2]}: {len(line)} columns: {line!r}"
    assert "None" not in text and "{'" not in text and '{"' not in text, text
    return text


@pytest.fixture
def programme(tmp_path: Path) -> str:
    rows = [
        {"account_id": f"acct-{i}", "kind": "individual", "category": "finance", "followers": f}
        for i, f in enumerate((2_000_000, 1_500_000, 1_100_000, 300_000))
    ]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    db = str(tmp_path / "byline.db")
    args = ["--snapshot", str(snap), "--policy", "weibo", "--db", db]
    human("cycle", *args, "--as-of", "2023-10-16")
    return db


def test_evaluate_at_80_columns(tmp_path: Path) -> None:
    rows = [
        {"account_id": "a", "kind": "individual", "category": "law", "followers": 2_000_000},
        {"account_id": "b", "kind": "individual", "category": "law", "followers": -1},
    ]
    snap = write_snapshot(tmp_path / "s.csv", rows)
    args = ("evaluate", str(snap), "-p", "weibo", "--as-of", "2024-01-15", "-o", "o")
    said = human(*args, code=3)
    assert "rejected 1" in said and "tier" in said


def test_cases_and_the_outbox_at_80_columns(
    programme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = human("cases", "list", "--db", programme)
    assert "acct-0" in listed and "notified" in listed
    shown = human("case", "show", "acct-0", "--db", programme)
    assert "followers 2,000,000" in shown  # the metrics, in words
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "127.0.0.1")
    url = "http://127.0.0.1:9/a/rather/long/path/for/the/platform/webhooks/of/byline"
    human("outbox", "add-endpoint", url, "--platform", "weibo", "--db", programme)
    endpoints = human("outbox", "endpoints", "--db", programme)
    assert "active" in endpoints
    messages = human("outbox", "list", "--db", programme)
    assert "backlog: messages" in messages and "notice" in messages
    assert "audit" in messages  # a message of no account: "-", not None


def test_the_demo_at_80_columns(tmp_path: Path) -> None:
    said = human("demo", "--accounts", "20000", "--dir", str(tmp_path / "d"), "--no-serve")
    assert "The programme, cycle by cycle" in said and "withdrawn" in said
