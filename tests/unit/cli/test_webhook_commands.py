"""Webhook secrets from the command line: a generated secret is in the Standard Webhooks form,
and `outbox rotate-secret` has both secrets sign for the overlap (audited, never the secret)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from typer.testing import CliRunner

from byline.audit import entries_for
from byline.cli import app
from byline.outbox import WebhookReceiver
from byline.service.wiring import open_database

from factories import write_snapshot

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cycled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BYLINE_KEY_FILE", "")
    monkeypatch.delenv("BYLINE_MASTER_KEY", raising=False)
    monkeypatch.setenv("BYLINE_WEBHOOK_ALLOW", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    rows = [{"account_id": "alpha", "kind": "individual", "category": "finance", "followers": 2e6}]
    snap = write_snapshot(tmp_path / "s.parquet", rows)
    db = str(tmp_path / "byline.db")
    code, _, err = run(
        "cycle", "--snapshot", str(snap), "--policy", "weibo", "--as-of", "2023-10-16", "--db", db
    )
    assert code == 0, err
    return db


def test_rotating_a_secret_signs_with_both_for_the_overlap(cycled: str) -> None:
    with WebhookReceiver("placeholder-secret-0123456789") as receiver:
        code, out, err = run(
            "outbox", "add-endpoint", receiver.url, "--platform", "weibo", "--db", cycled
        )
        assert code == 0, err
        endpoint_id, shown = out.splitlines()
        old = shown.removeprefix("secret (shown once): ")
        assert old.startswith("whsec_")
        code, out, err = run(
            "outbox", "rotate-secret", endpoint_id, "--keep-old-hours", "24", "--actor", "ops:ann",
            "--db", cycled, "--json",
        )  # fmt: skip
        assert code == 0, err
        rotated = json.loads(out)
        new = rotated["secret"]
        assert new.startswith("whsec_") and new != old and rotated["endpoint_id"] == endpoint_id
        receiver.secrets = (new,)  # a platform already on the new secret
        code, out, err = run("outbox", "deliver", "--db", cycled, "--json")
        assert code == 0 and json.loads(out)["delivered"] > 0, err
    for received in receiver.received:
        assert len(received.headers["webhook-signature"].split(" ")) == 2
        Webhook(new).verify(received.body, received.headers)
        Webhook(old).verify(received.body, received.headers)  # one still on the old
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)
    db = open_database(cycled)
    try:
        with db.reading() as conn:
            [entry] = [e for e in entries_for(conn) if e["action"] == "webhook:secret_rotated"]
    finally:
        db.dispose()
    assert entry["actor"] == "ops:ann" and entry["detail"]["endpoint_id"] == endpoint_id
    recorded = json.dumps(entry, default=str)
    assert old not in recorded and new not in recorded
    code, _, err = run("outbox", "rotate-secret", "no-such-id", "--db", cycled)
    assert code == 1 and "no webhook endpoint" in err
    bad = ("--secret", "whsec_not-base64-at-all")
    code, _, err = run("outbox", "rotate-secret", endpoint_id, *bad, "--db", cycled)
    assert code == 2 and "base64" in err
