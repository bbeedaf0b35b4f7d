"""Verification by an identity provider: match approves, mismatch rejects; the read of the
name for the provider is audited; the document number is kept only as a keyed hash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from byline import audit
from byline.service.cycle import run_cycle
from byline.service.identity import RegistryVerifier, verify_with_provider
from byline.service.programme import Actor, Programme
from byline.store import Database
from byline.vault._tables import vault_names

from factories import write_snapshot


def setup(db: Database, tmp_path: Path) -> None:
    rows = [
        {"account_id": a, "kind": "individual", "category": "law", "followers": 2_000_000}
        for a in ("match", "mismatch")
    ]
    run_cycle(db, write_snapshot(tmp_path / "s.parquet", rows), "weibo", dt.date(2023, 10, 16))


def test_provider_approves_a_match_and_rejects_a_mismatch(
    programme: Programme, db: Database, tmp_path: Path
) -> None:
    setup(db, tmp_path)
    registry = RegistryVerifier(
        {"match": ("Zhou Min", "110101199003077777"), "mismatch": ("Wu Lei", "110101198001011234")}
    )
    creator = Actor("creator")
    programme.submit("weibo", "match", "Zhou  Min", consent=True, actor=creator)
    programme.submit("weibo", "mismatch", "Someone Else", consent=True, actor=creator)
    assert verify_with_provider(programme, "weibo", "match", registry).state.value == "disclosed"
    assert verify_with_provider(programme, "weibo", "mismatch", registry).state.value == "rejected"
    with db.reading() as conn:
        names = conn.execute(select(vault_names)).all()
        reads = [e for e in audit.entries_for(conn) if e["action"] == "name:decrypted"]
    assert {e["actor"] for e in reads} == {"idp:registry"} and len(reads) == 2
    verified = [n for n in names if n.status == "verified"]
    assert len(verified) == 1 and verified[0].verification_method == "idp:registry"
    assert verified[0].document_hash and "110101199003077777" not in repr(verified[0])
