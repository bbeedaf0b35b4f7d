"""Every transition of the case, and what it causes."""

from __future__ import annotations

import datetime as dt

import pytest

from byline.domain.cases import (
    Appeal,
    Approve,
    Case,
    CaseState,
    CreatorMessage,
    DecideAppeal,
    EnforcementChanged,
    Flagged,
    LabelChanged,
    Notify,
    Observe,
    Open,
    Refuse,
    Reject,
    Submit,
    Sweep,
    TransitionError,
    Volunteer,
    Withdraw,
    transition,
)
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    AuditAction,
    RefusalReason,
    RejectionReason,
)
from byline.policy import load_policy

WEIBO = load_policy("weibo")
USI = load_policy("us-inform")
T0 = dt.datetime(2023, 12, 22, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def opened(followers: int = 800_000, tier: str = "weibo.tier.500k") -> Case:
    event = Open(
        "c1", "acct", AccountKind.INDIVIDUAL, tier, {"followers": followers}, T0.date(), "cycle-1"
    )
    return transition(None, event, T0, WEIBO).case


def notified(**kw: int) -> Case:
    return transition(opened(**kw), Notify("cycle-1"), T0, WEIBO).case


def submitted() -> Case:
    return transition(notified(), Submit("n1", consent=True), T0 + DAY, WEIBO).case


def disclosed() -> Case:
    return transition(submitted(), Approve("rev"), T0 + 2 * DAY, WEIBO).case


def effects_of(kind: type, result: object) -> list[object]:
    return [e for e in result.effects if isinstance(e, kind)]  # type: ignore[attr-defined]


def restrictions(result: object) -> set[str]:
    (change,) = effects_of(EnforcementChanged, result)
    return {r.restriction.value for r in change.restrictions}  # type: ignore[attr-defined]


def test_open_then_notify_sets_deadline_from_policy() -> None:
    case = opened()
    assert case.state is CaseState.REQUIRED
    result = transition(case, Notify("cycle-1"), T0, WEIBO)
    assert result.case.state is CaseState.NOTIFIED
    # notice 22 Dec + 9 days = 31 Dec 02:00, but comply_by 31 Dec: end of that day wins
    assert result.case.deadline == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    (message,) = effects_of(CreatorMessage, result)
    assert message.template == "notice"  # type: ignore[attr-defined]
    assert result.actions == (AuditAction.CASE_NOTIFIED,)


def test_deadline_is_notice_plus_period_when_later_than_comply_by() -> None:
    late = dt.datetime(2024, 1, 10, tzinfo=dt.UTC)
    case = transition(opened(), Notify("c"), late, WEIBO).case
    assert case.deadline == late + 9 * DAY


def test_submit_approve_discloses_and_shows_label() -> None:
    case = submitted()
    assert case.state is CaseState.SUBMITTED and case.pending_name_id == "n1"
    result = transition(case, Approve("rev"), T0 + 2 * DAY, WEIBO)
    assert result.case.state is CaseState.DISCLOSED
    assert result.actions == (AuditAction.CASE_VERIFIED, AuditAction.CASE_DISCLOSED)
    assert effects_of(LabelChanged, result) == [LabelChanged(True, "n1")]
    # disclosure grants Weibo's incentives
    (change,) = effects_of(EnforcementChanged, result)
    assert change.incentives == ("weibo.incentive.traffic", "weibo.incentive.monetisation")  # type: ignore[attr-defined]


def test_consent_is_required_where_the_policy_says() -> None:
    with pytest.raises(TransitionError, match="consent"):
        transition(notified(), Submit("n1", consent=False), T0, WEIBO)


def test_reject_then_resubmit() -> None:
    result = transition(submitted(), Reject("rev", RejectionReason.NAME_MISMATCH), T0, WEIBO)
    assert result.case.state is CaseState.REJECTED and result.case.pending_name_id is None
    assert effects_of(CreatorMessage, result)[0].data == {"reason": "name_mismatch"}  # type: ignore[attr-defined]
    again = transition(result.case, Submit("n2", consent=True), T0, WEIBO).case
    assert again.state is CaseState.SUBMITTED and again.pending_name_id == "n2"


@pytest.mark.parametrize(
    "state_of",
    [notified, lambda: transition(submitted(), Reject("r", RejectionReason.OTHER), T0, WEIBO).case],
)
def test_past_deadline_goes_overdue_with_penalties(state_of) -> None:  # type: ignore[no-untyped-def]
    case = state_of()
    assert transition(case, Sweep(), case.deadline - dt.timedelta(seconds=1), WEIBO).actions == ()
    result = transition(case, Sweep(), case.deadline, WEIBO)
    assert result.case.state is CaseState.OVERDUE
    assert restrictions(result) == {
        "recommendation_feed",
        "hot_search",
        "ad_revenue_share",
        "tipping",
    }


def test_submitted_is_not_overdue_while_awaiting_review() -> None:
    case = submitted()
    assert transition(case, Sweep(), case.deadline + 5 * DAY, WEIBO).case.state is (
        CaseState.SUBMITTED
    )


def test_refuse_penalises_and_compliance_lifts() -> None:
    result = transition(notified(), Refuse(RefusalReason.PRIVACY), T0, WEIBO)
    assert result.case.state is CaseState.REFUSED
    assert restrictions(result) == {
        "recommendation_feed",
        "hot_search",
        "ad_revenue_share",
        "tipping",
    }
    case = transition(result.case, Submit("n1", consent=True), T0, WEIBO).case
    assert case.penalised_for is not None  # still penalised until compliance
    done = transition(case, Approve("rev"), T0, WEIBO)
    assert done.case.state is CaseState.DISCLOSED
    (change,) = effects_of(EnforcementChanged, done)
    assert change.restrictions == ()  # type: ignore[attr-defined]


def test_penalties_not_lifted_on_compliance_linger() -> None:
    policy = WEIBO.model_copy(
        update={
            "penalties": (
                WEIBO.penalties[0].model_copy(update={"lifted_on_compliance": False}),
                *WEIBO.penalties[1:],
            )
        }
    )
    case = transition(notified(), Refuse(), T0, policy).case
    case = transition(case, Submit("n1", consent=True), T0, policy).case
    result = transition(case, Approve("rev"), T0, policy)
    (change,) = effects_of(EnforcementChanged, result)
    assert [r.penalty_id for r in change.restrictions] == ["weibo.penalty.feed"]  # type: ignore[attr-defined]


def test_appeal_upheld_withdraws_obligation_and_lifts_penalties() -> None:
    overdue = transition(notified(), Sweep(), T0 + 30 * DAY, WEIBO).case
    appealed = transition(overdue, Appeal(AppealReason.WRONG_CATEGORY), T0 + 31 * DAY, WEIBO)
    assert appealed.case.state is CaseState.APPEALED and appealed.case.appeal_from is (
        CaseState.OVERDUE
    )
    result = transition(
        appealed.case, DecideAppeal(True, "rev", AppealDecisionReason.CATEGORY_CORRECTED), T0, WEIBO
    )
    assert result.case.state is CaseState.EXEMPTED
    assert effects_of(EnforcementChanged, result)[0].restrictions == ()  # type: ignore[attr-defined]


def test_appeal_denied_restarts_deadline() -> None:
    appealed = transition(notified(), Appeal(AppealReason.WRONG_CATEGORY), T0 + DAY, WEIBO).case
    assert appealed.deadline is None and appealed.paused_remaining is not None
    decided_at = T0 + 5 * DAY
    result = transition(
        appealed,
        DecideAppeal(False, "rev", AppealDecisionReason.CATEGORY_CONFIRMED),
        decided_at,
        WEIBO,
    )
    assert result.case.state is CaseState.NOTIFIED
    assert result.case.deadline == decided_at + 9 * DAY


def test_appeal_denied_after_refusal_stays_refused() -> None:
    refused = transition(notified(), Refuse(), T0, WEIBO).case
    appealed = transition(refused, Appeal(AppealReason.OTHER), T0, WEIBO).case
    assert transition(
        appealed, DecideAppeal(False, "rev", AppealDecisionReason.OTHER), T0, WEIBO
    ).case.state is (CaseState.REFUSED)


def test_release_after_days_below_but_not_during_anti_purge_hold() -> None:
    case = notified(followers=7_060_000, tier="weibo.tier.1m")
    day = T0.date()
    purge = transition(
        case, Observe({"followers": 100_000}, day + DAY, False, None), T0 + DAY, WEIBO
    )
    assert effects_of(Flagged, purge)[0].flag == "steep_drop"  # type: ignore[attr-defined]
    case = purge.case
    assert case.below_since == day + DAY
    # 30 days below, but within 90 days of the notice: held
    later = transition(
        case, Observe({"followers": 100_000}, day + 40 * DAY, False, None), T0 + 40 * DAY, WEIBO
    )
    assert later.case.is_open
    released = transition(
        later.case,
        Observe({"followers": 100_000}, day + 91 * DAY, False, None),
        T0 + 91 * DAY,
        WEIBO,
    )
    assert released.case.state is CaseState.RELEASED and not released.case.is_open


def test_back_above_resets_the_drop_clock() -> None:
    case = notified()
    day = T0.date()
    case = transition(case, Observe({"followers": 400_000}, day, False, None), T0, WEIBO).case
    case = transition(
        case, Observe({"followers": 600_000}, day + 10 * DAY, True, "weibo.tier.500k"), T0, WEIBO
    ).case
    assert case.below_since is None


def test_disclosed_label_comes_down_below_the_floor_and_back_up() -> None:
    case = disclosed()
    day = T0.date() + 3 * DAY
    down = transition(case, Observe({"followers": 450_000}, day, False, None), T0, WEIBO)
    assert down.case.state is CaseState.VERIFIED
    assert effects_of(LabelChanged, down) == [LabelChanged(False, None)]
    up = transition(
        down.case, Observe({"followers": 520_000}, day + DAY, True, "weibo.tier.500k"), T0, WEIBO
    )
    assert up.case.state is CaseState.DISCLOSED
    assert effects_of(LabelChanged, up) == [LabelChanged(True, "n1")]


def test_volunteer_below_the_floor_and_withdraw() -> None:
    event = Volunteer("v1", "ceo", AccountKind.INDIVIDUAL, "n9", {"followers": 1_000})
    case = transition(None, event, T0, WEIBO).case
    assert case.voluntary and case.state is CaseState.SUBMITTED
    shown = transition(case, Approve("rev"), T0, WEIBO)
    assert shown.case.state is CaseState.DISCLOSED
    assert effects_of(LabelChanged, shown) == [LabelChanged(True, "n9")]
    gone = transition(shown.case, Withdraw(), T0, WEIBO)
    assert gone.case.state is CaseState.WITHDRAWN
    assert effects_of(LabelChanged, gone) == [LabelChanged(False, None)]
    with pytest.raises(TransitionError, match="withdrawn, not refused"):
        transition(shown.case, Refuse(), T0, WEIBO)


def test_volunteer_not_offered_when_policy_says_no() -> None:
    policy = WEIBO.model_copy(
        update={"voluntary": WEIBO.voluntary.model_copy(update={"allowed": False})}
    )
    with pytest.raises(TransitionError, match="voluntary"):
        transition(None, Volunteer("v", "a", AccountKind.INDIVIDUAL, "n", {}), T0, policy)


def test_name_change_after_disclosure_shows_only_after_reverification() -> None:
    case = disclosed()
    changed = transition(case, Submit("n2", consent=True), T0, WEIBO)
    assert changed.case.state is CaseState.DISCLOSED and changed.case.name_id == "n1"
    assert effects_of(LabelChanged, changed) == []  # still the old, verified name
    approved = transition(changed.case, Approve("rev"), T0, WEIBO)
    assert approved.case.name_id == "n2"
    assert effects_of(LabelChanged, approved) == [LabelChanged(True, "n2")]
    rejected = transition(changed.case, Reject("rev", RejectionReason.OTHER), T0, WEIBO)
    assert rejected.case.name_id == "n1" and rejected.case.state is CaseState.DISCLOSED


def test_verify_only_tier_verifies_without_showing() -> None:
    event = Open(
        "c",
        "seller",
        AccountKind.INDIVIDUAL,
        "us-inform.tier.verify",
        {"sales_12m": 300, "revenue_12m_usd": 9_000},
        T0.date(),
    )
    case = transition(None, event, T0, USI).case
    case = transition(case, Notify("c"), T0, USI).case
    case = transition(case, Submit("n", consent=False), T0, USI).case  # no consent asked
    result = transition(case, Approve("rev"), T0, USI)
    assert result.case.state is CaseState.VERIFIED
    assert effects_of(LabelChanged, result) == []


@pytest.mark.parametrize(
    "event, state_of",
    [
        (Approve("rev"), notified),
        (Notify("x"), notified),
        (Withdraw(), notified),
        (DecideAppeal(True, "r", AppealDecisionReason.OTHER), notified),
        (Appeal(AppealReason.OTHER), disclosed),
    ],
)
def test_disallowed_events_say_why(event, state_of) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TransitionError):
        transition(state_of(), event, T0, WEIBO)


