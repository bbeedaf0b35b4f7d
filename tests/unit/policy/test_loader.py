"""Policy files: a bad one is refused with file, line and field; every preset is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from byline.policy import PolicyFileError, load_policy, preset_names, preset_path

WEIBO_TEXT = preset_path("weibo").read_text()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in WEIBO_TEXT
    path = tmp_path / "policy.toml"
    path.write_text(WEIBO_TEXT.replace(old, new, 1))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def problem(path: Path, field: str | None = None) -> tuple[int | None, str, str]:
    """The problem found in ``path`` (the one about ``field``, when given)."""
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    found = [p for p in info.value.problems if field is None or p.field == field]
    assert found, info.value.problems
    p = found[0]
    return p.line, p.field, p.message


def test_shipped_presets() -> None:
    assert preset_names() == sorted(
        [
            "weibo",
            "wechat",
            "douyin",
            "kuaishou",
            "bilibili",
            "xiaohongshu",
            "baidu",
            "zhihu",
            "us-inform",
        ]
    )
    for name in preset_names():
        policy = load_policy(name)
        assert policy.id == name
        assert policy.tiers and all(t.phase_starts.year >= 2023 for t in policy.tiers)


def test_unknown_field_names_line_and_allowed_fields(tmp_path: Path) -> None:
    path = broken(tmp_path, "deadline_days = 9", "deadline_dayz = 9")
    line, field, message = problem(path, "notice.deadline_dayz")
    assert line == line_of(path, "deadline_dayz")
    assert field == "notice.deadline_dayz"
    assert "allowed here: batch_size, channel, deadline_after_appeal_days, deadline_days" in message


def test_bad_enum_value_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = broken(tmp_path, 'restriction = "tipping"', 'restriction = "tips"')
    line, field, message = problem(path)
    assert line == line_of(path, '"tips"')
    assert field == "penalties[3].restriction"
    assert "'tipping'" in message and "'tips'" in message


def test_tier_below_the_floor_is_refused_at_the_tier(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'id = "weibo.tier.500k"\nlabel = "500,000+ followers"\nthreshold = { followers = 500000 }',
        'id = "weibo.tier.500k"\nlabel = "500,000+ followers"\nthreshold = { followers = 300000 }',
    )
    line, field, message = problem(path)
    assert line == line_of(path, 'id = "weibo.tier.500k"') - 1  # that tier's [[tiers]] header
    assert field == "tiers[1]"
    assert "below the floor" in message and "300000" in message


def test_missing_field(tmp_path: Path) -> None:
    path = broken(tmp_path, "phase_starts = 2023-12-22\n", "")
    line, field, message = problem(path)
    assert field == "tiers[1].phase_starts"
    assert line == line_of(path, 'id = "weibo.tier.500k"') - 1  # the [[tiers]] header
    assert message == "required field is missing"


def test_repeated_rule_id(tmp_path: Path) -> None:
    path = broken(tmp_path, 'id = "weibo.penalty.tipping"', 'id = "weibo.penalty.feed"')
    _, _, message = problem(path)
    assert "repeated: weibo.penalty.feed" in message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "[notice]", "[notice")
    line, _, message = problem(path)
    assert line == line_of(path, "[notice")
    assert message.startswith("not valid TOML")


def test_scope_needs_exactly_one_way(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'categories = ["current_affairs"',
        'exclude = ["daily_life"]\ncategories = ["current_affairs"',
    )
    _, field, message = problem(path)
    assert field == "scope"
    assert "exactly one of 'categories'" in message


def test_unknown_name_lists_presets() -> None:
    with pytest.raises(PolicyFileError, match="presets: baidu, bilibili"):
        load_policy("no-such-policy")


def test_a_scope_with_no_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    text = WEIBO_TEXT.replace(
        'categories = ["current_affairs", "military", "finance", "law", "medicine"]',
        "categories = []",
    )
    path.write_text(text)
    _, field, message = problem(path)
    assert field == "scope" and "no category is in scope" in message


DEEP = [
    "a = " + "[" * 500 + "]" * 500,
    "a = " + "{ b = " * 500 + "1" + " }" * 500,
    "[policy]\nid = 'x'\n\n[floor]\nthreshold = { followers = " + "[" * 100_000 + "]" * 100_000,
]


@pytest.mark.parametrize("text", DEEP, ids=["arrays", "inline-tables", "huge"])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text)
    line, _, message = problem(path)
    assert line == text.count("\n") + 1  # the line where the nesting goes too deep
    assert "nested more than 16 deep" in message


def test_nesting_inside_strings_and_comments_does_not_count(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        WEIBO_TEXT.replace('title = "', 'title = "' + "[" * 40 + "{" * 40 + '\\" ', 1)
        + "# "
        + "[" * 40
        + "\n"
    )
    assert "[" * 40 in load_policy(path).policy.title


def test_a_file_too_large_to_be_a_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(WEIBO_TEXT + "#" * 1_000_001 + "\n")
    _, _, message = problem(path)
    assert "a policy file is at most 1000000" in message


def test_localized_text_names_rules_the_policy_has(tmp_path: Path) -> None:
    path = broken(tmp_path, '"weibo.tier.1m" = { label', '"weibo.tier.2m" = { label')
    _, _, message = problem(path)
    assert "text.zh-CN" in message and "weibo.tier.2m" in message


def test_localized_text_gives_only_fields_the_rule_carries(tmp_path: Path) -> None:
    path = broken(tmp_path, '"weibo.tier.1m" = { label', '"weibo.tier.1m" = { pledge')
    _, _, message = problem(path)
    assert "weibo.tier.1m" in message and "pledge" in message
    path = broken(tmp_path, '{ "current affairs" = "时政"', '{ "politics" = "时政"')
    _, _, message = problem(path)
    assert "politics" in message and "platform_terms" in message


def test_localized_text_replaces_the_files_words_in_its_language_only() -> None:
    weibo = load_policy("weibo")
    zh = weibo.text["zh-CN"]
    assert zh.policy.platform == "微博" and zh.rules["weibo.tier.1m"].label == "粉丝 100 万及以上"
    assert weibo.policy.platform == "Weibo" and weibo.tiers[0].label == "1,000,000+ followers"
    assert set(zh.rules) <= set(weibo.rule_ids())
