"""An insider who can write the database, but does not hold the key, tries to make a staff read
of a name vanish from the audit log: by editing it, by deleting it, by cutting the log back.
The hash chain alone was rewritten in seconds; the seals made with the key provider are not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from byline.audit._log import GENESIS, _digest
from byline.audit._tables import audit_head, audit_log, audit_seals
from byline.cli import app
from byline.outbox import _tables as outbox_tables
from byline.store import Database
from support.postgres import scratch_database

from factories import write_snapshot

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.delenv("BYLINE_KEY_FILE", raising=False)
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    if request.param == "sqlite":
        yield str(tmp_path / "byline.db")
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


def cli(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def revealed(db_url: str, tmp_path: Path) -> str:
    """A cycle, two names submitted, each read by a reviewer (two sealed reads)."""
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": 2_000_000}
        for a in ("alpha", "beta")
    ]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    code, said = cli(
        "cycle", "--db", db_url, "--snapshot", str(snap), "-p", "weibo", "--as-of", "2023-10-16"
    )
    assert code == 0, said
    for account, name in (("alpha", "Chen Jing"), ("beta", "Wu Lei")):
        code, said = cli(
            "case", "submit", account, "--consent", "--name-stdin", "--db", db_url, stdin=name
        )
        assert code == 0, said
        code, said = cli(
            "case", "reveal", account, "--actor", "mallory", "--reason", "review", "--db", db_url
        )
        assert code == 0 and said.strip() == name
    code, said = cli("audit", "verify", "--db", db_url)
    assert code == 0 and "seals checked with the key" in said, said
    return db_url


def rewrite(
    db_url: str,
    *,
    drop: frozenset[int] = frozenset(),
    edit: dict[int, Any] | None = None,
    drop_seals_from: int | None = None,
) -> None:
    """The insider's script: delete or edit entries, renumber, recompute every hash and the
    head, and delete seals (they cannot make new ones without the key)."""
    database = Database.from_url(db_url)
    with database.transaction() as conn:
        ordered = select(audit_log).order_by(audit_log.c.seq)
        rows = [dict(r) for r in conn.execute(ordered).mappings()]
        conn.execute(delete(audit_log))
        prev, seq = GENESIS, 0
        for row in rows:
            if row["seq"] in drop:
                continue
            row.update((edit or {}).get(row["seq"], {}))
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["hash"] = prev = _digest(seq, prev, row)
            conn.execute(insert(audit_log).values(**row))
        conn.execute(update(audit_head).values(seq=seq, hash=prev))
        if drop_seals_from is not None:
            conn.execute(delete(audit_seals).where(audit_seals.c.seq >= drop_seals_from))
    database.dispose()


def reads(db_url: str) -> list[int]:
    database = Database.from_url(db_url)
    with database.reading() as conn:
        found = conn.execute(
            select(audit_log.c.seq).where(audit_log.c.action == "name:decrypted")
        ).scalars()
        result = [int(s) for s in found]
    database.dispose()
    return result


def test_an_edited_read_breaks_its_seal(revealed: str) -> None:
    first, _ = reads(revealed)
    rewrite(revealed, edit={first: {"actor": "cycle", "detail": {"reason": "routine"}}})
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 1 and f"entry {first} is not the one that was sealed" in said


def test_a_deleted_read_leaves_the_later_seals_broken_or_the_later_read_unsealed(
    revealed: str,
) -> None:
    first, _ = reads(revealed)
    rewrite(revealed, drop=frozenset({first}))
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 1, said
    # Deleting the seals too leaves the other read without one.
    rewrite(revealed, drop_seals_from=first)
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 1 and "not covered by a seal" in said


def test_a_forged_seal_does_not_authenticate(revealed: str) -> None:
    first, _ = reads(revealed)
    rewrite(revealed, edit={first: {"actor": "cycle"}})
    database = Database.from_url(revealed)
    with database.transaction() as conn:  # the insider copies the new hash into the seal
        row = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == first)).one()
        conn.execute(update(audit_seals).where(audit_seals.c.seq == first).values(hash=row.hash))
    database.dispose()
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 1 and "does not authenticate: forged or altered" in said


def test_a_log_cut_back_with_its_seals_is_caught_by_the_platforms_copy(revealed: str) -> None:
    database = Database.from_url(revealed)
    with database.reading() as conn:
        sent = [
            r.payload
            for r in conn.execute(select(outbox_tables.outbox).order_by(outbox_tables.outbox.c.seq))
            if r.topic == "audit"
        ]
    database.dispose()
    assert [m["reason"] for m in sent] == ["cycle", "name_read", "name_read"]
    newest = sent[-1]
    _, second = reads(revealed)
    rewrite(revealed, drop=frozenset({second}), drop_seals_from=second)  # cut off whole
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 0, said  # nothing left in the database shows it: the witness does
    code, said = cli(
        "audit", "verify", "--db", revealed, "--anchor", f"{newest['seq']}:{newest['hash']}"
    )
    assert code == 1, said


def test_without_the_key_the_seals_are_not_checked_and_it_says_so(
    revealed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYLINE_KEY_FILE", str(tmp_path / "other.keys.json"))
    code, said = cli("keys", "rotate", "--db", revealed, "--json")
    assert code == 1  # another ring: no such file
    monkeypatch.setenv("BYLINE_MASTER_KEY", "A" * 43 + "=")
    code, said = cli("audit", "verify", "--db", revealed, "--json")
    assert code == 1 and "none of the" in json.loads(said)["problem"]


def test_rotation_seals_under_the_new_key(revealed: str) -> None:
    code, said = cli("keys", "rotate", "--db", revealed, "--json")
    assert code == 0, said
    database = Database.from_url(revealed)
    with database.reading() as conn:
        found = conn.execute(select(audit_seals.c.reason, audit_seals.c.key_id)).all()
    database.dispose()
    assert found[-1].reason == "keys_rotated" and found[-1].key_id != found[0].key_id
    code, said = cli("audit", "verify", "--db", revealed)
    assert code == 0, said