def test_closed_case_takes_no_events() -> None:
    event = Volunteer("v1", "ceo", AccountKind.INDIVIDUAL, "n9", {"followers": 1_000})
    case = transition(transition(None, event, T0, WEIBO).case, Withdraw(), T0, WEIBO).case
    with pytest.raises(TransitionError, match="closed"):
        transition(case, Submit("n", True), T0, WEIBO)
    # but the account may volunteer again
    assert transition(case, event, T0, WEIBO).case.state is CaseState.SUBMITTED


def test_audit_summaries_carry_no_name_ids_or_names() -> None:
    summary = disclosed().summary()
    assert "n1" not in str(summary) and summary["name_on_file"] is True


def test_no_notice_below_the_floor() -> None:
    case = opened(followers=2_000_000, tier="weibo.tier.1m")
    dropped = transition(case, Observe({"followers": 100_000}, T0.date(), False, None), T0, WEIBO)
    with pytest.raises(TransitionError, match="below the floor"):
        transition(dropped.case, Notify("c"), T0, WEIBO)


def test_denied_appeal_never_shortens_the_deadline() -> None:
    case = notified()  # deadline 1 Jan 2024 00:00: 9 days 22 hours away, more than 9 days
    appealed = transition(case, Appeal(AppealReason.OTHER), T0, WEIBO).case
    result = transition(
        appealed, DecideAppeal(False, "rev", AppealDecisionReason.OTHER), T0 + 2 * DAY, WEIBO
    )
    remaining = case.deadline - T0  # type: ignore[operator]
    assert remaining > dt.timedelta(days=9)
    assert result.case.deadline == T0 + 2 * DAY + remaining


def test_volunteer_who_comes_to_qualify_gets_notice_and_deadline() -> None:
    event = Volunteer("v1", "riser", AccountKind.INDIVIDUAL, "n9", {"followers": 10_000})
    case = transition(None, event, T0, WEIBO).case  # submitted, awaiting review
    result = transition(
        case, Observe({"followers": 800_000}, T0.date(), True, "weibo.tier.500k"), T0, WEIBO
    )
    assert not result.case.voluntary and result.case.deadline is not None
    assert [e.template for e in effects_of(CreatorMessage, result)] == ["notice"]  # type: ignore[attr-defined]
    rejected = transition(result.case, Reject("rev", RejectionReason.NAME_MISMATCH), T0, WEIBO).case
    overdue = transition(rejected, Sweep(), result.case.deadline, WEIBO)  # type: ignore[arg-type]
    assert overdue.case.state is CaseState.OVERDUE
