"""The one-scan what-if under ``judge = "owner"``: linked accounts counted on their owner's
audience where higher, as a separate evaluation of each step counts them."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.domain import Policy
from byline.engine import Variant, WhatIfError, evaluate, what_if
from byline.policy import load_policy
from byline.service.whatif import varied

from factories import write_snapshot

WEIBO = load_policy("weibo")
OWNED = Policy.model_validate(
    {
        **WEIBO.model_dump(exclude_unset=True),
        "linked_accounts": {"id": "weibo.linked", "judge": "owner"},
    }
)
DAY = dt.date(2024, 1, 15)
FOLLOWERS = st.sampled_from([0, 300_000, 499_999, 500_000, 800_000, 1_000_000, 2_500_000])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(FOLLOWERS, st.sampled_from([None, "h1", "h2"]), FOLLOWERS),
        min_size=1,
        max_size=25,
    ),
    st.lists(
        st.sampled_from([300_000, 500_000, 900_000, 1_000_000, 2_000_000]), min_size=1, max_size=4
    ),
)
def test_owner_judged_steps_agree_with_evaluations(
    rows: list[tuple[int, str | None, int]], steps: list[int]
) -> None:
    snapshot_rows = [
        {
            "account_id": f"a{i:03d}",
            "kind": "individual",
            "category": "finance",
            "followers": own,
            "owner_ref": owner,
            "owner_followers": audience if owner else None,
        }
        for i, (own, owner, audience) in enumerate(rows)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_snapshot(Path(tmp) / "s.parquet", snapshot_rows)
        policies = [varied(OWNED, "threshold", t) for t in dict.fromkeys(steps)]
        variants = [Variant(str(i), p, DAY) for i, p in enumerate(policies)]
        counts = what_if(snapshot, variants, by="tier")
        for variant in variants:
            expected = evaluate(snapshot, variant.policy, DAY, Path(tmp) / variant.label).summary
            got = {t: n for t, n in counts.required[variant.label].items() if n}
            assert got == {t: n for t, n in expected.by_tier.items() if n}, variant.label
            assert counts.rejected == expected.rejected


def test_variants_judged_otherwise_are_not_read_in_one_scan(tmp_path: Path) -> None:
    snapshot = write_snapshot(
        tmp_path / "s.parquet",
        [{"account_id": "a", "kind": "individual", "category": "finance", "followers": 1}],
    )
    try:
        what_if(snapshot, [Variant("a", WEIBO, DAY), Variant("b", OWNED, DAY)])
    except WhatIfError as exc:
        assert "judges linked accounts otherwise" in str(exc)
    else:
        raise AssertionError("refused")
