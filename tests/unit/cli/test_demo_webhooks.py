"""The demo's platform receives its webhooks with nobody running `byline outbox deliver`, every
topic including `audit`, and each one verifies with the Standard Webhooks library from PyPI
(an implementation independent of Byline's)."""

from __future__ import annotations

import json
from pathlib import Path

from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from byline.cli import app
from byline.outbox import Topic, list_endpoints
from byline.service.wiring import open_database

runner = CliRunner()


def test_the_demo_platform_receives_verifiable_webhooks(tmp_path: Path) -> None:
    workdir = tmp_path / "d"
    args = ["demo", "--accounts", "100000", "--dir", str(workdir), "--json", "--no-serve"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    webhook = json.loads(result.stdout)["programme"]["webhook"]
    assert webhook["received"] > 0 and webhook["rejected"] == 0
    db = open_database(str(workdir / "byline.db"))
    try:
        with db.reading() as conn:
            [endpoint] = list_endpoints(conn)
    finally:
        db.dispose()
    assert set(endpoint.topics) == set(Topic)  # every topic, audit too
    assert endpoint.secret.startswith("whsec_")  # the standard's form
    hook = Webhook(endpoint.secret)
    lines = (workdir / "webhooks-received.jsonl").read_text().splitlines()
    assert len(lines) == webhook["received"] + webhook["duplicates"]
    messages = [hook.verify(line["body"], line["headers"]) for line in map(json.loads, lines)]
    assert {m["topic"] for m in messages} >= {"notice", "label", "audit"}
    assert len({m["id"] for m in messages}) == webhook["received"]
