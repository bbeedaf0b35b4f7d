"""The plain-words explanation covers every rule of every preset."""

from __future__ import annotations

import pytest

from byline.policy import load_policy, preset_names
from byline.words import explain, one_line


@pytest.mark.parametrize("name", preset_names())
def test_every_rule_is_explained(name: str) -> None:
    policy = load_policy(name)
    text = "\n".join(line for section in explain(policy) for line in section.lines)
    missing = [rule for rule in policy.rule_ids() if f"[{rule}]" not in text]
    assert missing == []
    for tier in policy.tiers:
        assert tier.phase_starts.isoformat() in text


def test_weibo_in_words() -> None:
    sections = {s.title: s.lines for s in explain(load_policy("weibo"))}
    assert any(
        "1,000,000 or more followers; from 2023-10-16, comply by 2023-10-31" in line
        for line in sections["Tiers and phases"]
    )
    hidden = sections["Who may not see it"][0]
    assert "not logged in" in hidden and "recently sanctioned" in hidden
    assert "500,000 or more followers" in sections["The floor (threshold promise)"][0]
    assert "no release within 90 days of a notice" in "\n".join(sections["When followers drop"])


def test_us_inform_verify_tier_is_not_shown() -> None:
    text = "\n".join(line for s in explain(load_policy("us-inform")) for line in s.lines)
    assert "identity verified, not shown" in text
    assert "seller" in text
    assert one_line(load_policy("us-inform")).startswith("us-inform")
