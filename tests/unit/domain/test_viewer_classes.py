"""Viewer classes for the creator's view, and the policy's ``[displays]`` settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from byline.domain.labels import VERIFIED_CLASS, Viewer, class_conditions, viewer_class
from byline.domain.vocabulary import ViewerCondition
from byline.policy import PolicyFileError, load_policy, preset_names, preset_path

WEIBO = load_policy("weibo")  # hidden from logged-out, unverified, abnormal, sanctioned


@pytest.mark.parametrize(
    ("logged_in", "verified", "flags", "under_weibo", "without_policy"),
    [
        (True, True, (), VERIFIED_CLASS, VERIFIED_CLASS),
        (True, False, (), "unverified", "unverified"),
        (False, False, (), "logged_out+unverified", "logged_out+unverified"),
        (True, True, ("sanctioned",), "sanctioned", VERIFIED_CLASS),
        # a condition the policy does not name is not told apart
        (True, True, ("banned",), VERIFIED_CLASS, VERIFIED_CLASS),
        (False, False, ("abnormal", "banned"), "abnormal+logged_out+unverified", None),
    ],
)
def test_a_viewer_belongs_to_the_class_of_the_conditions_the_policy_tells_apart(
    logged_in: bool,
    verified: bool,
    flags: tuple[str, ...],
    under_weibo: str,
    without_policy: str | None,
) -> None:
    viewer = Viewer.of(logged_in, verified, flags)
    assert viewer_class(WEIBO, viewer.held) == under_weibo
    if without_policy is not None:
        assert viewer_class(None, viewer.held) == without_policy
    named = class_conditions(under_weibo)
    assert named <= viewer.held
    assert all(
        c in WEIBO.viewers.hidden_from or c.value in {"logged_out", "unverified"} for c in named
    )


def test_class_conditions_refuses_an_unknown_class() -> None:
    assert class_conditions("logged_out+unverified") == {
        ViewerCondition.LOGGED_OUT,
        ViewerCondition.UNVERIFIED,
    }
    with pytest.raises(ValueError):
        class_conditions("nobody")


def test_presets_keep_thirty_days_and_no_threshold_of_their_own() -> None:
    for name in preset_names():
        policy = load_policy(name)
        assert policy.displays.retention_days == 30, name
        assert policy.displays.harvest_threshold is None, name


def test_a_policy_may_set_the_threshold_and_the_retention(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    text = preset_path("weibo").read_text()
    path.write_text(text + "\n[displays]\nretention_days = 7\nharvest_threshold = 150\n")
    policy = load_policy(path)
    assert (policy.displays.retention_days, policy.displays.harvest_threshold) == (7, 150)
    path.write_text(text + "\n[displays]\nretention_days = 0\n")
    with pytest.raises(PolicyFileError, match="retention_days"):
        load_policy(path)
