"""The plain-words explanation in Simplified Chinese: the same sections, lines and rule ids as
the English one, every word of ours in Chinese, and the policy file's own text as written."""

from __future__ import annotations

import re

import pytest

from byline.domain.policy import Policy
from byline.policy import load_policy, preset_names
from byline.words import (
    LANGUAGES,
    catalogue,
    describe_penalty,
    describe_threshold,
    explain,
    one_line,
)

ZH = "zh-CN"
RULE = re.compile(r"\[([a-z0-9][a-z0-9._-]*)\]")


def lines_of(policy: Policy, lang: str) -> list[str]:
    return [line for section in explain(policy, lang) for line in section.lines]


def policy_file_text(policy: Policy) -> list[str]:
    """Everything the explanation quotes from the policy file as written, longest first."""
    header = policy.policy
    texts = [
        header.title,
        header.platform,
        header.version,
        policy.scope.note,
        policy.floor.pledge,
        policy.display.where,
        policy.viewers.note,
        *policy.scope.platform_terms,
        *(t.label for t in policy.tiers),
        *(p.note for p in policy.penalties),
        *(i.note for i in policy.incentives),
    ]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def without_quoted_text(text: str, policy: Policy) -> str:
    """``text`` less rule ids in brackets and the policy file's own text."""
    text = RULE.sub(" ", text)
    for quoted in policy_file_text(policy):
        text = text.replace(quoted, " ")
    return text


def english_phrases() -> list[str]:
    """Every fixed piece of English in the English catalogue: templates split at their
    placeholders, and every vocabulary word."""
    pieces: list[str] = []
    for entries in catalogue("en").values():
        for value in entries.values():
            pieces += re.split(r"\{[a-z_]+\}", value)
    phrases = {p.strip(" ,;:.()[]'—") for p in pieces}
    return sorted(p for p in phrases if re.search(r"[A-Za-z]{2}", p))


@pytest.mark.parametrize("name", preset_names())
def test_same_sections_lines_and_rule_ids_as_english(name: str) -> None:
    policy = load_policy(name)
    english, chinese = explain(policy), explain(policy, ZH)
    assert len(chinese) == len(english)
    for en, zh in zip(english, chinese, strict=True):
        assert zh.title != en.title
        assert len(zh.lines) == len(en.lines), en.title
        for en_line, zh_line in zip(en.lines, zh.lines, strict=True):
            assert RULE.findall(zh_line) == RULE.findall(en_line), en_line
    text = "\n".join(lines_of(policy, ZH))
    assert [r for r in policy.rule_ids() if f"[{r}]" not in text] == []


@pytest.mark.parametrize("name", preset_names())
def test_without_chinese_text_only_rule_ids_and_policy_file_text_are_english(name: str) -> None:
    policy = load_policy(name).model_copy(update={"text": {}})
    texts = [
        *(s.title for s in explain(policy, ZH)),
        *lines_of(policy, ZH),
        one_line(policy, ZH),
        *(describe_penalty(p, ZH) for p in policy.penalties),
    ]
    for text in texts:
        left = without_quoted_text(text, policy)
        # The id at the head of one_line is the policy's rule id, unbracketed.
        left = left.replace(policy.id, " ")
        assert re.findall(r"[A-Za-z]+", left) == [], text


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_in_chinese_shows_no_english(name: str) -> None:
    """The presets carry their own Chinese text: a Chinese page shows no English word, only
    rule ids, the policy's id and version, and acronyms (INFORM)."""
    policy = load_policy(name)
    assert policy.text.get(ZH) is not None
    texts = [*(s.title for s in explain(policy, ZH)), *lines_of(policy, ZH), one_line(policy, ZH)]
    for text in texts:
        left = RULE.sub(" ", text).replace(policy.id, " ").replace(policy.version, " ")
        left = re.sub(r"\b[A-Z]{2,}\b", " ", left)
        assert re.findall(r"[A-Za-z]+", left) == [], text


@pytest.mark.parametrize("name", preset_names())
def test_no_phrase_of_the_english_phrasebook_appears(name: str) -> None:
    policy = load_policy(name)
    text = without_quoted_text("\n".join(lines_of(policy, ZH)), policy)
    phrases = english_phrases()
    assert "exposure in hot search" in phrases and "Who may not see it" in phrases
    assert [p for p in phrases if p in text] == []


def test_english_is_the_default() -> None:
    policy = load_policy("weibo")
    assert explain(policy) == explain(policy, "en")
    assert one_line(policy) == one_line(policy, "en")
    assert LANGUAGES == ("en", ZH)
    with pytest.raises(ValueError, match="zh-CN"):
        explain(policy, "fr")


