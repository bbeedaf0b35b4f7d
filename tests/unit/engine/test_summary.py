"""The evaluation's summary is a typed object, and ``summary.json`` keeps the shape its readers
know: the same keys, dates as ISO text, ``diff`` only when compared with a previous run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from byline.engine import SUMMARY, DiffCounts, EvaluationSummary, evaluate
from byline.policy import load_policy

from factories import write_snapshot

WEIBO = load_policy("weibo")
GOOD = {"kind": "individual", "category": "finance"}
KEYS = {
    "snapshot",
    "format",
    "policy_id",
    "policy_version",
    "as_of",
    "read",
    "accepted",
    "rejected",
    "decided",
    "required",
    "reported",
    "by_outcome",
    "by_tier",
    "by_category",
    "rejected_by_field",
    "flagged_owners",  # null: this snapshot names no owners
    "seconds",
}


def rows(big: int) -> list[dict[str, object]]:
    return [
        {"account_id": "big", **GOOD, "followers": big},
        {"account_id": "small", **GOOD, "followers": 10},
        {"account_id": "neg", **GOOD, "followers": -1},
    ]


def test_summary_json_is_the_typed_summary_written_out(tmp_path: Path) -> None:
    first = write_snapshot(tmp_path / "1.parquet", rows(1_200_000))
    nov = evaluate(first, WEIBO, dt.date(2023, 11, 1), tmp_path / "nov")
    written = json.loads((tmp_path / "nov" / SUMMARY).read_text())
    assert set(written) == KEYS  # no diff without a previous run
    assert written == nov.summary.as_dict()
    assert written["as_of"] == "2023-11-01" and nov.summary.as_of == dt.date(2023, 11, 1)
    assert (nov.summary.read, nov.summary.accepted, nov.summary.rejected) == (3, 2, 1)
    assert written["rejected_by_field"] == {"followers": 1}
    assert EvaluationSummary.from_dict(written) == nov.summary
    assert written["flagged_owners"] is None

    second = write_snapshot(tmp_path / "2.parquet", rows(100))
    dec = evaluate(second, WEIBO, dt.date(2023, 12, 1), tmp_path / "dec", previous=tmp_path / "nov")
    written = json.loads((tmp_path / "dec" / SUMMARY).read_text())
    assert set(written) == KEYS | {"diff"}
    assert dec.summary.diff == DiffCounts(no_longer_required=1)
    assert written["diff"] == {"newly_required": 0, "no_longer_required": 1, "tier_changed": 0}
    assert EvaluationSummary.from_dict(written) == dec.summary
