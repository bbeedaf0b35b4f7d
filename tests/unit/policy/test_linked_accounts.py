"""The ``[linked_accounts]`` table: how the accounts one holder runs are judged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from byline.domain import Account, AccountKind, Category, Outcome, decide
from byline.domain.decision import judged_metrics
from byline.policy import PolicyFileError, load_policy, preset_names, preset_path

BAIDU_TEXT = preset_path("baidu").read_text()
ON = dt.date(2024, 1, 1)


def with_table(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "policy.toml"
    # Before the [text...] tables, so the new table's keys are not read as text.
    head, tail = BAIDU_TEXT.split("[text.zh-CN.policy]", 1)
    path.write_text(f"{head}[linked_accounts]\n{table}\n\n[text.zh-CN.policy]{tail}")
    return path


def refused(path: Path) -> tuple[int | None, str, str]:
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    p = info.value.problems[0]
    return p.line, p.field, p.message


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_judges_each_account_on_its_own(name: str) -> None:
    policy = load_policy(name)
    assert policy.linked_accounts.judge == "account"
    assert not policy.judges_owners
    assert policy.linked_accounts.id is None
    assert "linked_accounts" not in policy.rule_ids()


def test_judge_owner_is_read_with_its_rule_id(tmp_path: Path) -> None:
    policy = load_policy(with_table(tmp_path, 'id = "baidu.linked"\njudge = "owner"'))
    assert policy.judges_owners
    assert policy.owner_metrics == ("owner_followers",)
    assert "baidu.linked" in policy.rule_ids()
    assert policy.rules()["baidu.linked"] is policy.linked_accounts


def test_a_judge_that_is_neither_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = with_table(tmp_path, 'id = "baidu.linked"\njudge = "holder"')
    line, field, message = refused(path)
    assert (line, field) == (line_of(path, 'judge = "holder"'), "linked_accounts.judge")
    assert "'account' or 'owner'" in message and "holder" in message


def test_judge_owner_needs_an_id(tmp_path: Path) -> None:
    path = with_table(tmp_path, 'judge = "owner"')
    line, field, message = refused(path)
    assert (line, field) == (line_of(path, "[linked_accounts]"), "linked_accounts")
    assert "needs an 'id'" in message


def test_an_unknown_field_is_refused_with_the_allowed_ones(tmp_path: Path) -> None:
    path = with_table(tmp_path, 'judge = "account"\njudged_by = "owner"')
    line, field, message = refused(path)
    assert (line, field) == (line_of(path, "judged_by"), "linked_accounts.judged_by")
    assert "allowed here: id, judge, note" in message


def test_its_id_must_not_repeat_another_rule(tmp_path: Path) -> None:
    path = with_table(tmp_path, 'id = "baidu.floor"\njudge = "owner"')
    _, _, message = refused(path)
    assert "repeated: baidu.floor" in message


def linked(own: int, owner: int, owner_ref: str | None = "h1") -> Account:
    metrics = {"followers": own, "owner_followers": owner}
    return Account("a1", AccountKind.INDIVIDUAL, Category.FINANCE, metrics, owner_ref)


def test_decide_judges_a_linked_account_by_its_owner_only_when_told(tmp_path: Path) -> None:
    owner_policy = load_policy(with_table(tmp_path, 'id = "baidu.linked"\njudge = "owner"'))
    account_policy = load_policy("baidu")
    split = linked(300_000, 1_200_000)
    assert decide(split, account_policy, ON).outcome is Outcome.BELOW_THRESHOLD
    by_owner = decide(split, owner_policy, ON)
    assert by_owner.required and by_owner.tier == "baidu.tier.1m"
    assert by_owner.reasons == (
        "baidu.tier.1m",
        "baidu.linked",
        "baidu.subjects",
        "baidu.scope",
    )
    # No owner_ref: its own holder, judged on its own followers whatever the column says.
    alone = linked(300_000, 1_200_000, owner_ref=None)
    assert decide(alone, owner_policy, ON).outcome is Outcome.BELOW_THRESHOLD
    # An owner's audience is never less than an account's: the higher of the two is judged.
    assert judged_metrics(linked(1_500_000, 900_000), owner_policy)["followers"] == 1_500_000