def test_weibo_in_chinese() -> None:
    policy = load_policy("weibo")
    sections = {s.title: s.lines for s in explain(policy, ZH)}
    assert list(sections) == [
        "政策",
        "档位与阶段",
        "适用对象",
        "门槛底线（门槛承诺）",
        "通知",
        "公示内容",
        "哪些用户看不到",
        "拒绝或逾期的处罚",
        "合规激励",
        "粉丝数下降时",
        "自愿公示",
    ]
    assert sections["政策"][0] == (
        "微博自媒体账号实名信息展示（2023）——微博，版本 2023.12，2023年10月31日公布"
    )
    assert sections["档位与阶段"] == (
        "粉丝 100 万及以上：粉丝数 100 万及以上；自 2023年10月16日起，"
        "须在 2023年10月31日前完成；收到通知后 9 天内完成；公示实名信息 [weibo.tier.1m]",
        "粉丝 50 万及以上：粉丝数 50 万及以上；自 2023年12月22日起，"
        "须在 2023年12月31日前完成；收到通知后 9 天内完成；公示实名信息 [weibo.tier.500k]",
    )
    assert sections["适用对象"][:3] == (
        "主体类型：个人、机构 [weibo.subjects]",
        "适用的内容类别：时政、军事、财经、法律、医疗 [weibo.scope]——"
        "公告中的“等专业领域”未逐一列明；以分享日常生活为主的账号和普通用户不在范围内。",
        "平台用语“时政”归入时政类",
    )
    assert sections["门槛底线（门槛承诺）"][0].startswith(
        "只有粉丝数 50 万及以上的账号才可能被要求公示实名信息，低于此门槛的一律不要求 "
        "[weibo.floor]——微博首席执行官承诺"
    )
    assert sections["通知"] == (
        "通过私信通知，每批 5,000 个账号；除档位另有规定外，须在收到通知后 9 天内完成 "
        "[weibo.notice]",
    )
    assert sections["哪些用户看不到"][0] == (
        "不向以下用户显示：未登录的访客；未通过实名认证的用户；被标记为行为异常的用户；"
        "近期受过处罚的用户"
    )
    assert sections["拒绝或逾期的处罚"] == (
        "推荐流曝光：拒绝公示或逾期未完成时取消；合规后恢复 [weibo.penalty.feed]",
        "热搜曝光：拒绝公示或逾期未完成时取消；合规后恢复 [weibo.penalty.hot-search]",
        "广告收益分成：拒绝公示或逾期未完成时取消；合规后恢复 [weibo.penalty.ad-share]",
        "打赏收入：拒绝公示或逾期未完成时取消；合规后恢复 [weibo.penalty.tipping]"
        "（基础功能不受影响。）",
    )
    assert sections["粉丝数下降时"] == (
        "连续 30 天低于档位门槛后解除公示义务 [weibo.drop]",
        "防清粉规避：发出通知后 90 天内不予解除",
        "标记待复核：7 天内降幅达 50% 及以上",
    )
    assert sections["自愿公示"] == ("低于门槛底线的账号可自愿公示，并可随时撤回 [weibo.voluntary]",)
    assert one_line(policy, ZH) == (
        "weibo 2023.12（微博）：2 个档位（粉丝 100 万及以上 自 2023年10月16日起；"
        "粉丝 50 万及以上 自 2023年12月22日起）；9 个内容类别中 5 个在适用范围内；"
        "门槛底线为粉丝数 50 万及以上；共 16 条规则"
    )


def test_thresholds_and_penalties_in_chinese() -> None:
    assert describe_threshold({"followers": 1_000_000}, ZH) == "粉丝数 100 万及以上"
    assert describe_threshold({"followers": 1_234_567}, ZH) == "粉丝数 1,234,567 及以上"
    assert describe_threshold({"followers": 300_000_000}, ZH) == "粉丝数 3 亿及以上"
    us = load_policy("us-inform")
    assert describe_threshold(us.tiers[0].threshold, ZH) == (
        "近 12 个月销售笔数 200 及以上且近 12 个月美元销售额 2 万及以上"
    )
    assert describe_threshold({"likes": 50_000}, ZH) == "likes 5 万及以上"  # unknown metric
    bilibili = load_policy("bilibili")
    assert describe_penalty(bilibili.penalties[0], ZH).startswith(
        "内容分发：拒绝公示或逾期未完成时降至正常水平的 50%；合规后恢复 "
        "[bilibili.penalty.distribution]（"
    )
    text = "\n".join(lines_of(us, ZH))
    assert "仅核验身份，不公示实名信息 [us-inform.tier.verify]" in text
    assert "所有类别，无一例外" in text and "每 365 天重新认证一次" in text
    assert "低于门槛底线的卖家可自愿公示" in text
