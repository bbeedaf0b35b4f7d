"""A policy in plain words, for compliance leads, reviewers and creators: in English or in
Simplified Chinese.

One structure, two phrasebooks. The functions here decide what is said, in which order and
under which rule id; a :class:`Phrasebook` per language says it. Text that comes from the policy
file itself (title, platform, version, tier labels, notes, the pledge, platform terms, where the
name is shown) is quoted as written in every language, and so are rule ids, in brackets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from byline.domain.policy import Penalty, Policy, Threshold
from byline.domain.vocabulary import (
    REASON_LISTS,
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    AuditAction,
    Category,
    DisplayField,
    ErasureReason,
    Incentive,
    RefusalReason,
    RejectionReason,
    Restriction,
    StaffReadReason,
    Trigger,
    ViewerCondition,
    WithdrawalReason,
)

LANGUAGES = ("en", "zh-CN")


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Phrasebook:
    """How one language says each thing the explanation says: words, templates (``str.format``,
    named placeholders) and the few formatters that differ by language. No decisions."""

    # Numbers, dates and the words a policy file names by code.
    date: Callable[[dt.date], str]
    at_least: Callable[[str, int], str]  # (metric, value): one part of a threshold
    noun: Callable[[str], str]  # the policy's subject_noun ("account", "seller")
    channel: Callable[[str], str]  # notice.channel ("private_message")
    tier_count: Callable[[int], str]  # "2 tiers"
    categories: Mapping[Category, str]
    kinds: Mapping[AccountKind, str]
    viewers: Mapping[ViewerCondition, str]
    restrictions: Mapping[Restriction, str]
    triggers: Mapping[Trigger, str]
    fields: Mapping[DisplayField, str]
    incentives: Mapping[Incentive, str]
    list_sep: str
    threshold_sep: str
    trigger_sep: str
    note: str  # a note from the policy file after a sentence
    # Section titles, in the order ``explain`` gives them.
    title_policy: str
    title_tiers: str
    title_covered: str
    title_floor: str
    title_notice: str
    title_shown: str
    title_viewers: str
    title_penalties: str
    title_incentives: str
    title_drop: str
    title_voluntary: str
    # Policy
    heading: str
    announced: str
    order: str
    # Tiers and phases
    tier: str
    tier_from: str
    tier_comply_by: str
    shown: str
    not_shown: str
    # Who is covered
    kinds_line: str
    scope_line: str
    every_except: str
    every_category: str
    platform_term: str
    # The floor
    floor: str
    # Notice
    notice: str
    recertify: str
    # What is shown
    individuals: str
    organisations: str
    where: str
    consent: str
    no_consent: str
    # Who may not see it
    hidden: str
    hidden_sep: str
    visible: str
    # Penalties
    penalty: str
    penalty_note: str
    withdrawn: str
    reduced: str
    lifted: str
    not_lifted: str
    no_penalty: str
    # Incentives
    incentive: str
    no_incentive: str
    # When followers drop
    released: str
    hold: str
    no_hold: str
    steep: str
    # Voluntary disclosure
    voluntary: str
    no_voluntary: str
    # one_line
    one_line: str
    one_line_tier: str
    one_line_sep: str


def _en_plural_tiers(n: int) -> str:
    return f"{n} tier{'s' if n != 1 else ''}"


ENGLISH = Phrasebook(
    date=lambda day: day.isoformat(),
    at_least=lambda metric, value: f"{value:,} or more {metric.replace('_', ' ')}",
    noun=lambda noun: noun,
    channel=lambda channel: channel.replace("_", " "),
    tier_count=_en_plural_tiers,
    categories={c: c.value for c in Category},
    kinds={k: k.value for k in AccountKind},
    viewers={
        ViewerCondition.LOGGED_OUT: "visitors who are not logged in",
        ViewerCondition.UNVERIFIED: "users who have not passed real-identity verification",
        ViewerCondition.ABNORMAL: "users flagged for abnormal behaviour",
        ViewerCondition.SANCTIONED: "users recently sanctioned",
        ViewerCondition.BANNED: "users currently banned",
        ViewerCondition.RISKY: "accounts deemed risky",
    },
    restrictions={
        Restriction.RECOMMENDATION_FEED: "exposure in the recommendation feed",
        Restriction.HOT_SEARCH: "exposure in hot search",
        Restriction.AD_REVENUE_SHARE: "advertising revenue share",
        Restriction.TIPPING: "tipping income",
        Restriction.COMMERCIAL_INCOME: "commercial income",
        Restriction.DISTRIBUTION: "content distribution",
        Restriction.SELLING: "selling (listings)",
    },
    triggers={t: t.value for t in Trigger},
    fields={
        DisplayField.REAL_NAME: "the holder's real name",
        DisplayField.ORGANIZATION_NAME: "the organisation's registered name",
        DisplayField.REGION: "state or province and country",
        DisplayField.BUSINESS_ADDRESS: "the business address",
    },
    incentives={i: i.value.replace("_", " ") for i in Incentive},
    list_sep=", ",
    threshold_sep=" and ",
    trigger_sep=" or ",
    note=" — {note}",
    title_policy="Policy",
    title_tiers="Tiers and phases",
    title_covered="Who is covered",
    title_floor="The floor (threshold promise)",
    title_notice="Notice",
    title_shown="What is shown",
    title_viewers="Who may not see it",
    title_penalties="Penalties on refusal or overdue",
    title_incentives="Incentives for compliance",
    title_drop="When followers drop",
    title_voluntary="Voluntary disclosure",
    heading="{title} — {platform}, version {version}",
    announced=", announced {date}",
    order=(
        "Tiers apply in the order listed: a {noun} takes the first tier it meets whose phase "
        "has started."
    ),
    tier="{label}: {threshold}; {when}; {days} days after notice; {shown} [{rule}]",
    tier_from="from {date}",
    tier_comply_by=", comply by {date}",
    shown="the name is shown",
    not_shown="identity verified, not shown",
    kinds_line="Kinds: {kinds} [{rule}]",
    scope_line="Categories in scope: {categories} [{rule}]",
    every_except="every category except {excluded}",
    every_category="every category except nothing",
    platform_term="Platform term '{term}' counts as {category}",
    floor="No {noun} below {threshold} is ever required to disclose [{rule}]",
    notice=(
        "By {channel}, in batches of {batch}; {days} days to comply unless a tier says "
        "otherwise [{rule}]"
    ),
    recertify="Re-certification every {days} days",
    individuals="Individuals: {fields}",
    organisations="Organisations: {fields}",
    where="Where: {where}; {consent} [{rule}]",
    consent="only after the holder consents",
    no_consent="consent is not asked",
    hidden="Hidden from {viewers}",
    hidden_sep="; ",
    visible="Visible to every viewer",
    penalty="{what}: {size} when {when}; {lift} [{rule}]",
    penalty_note=" ({note})",
    withdrawn="withdrawn",
    reduced="reduced to {percent} of normal",
    lifted="lifted on compliance",
    not_lifted="not lifted on compliance",
    no_penalty="None: the platform announced no penalty",
    incentive="{incentive} [{rule}]",
    no_incentive="None announced",
    released="Released after {days} consecutive days below the tier [{rule}]",
    hold="Anti-purge: no release within {days} days of a notice",
    no_hold="No anti-purge hold: a drop is tolerated",
    steep="Flagged for review: a fall of {percent} or more within {days} days",
    voluntary="A {noun} below the floor may choose to disclose, and withdraw at any time",
    no_voluntary="Not offered below the floor",
    one_line=(
        "{id} {version} ({platform}): {count} ({tiers}); "
        "{in_scope} of {total} categories in scope; floor {floor}; {rules} rules"
    ),
    one_line_tier="{label} from {date}",
    one_line_sep="; ",
)


def _zh_number(n: int) -> str:
    """A count as Chinese readers write it: 100 万, 1 亿, else the digits (5,000; 1,234,567)."""
    if n >= 100_000_000 and n % 100_000_000 == 0:
        return f"{n // 100_000_000:,} 亿"
    if n >= 10_000 and n % 10_000 == 0:
        return f"{n // 10_000:,} 万"
    return f"{n:,}"


_ZH_METRICS = {
    "followers": "粉丝数",
    "sales_12m": "近 12 个月销售笔数",
    "revenue_12m_usd": "近 12 个月美元销售额",
}


def _zh_at_least(metric: str, value: int) -> str:
    number = _zh_number(value)
    # A space between digits and Chinese, none between two Chinese characters.
    space = " " if number[-1].isascii() else ""
    return f"{_ZH_METRICS.get(metric, metric)} {number}{space}及以上"


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


_ZH_NOUNS = {"account": "账号", "seller": "卖家"}
_ZH_CHANNELS = {
    "private_message": "私信",
    "in_app_message": "站内信",
    "email": "电子邮件",
    "sms": "短信",
}

CHINESE = Phrasebook(
    date=_zh_date,
    at_least=_zh_at_least,
    noun=lambda noun: _ZH_NOUNS.get(noun, noun),
    channel=lambda channel: _ZH_CHANNELS.get(channel, channel.replace("_", " ")),
    tier_count=lambda n: f"{n} 个档位",
    categories={
        Category.CURRENT_AFFAIRS: "时政",
        Category.MILITARY: "军事",
        Category.FINANCE: "财经",
        Category.LAW: "法律",
        Category.MEDICINE: "医疗",
        Category.EDUCATION: "教育",
        Category.ENTERTAINMENT: "娱乐",
        Category.DAILY_LIFE: "日常生活",
        Category.OTHER: "其他",
    },
    kinds={AccountKind.INDIVIDUAL: "个人", AccountKind.ORGANIZATION: "机构"},
    viewers={
        ViewerCondition.LOGGED_OUT: "未登录的访客",
        ViewerCondition.UNVERIFIED: "未通过实名认证的用户",
        ViewerCondition.ABNORMAL: "被标记为行为异常的用户",
        ViewerCondition.SANCTIONED: "近期受过处罚的用户",
        ViewerCondition.BANNED: "正处于封禁期的用户",
        ViewerCondition.RISKY: "被判定为有风险的账号",
    },
    restrictions={
        Restriction.RECOMMENDATION_FEED: "推荐流曝光",
        Restriction.HOT_SEARCH: "热搜曝光",
        Restriction.AD_REVENUE_SHARE: "广告收益分成",
        Restriction.TIPPING: "打赏收入",
        Restriction.COMMERCIAL_INCOME: "商业收入",
        Restriction.DISTRIBUTION: "内容分发",
        Restriction.SELLING: "商品售卖（商品上架）",
    },
    triggers={Trigger.REFUSED: "拒绝公示", Trigger.OVERDUE: "逾期未完成"},
    fields={
        DisplayField.REAL_NAME: "账号持有人的真实姓名",
        DisplayField.ORGANIZATION_NAME: "机构的登记名称",
        DisplayField.REGION: "所在省（州）及国家",
        DisplayField.BUSINESS_ADDRESS: "经营地址",
    },
    incentives={
        Incentive.RECOMMENDATION_BOOST: "更多推荐流量",
        Incentive.TRUSTED_ACCOUNT: "可信账号标识",
        Incentive.MONETISATION_SUPPORT: "变现扶持",
    },
    list_sep="、",
    threshold_sep="且",
    trigger_sep="或",
    note="——{note}",
    title_policy="政策",
    title_tiers="档位与阶段",
    title_covered="适用对象",
    title_floor="门槛底线（门槛承诺）",
    title_notice="通知",
    title_shown="公示内容",
    title_viewers="哪些用户看不到",
    title_penalties="拒绝或逾期的处罚",
    title_incentives="合规激励",
    title_drop="粉丝数下降时",
    title_voluntary="自愿公示",
    heading="{title}——{platform}，版本 {version}",
    announced="，{date}公布",
    order="各档位按所列顺序适用：{noun}归入其已达到门槛且阶段已开始的第一个档位。",
    tier="{label}：{threshold}；{when}；收到通知后 {days} 天内完成；{shown} [{rule}]",
    tier_from="自 {date}起",
    tier_comply_by="，须在 {date}前完成",
    shown="公示实名信息",
    not_shown="仅核验身份，不公示实名信息",
    kinds_line="主体类型：{kinds} [{rule}]",
    scope_line="适用的内容类别：{categories} [{rule}]",
    every_except="除{excluded}外的所有类别",
    every_category="所有类别，无一例外",
    platform_term="平台用语“{term}”归入{category}类",
    floor="只有{threshold}的{noun}才可能被要求公示实名信息，低于此门槛的一律不要求 [{rule}]",
    notice=(
        "通过{channel}通知，每批 {batch} 个{noun}；除档位另有规定外，"
        "须在收到通知后 {days} 天内完成 [{rule}]"
    ),
    recertify="每 {days} 天重新认证一次",
    individuals="个人：{fields}",
    organisations="机构：{fields}",
    where="公示位置：{where}；{consent} [{rule}]",
    consent="须经账号持有人同意后才公示",
    no_consent="无需征得账号持有人同意",
    hidden="不向以下用户显示：{viewers}",
    hidden_sep="；",
    visible="对所有用户可见",
    penalty="{what}：{when}时{size}；{lift} [{rule}]",
    penalty_note="（{note}）",
    withdrawn="取消",
    reduced="降至正常水平的 {percent}",
    lifted="合规后恢复",
    not_lifted="合规后也不恢复",
    no_penalty="无：平台未公布处罚措施",
    incentive="{incentive} [{rule}]",
    no_incentive="未公布",
    released="连续 {days} 天低于档位门槛后解除公示义务 [{rule}]",
    hold="防清粉规避：发出通知后 {days} 天内不予解除",
    no_hold="不设防清粉规避期：数量下降后即可按规定解除",
    steep="标记待复核：{days} 天内降幅达 {percent} 及以上",
    voluntary="低于门槛底线的{noun}可自愿公示，并可随时撤回",
    no_voluntary="门槛底线以下不提供自愿公示",
    one_line=(
        "{id} {version}（{platform}）：{count}（{tiers}）；"
        "{total} 个内容类别中 {in_scope} 个在适用范围内；门槛底线为{floor}；共 {rules} 条规则"
    ),
    one_line_tier="{label} 自 {date}起",
    one_line_sep="；",
)

PHRASEBOOKS: Mapping[str, Phrasebook] = {"en": ENGLISH, "zh-CN": CHINESE}


def phrasebook(lang: str) -> Phrasebook:
    """The phrasebook for ``lang`` (one of :data:`LANGUAGES`)."""
    try:
        return PHRASEBOOKS[lang]
    except KeyError:
        raise ValueError(
            f"no explanation in {lang!r}; choose one of {', '.join(LANGUAGES)}"
        ) from None


def describe_threshold(threshold: Threshold, lang: str = "en") -> str:
    words = phrasebook(lang)
    return words.threshold_sep.join(
        words.at_least(metric, value) for metric, value in threshold.items()
    )


def describe_penalty(penalty: Penalty, lang: str = "en") -> str:
    words = phrasebook(lang)
    size = (
        words.withdrawn
        if penalty.factor == 0
        else words.reduced.format(percent=f"{penalty.factor:.0%}")
    )
    line = words.penalty.format(
        what=words.restrictions[penalty.restriction],
        size=size,
        when=words.trigger_sep.join(words.triggers[t] for t in penalty.on),
        lift=words.lifted if penalty.lifted_on_compliance else words.not_lifted,
        rule=penalty.id,
    )
    return line + (words.penalty_note.format(note=penalty.note) if penalty.note else "")


def explain(policy: Policy, lang: str = "en") -> tuple[Section, ...]:
    """The whole policy as titled sections of plain sentences, each naming its rule id."""
    words = phrasebook(lang)
    noun = words.noun(policy.policy.subject_noun)
    header = policy.policy
    scope = policy.scope
    sep = words.list_sep

    def noted(text: str) -> str:
        return words.note.format(note=text) if text else ""

    if scope.categories is not None:
        in_scope = sep.join(words.categories[c] for c in scope.categories)
    elif scope.exclude:
        excluded = sep.join(words.categories[c] for c in scope.exclude)
        in_scope = words.every_except.format(excluded=excluded)
    else:
        in_scope = words.every_category
    tiers = []
    for tier in policy.tiers:
        when = words.tier_from.format(date=words.date(tier.phase_starts))
        if tier.comply_by:
            when += words.tier_comply_by.format(date=words.date(tier.comply_by))
        tiers.append(
            words.tier.format(
                label=tier.label,
                threshold=describe_threshold(tier.threshold, lang),
                when=when,
                days=tier.deadline_days or policy.notice.deadline_days,
                shown=words.shown if tier.disclose else words.not_shown,
                rule=tier.id,
            )
        )
    hidden = [words.viewers[v] for v in policy.viewers.hidden_from]
    drop = policy.drop
    notice = policy.notice
    display = policy.display
    sections = [
        Section(
            words.title_policy,
            (
                words.heading.format(
                    title=header.title, platform=header.platform, version=header.version
                )
                + (
                    words.announced.format(date=words.date(header.announced))
                    if header.announced
                    else ""
                ),
                words.order.format(noun=noun),
            ),
        ),
        Section(words.title_tiers, tuple(tiers)),
        Section(
            words.title_covered,
            (
                words.kinds_line.format(
                    kinds=sep.join(words.kinds[k] for k in policy.subjects.kinds),
                    rule=policy.subjects.id,
                ),
                words.scope_line.format(categories=in_scope, rule=scope.id) + noted(scope.note),
                *(
                    words.platform_term.format(term=term, category=words.categories[cat])
                    for term, cat in scope.platform_terms.items()
                ),
            ),
        ),
        Section(
            words.title_floor,
            (
                words.floor.format(
                    noun=noun,
                    threshold=describe_threshold(policy.floor.threshold, lang),
                    rule=policy.floor.id,
                )
                + noted(policy.floor.pledge),
            ),
        ),
        Section(
            words.title_notice,
            (
                words.notice.format(
                    channel=words.channel(notice.channel),
                    batch=f"{notice.batch_size:,}",
                    noun=noun,
                    days=notice.deadline_days,
                    rule=notice.id,
                ),
                *(
                    [words.recertify.format(days=notice.recertify_every_days)]
                    if notice.recertify_every_days
                    else []
                ),
            ),
        ),
        Section(
            words.title_shown,
            (
                words.individuals.format(
                    fields=sep.join(words.fields[f] for f in display.individual)
                ),
                words.organisations.format(
                    fields=sep.join(words.fields[f] for f in display.organization)
                ),
                words.where.format(
                    where=display.where,
                    consent=words.consent if display.requires_consent else words.no_consent,
                    rule=display.id,
                ),
            ),
        ),
        Section(
            words.title_viewers,
            (
                words.hidden.format(viewers=words.hidden_sep.join(hidden))
                if hidden
                else words.visible,
                f"[{policy.viewers.id}]"
                + (f" {policy.viewers.note}" if policy.viewers.note else ""),
            ),
        ),
        Section(
            words.title_penalties,
            tuple(describe_penalty(p, lang) for p in policy.penalties) or (words.no_penalty,),
        ),
        Section(
            words.title_incentives,
            tuple(
                words.incentive.format(incentive=words.incentives[i.incentive], rule=i.id)
                + noted(i.note)
                for i in policy.incentives
            )
            or (words.no_incentive,),
        ),
        Section(
            words.title_drop,
            (
                words.released.format(days=drop.release_after_days_below, rule=drop.id),
                (
                    words.hold.format(days=drop.hold_after_notice_days)
                    if drop.hold_after_notice_days
                    else words.no_hold
                ),
                words.steep.format(
                    percent=f"{drop.steep_drop_fraction:.0%}", days=drop.steep_drop_window_days
                ),
            ),
        ),
        Section(
            words.title_voluntary,
            (
                (
                    words.voluntary.format(noun=noun)
                    if policy.voluntary.allowed
                    else words.no_voluntary
                )
                + f" [{policy.voluntary.id}]",
            ),
        ),
    ]
    return tuple(sections)


def one_line(policy: Policy, lang: str = "en") -> str:
    """A valid policy in one line: id, version, tiers with their phases, scope, floor."""
    words = phrasebook(lang)
    tiers = words.one_line_sep.join(
        words.one_line_tier.format(label=t.label, date=words.date(t.phase_starts))
        for t in policy.tiers
    )
    return words.one_line.format(
        id=policy.id,
        version=policy.version,
        platform=policy.policy.platform,
        count=words.tier_count(len(policy.tiers)),
        tiers=tiers,
        in_scope=len(policy.scope.in_scope()),
        total=len(Category),
        floor=describe_threshold(policy.floor.threshold, lang),
        rules=len(policy.rule_ids()),
    )


# --- reasons in words (English, for the CLI; the console has its catalogues) ------------------

REASON_WORDS: Mapping[type, Mapping[str, str]] = {
    RejectionReason: {
        RejectionReason.NAME_MISMATCH: "the name does not match the identity document",
        RejectionReason.DOCUMENT_UNREADABLE: "the identity document cannot be read",
        RejectionReason.NOT_A_REAL_NAME: "not a real name",
        RejectionReason.INCOMPLETE: "the name is incomplete",
        RejectionReason.NO_IDENTITY_RECORD: "no identity on record for the holder",
        RejectionReason.OTHER: "other",
    },
    RefusalReason: {
        RefusalReason.PRIVACY: "privacy",
        RefusalReason.SAFETY: "fears for their safety",
        RefusalReason.DISAGREE: "disagrees with the programme",
        RefusalReason.OTHER: "other",
    },
    AppealReason: {
        AppealReason.WRONG_CATEGORY: "the account's category is wrong",
        AppealReason.WRONG_COUNT: "the counts are wrong",
        AppealReason.NOT_SELF_MEDIA: "not a self-media account",
        AppealReason.OTHER: "other",
    },
    AppealDecisionReason: {
        AppealDecisionReason.CATEGORY_CONFIRMED: "the category was confirmed",
        AppealDecisionReason.CATEGORY_CORRECTED: "the category was corrected",
        AppealDecisionReason.COUNTS_CONFIRMED: "the counts were confirmed",
        AppealDecisionReason.COUNTS_CORRECTED: "the counts were corrected",
        AppealDecisionReason.OTHER: "other",
    },
    WithdrawalReason: {
        WithdrawalReason.PRIVACY: "privacy",
        WithdrawalReason.SAFETY: "fears for their safety",
        WithdrawalReason.NO_LONGER_WANTED: "no longer wants the name shown",
        WithdrawalReason.OTHER: "other",
    },
    StaffReadReason: {
        StaffReadReason.REVIEW: "review",
        StaffReadReason.IDENTITY_CHECK: "identity check",
        StaffReadReason.COMPLAINT: "a complaint",
        StaffReadReason.LEGAL_REQUEST: "a legal request",
        StaffReadReason.OTHER: "other",
    },
    ErasureReason: {
        ErasureReason.ERASURE_REQUEST: "the holder asked for erasure",
        ErasureReason.LEGAL_ORDER: "a legal order",
        ErasureReason.OTHER: "other",
    },
}


def reason_in_words(action: str, code: str | None) -> str:
    """An audit entry's reason code in English words ("" for none; an unknown code as it is)."""
    if not code:
        return ""
    try:
        kind = REASON_LISTS[AuditAction(action)]
    except (KeyError, ValueError):
        return code
    return REASON_WORDS[kind].get(code, code)

