"""The threshold promise over generated sequences of events: no account below the floor is
ever disclosed unless its holder volunteered — whatever creators, reviewers and cycles do."""

from __future__ import annotations

import datetime as dt

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from byline.domain.cases import (
    Appeal,
    Approve,
    Case,
    CaseState,
    DecideAppeal,
    EnforcementChanged,
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
from byline.domain.decision import Account, decide
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    AuditAction,
    Category,
    Outcome,
    RejectionReason,
)
from byline.policy import load_policy, preset_names

FOLLOWERS = st.one_of(
    st.sampled_from([0, 1_000, 499_999, 500_000, 500_001, 999_999, 1_000_000, 7_060_000]),
    st.integers(0, 10_000_000),
)


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.policy = load_policy("weibo")
        self.case: Case | None = None
        self.now = dt.datetime(2023, 12, 22, tzinfo=dt.UTC)
        self.followers = 0
        self.label_live = False
        self.label_name: str | None = None
        self.names = 0
        self.restricted = False

    @rule(policy=st.sampled_from(preset_names()))
    @precondition(lambda self: self.case is None)
    def choose_policy(self, policy: str) -> None:
        self.policy = load_policy(policy)

    def apply(self, event: object) -> None:
        try:
            result = transition(self.case, event, self.now, self.policy)  # type: ignore[arg-type]
        except TransitionError:
            return
        if isinstance(event, Notify):  # a notice goes only to an account at or above the floor
            assert all(self.followers >= v for v in self.policy.floor.threshold.values())
        self.case = result.case
        for effect in result.effects:
            if isinstance(effect, LabelChanged):
                self.label_live, self.label_name = effect.live, effect.name_id
            if isinstance(effect, EnforcementChanged):
                self.restricted = bool(effect.restrictions)

    def metrics(self) -> dict[str, int]:
        return {m: self.followers for m in self.policy.metrics}

    def decision(self) -> tuple[bool, str | None]:
        account = Account("a", AccountKind.INDIVIDUAL, Category.FINANCE, self.metrics())
        d = decide(account, self.policy, self.now.date())
        return d.outcome is Outcome.REQUIRED, d.tier

    @rule(days=st.integers(0, 40))
    def time_passes(self, days: int) -> None:
        self.now += dt.timedelta(days=days)

    @rule(followers=FOLLOWERS)
    def cycle(self, followers: int) -> None:
        """A cycle: new counts are observed, a case opened or notified, deadlines swept."""
        self.followers = followers
        required, tier = self.decision()
        if self.case is None or not self.case.is_open:
            if required and tier:
                self.apply(
                    Open(
                        f"c{self.names}",
                        "a",
                        AccountKind.INDIVIDUAL,
                        tier,
                        self.metrics(),
                        self.now.date(),
                    )
                )
        else:
            self.apply(Observe(self.metrics(), self.now.date(), required, tier))
        if self.case is not None and self.case.state is CaseState.REQUIRED:
            self.apply(Notify("cycle"))
        if self.case is not None and self.case.is_open:
            self.apply(Sweep())

    @rule(followers=FOLLOWERS, days=st.integers(1, 400))
    @precondition(
        lambda self: self.case is not None and self.case.is_open and self.case.observed_on
    )
    def stale_count(self, followers: int, days: int) -> None:
        """A count older than the newest on file, from any door, claiming the account is
        required at the top tier: it is recorded as stale and moves nothing."""
        assert self.case is not None and self.case.observed_on is not None
        metrics = {m: followers for m in self.policy.metrics}
        on = self.case.observed_on - dt.timedelta(days=days)
        before = self.case
        result = transition(
            before, Observe(metrics, on, True, self.policy.tiers[0].id), self.now, self.policy
        )
        assert result.case == before and result.effects == ()
        assert result.actions == (AuditAction.OBSERVATION_STALE,)

    @rule(consent=st.booleans())
    def creator_submits(self, consent: bool) -> None:
        self.names += 1
        self.apply(Submit(f"n{self.names}", consent))

    @rule()
    def creator_volunteers(self) -> None:
        self.names += 1
        self.apply(
            Volunteer(
                f"v{self.names}", "a", AccountKind.INDIVIDUAL, f"n{self.names}", self.metrics()
            )
        )

    @rule()
    def creator_refuses(self) -> None:
        self.apply(Refuse())

    @rule()
    def creator_withdraws(self) -> None:
        self.apply(Withdraw())

    @rule()
    def creator_appeals(self) -> None:
        self.apply(Appeal(AppealReason.WRONG_CATEGORY))

    @rule(upheld=st.booleans())
    def reviewer_decides_appeal(self, upheld: bool) -> None:
        self.apply(DecideAppeal(upheld, "rev", AppealDecisionReason.OTHER))

    @rule()
    def reviewer_approves(self) -> None:
        self.apply(Approve("rev"))

    @rule()
    def reviewer_rejects(self) -> None:
        self.apply(Reject("rev", RejectionReason.NAME_MISMATCH))

    @invariant()
    def threshold_promise(self) -> None:
        if self.label_live:
            assert self.case is not None
            assert self.case.voluntary or all(
                self.case.metrics.get(m, 0) >= v for m, v in self.policy.floor.threshold.items()
            ), "a name is shown below the floor without the holder's choice"

    @invariant()
    def label_matches_state(self) -> None:
        disclosed = self.case is not None and self.case.state is CaseState.DISCLOSED
        assert self.label_live == disclosed
        if disclosed:
            assert self.case is not None and self.label_name == self.case.name_id

    @invariant()
    def penalties_only_for_refusal_or_overdue(self) -> None:
        if self.restricted:
            assert self.case is not None
            assert self.case.penalised_for is not None or self.case.lingering

    @invariant()
    def closed_cases_carry_nothing(self) -> None:
        if self.case is not None and not self.case.is_open:
            assert not self.label_live and not self.restricted


TestCaseMachine = CaseMachine.TestCase
TestCaseMachine.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
