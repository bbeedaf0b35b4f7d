"""Input built to break the command line (issue #12): each is one clear line and a non-zero
exit, or is read correctly; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from byline.cli import app

runner = CliRunner()

HEADER = "account_id,kind,category,followers,handle\n"
QUOTED_BREAK = (
    HEADER + 'a,individual,finance,1200000,"two\nlines"\n'
    "b,individual,finance,-5,b\n"
    "c,individual,finance,1100000,c\n"
)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_evaluate_and_cycle_read_a_quoted_line_break(tmp_path: Path, bom: bytes) -> None:
    snap = tmp_path / "s.csv"
    snap.write_bytes(bom + QUOTED_BREAK.encode())
    code, out, err = run(
        "evaluate", str(snap), "-p", "weibo", "--as-of", "2023-10-16", "-o", "out", "--json"
    )
    assert code == 3, err  # a row rejected
    summary = json.loads(out)
    assert (summary["read"], summary["accepted"], summary["required"]) == (3, 2, 2)
    assert (tmp_path / "out" / "rejects.csv").read_text().splitlines()[1:] == [
        "2,b,followers: negative (-5)"
    ]
    code, out, err = run(
        "cycle", "--db", str(tmp_path / "b.db"), "--snapshot", str(snap), "--policy", "weibo",
        "--as-of", "2023-10-16", "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["evaluation"]["read"] == 3 and report["funnel"] == {"notified": 2}


def test_evaluate_and_cycle_refuse_an_unreadable_csv_in_one_line(tmp_path: Path) -> None:
    snap = tmp_path / "s.csv"
    rows = "".join(f"a{i:06d},individual,finance,600000,h\n" for i in range(60_000))
    snap.write_bytes((HEADER + rows).encode() + b"z\xff,individual,finance,1,h\n")
    code, _, err = run("evaluate", str(snap), "-p", "weibo", "--as-of", "2023-10-16", "-o", "o")
    assert code == 1 and "Traceback" not in err
    assert err.strip().startswith(f"error: {snap}: cannot be read: ") and "Line: 60002" in err
    code, _, err = run(
        "cycle", "--db", str(tmp_path / "b.db"), "--snapshot", str(snap), "--policy", "weibo",
        "--as-of", "2023-10-16",
    )  # fmt: skip
    assert code == 1 and "Traceback" not in err
    assert err.strip().replace("\n", "").startswith(f"error: {snap}: cannot be read: ")


@pytest.fixture
def notified(tmp_path: Path) -> str:
    """A database where account 'a' was notified by a cycle."""
    snap = tmp_path / "s.csv"
    snap.write_text(HEADER + "a,individual,finance,1200000,a\n")
    db = str(tmp_path / "b.db")
    code, _, err = run(
        "cycle", "--db", db, "--snapshot", str(snap), "--policy", "weibo", "--as-of", "2023-10-16"
    )
    assert code == 0, err
    return db


@pytest.mark.parametrize(
    "stdin, message",
    [
        ("Chen Jing\nsecond line\n", "--name-stdin: 2 lines; a name is one line"),
        ("Chen Jing\r\nWang\r\n", "--name-stdin: 2 lines; a name is one line"),
        ("Chen Jing\n\n", "--name-stdin: 2 lines; a name is one line"),
        ("", "the name is empty"),
        ("\n", "the name is empty"),
        ("x" * 5000, "--name-stdin: more than 4096 characters; a name is one line"),
    ],
    ids=["two-lines", "crlf", "blank-line", "nothing", "just-a-newline", "huge"],
)
def test_case_submit_name_stdin_refuses_what_is_not_one_line(
    notified: str, stdin: str, message: str
) -> None:
    code, out, err = run(
        "case", "submit", "a", "--consent", "--name-stdin", "--db", notified, stdin=stdin
    )
    assert code == 1 and out == "" and "Traceback" not in err
    assert message in err and "Chen" not in err and "Wang" not in err
    code, out, _ = run("case", "show", "a", "--db", notified, "--json")
    assert json.loads(out)["state"] == "notified"  # nothing was submitted


def test_case_submit_refuses_without_explicit_consent(notified: str) -> None:
    code, out, err = run("case", "submit", "a", "--name-stdin", "--db", notified, stdin="Chen")
    assert code == 2 and out == "" and "--consent" in err and "explicitly" in err
    assert "Chen" not in err
    code, out, _ = run("case", "show", "a", "--db", notified, "--json")
    assert json.loads(out)["state"] == "notified"  # nothing was submitted, nothing consented


@pytest.mark.parametrize("stdin", ["Chen Jing\n", "Chen Jing\r\n", "Chen Jing"])
def test_case_submit_name_stdin_takes_one_line(notified: str, stdin: str) -> None:
    code, out, err = run(
        "case", "submit", "a", "--consent", "--name-stdin", "--db", notified, "--json",
        stdin=stdin,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["state"] == "submitted"
    revealed = run("case", "reveal", "a", "--actor", "ann", "--reason", "review", "--db", notified)
    assert "Chen Jing" in revealed[1] and "\r" not in revealed[1]
