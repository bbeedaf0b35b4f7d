"""A policy in plain words, for compliance leads, reviewers and creators."""

from __future__ import annotations

from dataclasses import dataclass

from byline.domain.policy import Penalty, Policy, Threshold
from byline.domain.vocabulary import Category, DisplayField, Restriction, ViewerCondition

_VIEWERS = {
    ViewerCondition.LOGGED_OUT: "visitors who are not logged in",
    ViewerCondition.UNVERIFIED: "users who have not passed real-identity verification",
    ViewerCondition.ABNORMAL: "users flagged for abnormal behaviour",
    ViewerCondition.SANCTIONED: "users recently sanctioned",
    ViewerCondition.BANNED: "users currently banned",
    ViewerCondition.RISKY: "accounts deemed risky",
}
_RESTRICTIONS = {
    Restriction.RECOMMENDATION_FEED: "exposure in the recommendation feed",
    Restriction.HOT_SEARCH: "exposure in hot search",
    Restriction.AD_REVENUE_SHARE: "advertising revenue share",
    Restriction.TIPPING: "tipping income",
    Restriction.COMMERCIAL_INCOME: "commercial income",
    Restriction.DISTRIBUTION: "content distribution",
    Restriction.SELLING: "selling (listings)",
}
_FIELDS = {
    DisplayField.REAL_NAME: "the holder's real name",
    DisplayField.ORGANIZATION_NAME: "the organisation's registered name",
    DisplayField.REGION: "state or province and country",
    DisplayField.BUSINESS_ADDRESS: "the business address",
}


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def describe_threshold(threshold: Threshold) -> str:
    return " and ".join(
        f"{value:,} or more {metric.replace('_', ' ')}" for metric, value in threshold.items()
    )


def describe_penalty(penalty: Penalty) -> str:
    what = _RESTRICTIONS[penalty.restriction]
    size = "withdrawn" if penalty.factor == 0 else f"reduced to {penalty.factor:.0%} of normal"
    when = " or ".join(t.value for t in penalty.on)
    lift = "lifted on compliance" if penalty.lifted_on_compliance else "not lifted on compliance"
    note = f" ({penalty.note})" if penalty.note else ""
    return f"{what}: {size} when {when}; {lift} [{penalty.id}]{note}"


def explain(policy: Policy) -> tuple[Section, ...]:
    """The whole policy as titled sections of plain sentences, each naming its rule id."""
    noun = policy.policy.subject_noun
    header = policy.policy
    scope = policy.scope
    if scope.categories is not None:
        in_scope = ", ".join(c.value for c in scope.categories)
    else:
        excluded = ", ".join(c.value for c in scope.exclude or ()) or "nothing"
        in_scope = f"every category except {excluded}"
    tiers = []
    for tier in policy.tiers:
        when = f"from {tier.phase_starts.isoformat()}"
        if tier.comply_by:
            when += f", comply by {tier.comply_by.isoformat()}"
        days = tier.deadline_days or policy.notice.deadline_days
        shown = "the name is shown" if tier.disclose else "identity verified, not shown"
        tiers.append(
            f"{tier.label}: {describe_threshold(tier.threshold)}; {when}; "
            f"{days} days after notice; {shown} [{tier.id}]"
        )
    hidden = [_VIEWERS[v] for v in policy.viewers.hidden_from]
    drop = policy.drop
    sections = [
        Section(
            "Policy",
            (
                f"{header.title} — {header.platform}, version {header.version}"
                + (f", announced {header.announced.isoformat()}" if header.announced else ""),
                f"Tiers apply in the order listed: a {noun} takes the first tier it meets "
                f"whose phase "
                "has started.",
            ),
        ),
        Section("Tiers and phases", tuple(tiers)),
        Section(
            "Who is covered",
            (
                f"Kinds: {', '.join(k.value for k in policy.subjects.kinds)} "
                f"[{policy.subjects.id}]",
                f"Categories in scope: {in_scope} [{scope.id}]"
                + (f" — {scope.note}" if scope.note else ""),
                *(
                    f"Platform term '{term}' counts as {cat.value}"
                    for term, cat in scope.platform_terms.items()
                ),
            ),
        ),
        Section(
            "The floor (threshold promise)",
            (
                f"No {noun} below {describe_threshold(policy.floor.threshold)} is ever required to "
                f"disclose [{policy.floor.id}]"
                + (f" — {policy.floor.pledge}" if policy.floor.pledge else ""),
            ),
        ),
        Section(
            "Notice",
            (
                f"By {policy.notice.channel.replace('_', ' ')}, in batches of "
                f"{policy.notice.batch_size:,}; {policy.notice.deadline_days} days to comply "
                f"unless a "
                f"tier says otherwise [{policy.notice.id}]",
                *(
                    [f"Re-certification every {policy.notice.recertify_every_days} days"]
                    if policy.notice.recertify_every_days
                    else []
                ),
            ),
        ),
        Section(
            "What is shown",
            (
                f"Individuals: {', '.join(_FIELDS[f] for f in policy.display.individual)}",
                f"Organisations: {', '.join(_FIELDS[f] for f in policy.display.organization)}",
                f"Where: {policy.display.where}; "
                + (
                    "only after the holder consents"
                    if policy.display.requires_consent
                    else "consent is not asked"
                )
                + f" [{policy.display.id}]",
            ),
        ),
        Section(
            "Who may not see it",
            (
                ("Hidden from " + "; ".join(hidden)) if hidden else "Visible to every viewer",
                f"[{policy.viewers.id}]"
                + (f" {policy.viewers.note}" if policy.viewers.note else ""),
            ),
        ),
        Section(
            "Penalties on refusal or overdue",
            tuple(describe_penalty(p) for p in policy.penalties)
            or ("None: the platform announced no penalty",),
        ),
        Section(
            "Incentives for compliance",
            tuple(
                f"{i.incentive.value.replace('_', ' ')} [{i.id}]"
                + (f" — {i.note}" if i.note else "")
                for i in policy.incentives
            )
            or ("None announced",),
        ),
        Section(
            "When followers drop",
            (
                f"Released after {drop.release_after_days_below} consecutive days below the tier "
                f"[{drop.id}]",
                (
                    f"Anti-purge: no release within {drop.hold_after_notice_days} days of a notice"
                    if drop.hold_after_notice_days
                    else "No anti-purge hold: a drop is tolerated"
                ),
                f"Flagged for review: a fall of {drop.steep_drop_fraction:.0%} or more within "
                f"{drop.steep_drop_window_days} days",
            ),
        ),
        Section(
            "Voluntary disclosure",
            (
                (
                    f"A {noun} below the floor may choose to disclose, and withdraw at any time"
                    if policy.voluntary.allowed
                    else "Not offered below the floor"
                )
                + f" [{policy.voluntary.id}]",
            ),
        ),
    ]
    return tuple(sections)


def one_line(policy: Policy) -> str:
    """A valid policy in one line: id, version, tiers with their phases, scope, floor."""
    tiers = "; ".join(f"{t.label} from {t.phase_starts.isoformat()}" for t in policy.tiers)
    return (
        f"{policy.id} {policy.version} ({policy.policy.platform}): {len(policy.tiers)} "
        f"tier{'s' if len(policy.tiers) != 1 else ''} ({tiers}); "
        f"{len(policy.scope.in_scope())} of {len(Category)} categories in scope; "
        f"floor {describe_threshold(policy.floor.threshold)}; "
        f"{len(policy.rule_ids())} rules"
    )
