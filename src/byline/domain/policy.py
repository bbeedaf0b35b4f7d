"""The policy model: what a policy file may say, validated; the specification of the rules.

A policy is read from TOML (see ``byline.policy``) into these models. Every rule carries an ``id``;
every decision names the ids that produced it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from byline.domain.vocabulary import (
    AccountKind,
    Category,
    DisplayField,
    Incentive,
    Restriction,
    Trigger,
    ViewerCondition,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
MetricName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Threshold = dict[MetricName, Annotated[int, Field(ge=0)]]

# Column names a snapshot already uses; a metric may not take one of them.
RESERVED_COLUMNS = frozenset(
    {"account_id", "kind", "category", "handle", "created_at", "owner_ref"}
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Model):
    """Who issued the policy and which version it is."""

    id: RuleId
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    platform: str
    title: str
    announced: dt.date | None = None
    subject_noun: str = "account"  # how the explanation names a subject ("account", "seller")
    sources: tuple[str, ...] = ()


class Floor(_Model):
    """The threshold promise: nobody below this is ever required to disclose."""

    id: RuleId
    threshold: Threshold = Field(min_length=1)
    pledge: str = ""


class Subjects(_Model):
    """Which kinds of account the policy applies to."""

    id: RuleId
    kinds: tuple[AccountKind, ...] = Field(min_length=1)


class Scope(_Model):
    """Which content categories are in scope: either a list of categories, or all but some."""

    id: RuleId
    categories: tuple[Category, ...] | None = None
    exclude: tuple[Category, ...] | None = None
    platform_terms: dict[str, Category] = Field(default_factory=dict)
    note: str = ""

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.categories is None) == (self.exclude is None):
            raise ValueError(
                "give exactly one of 'categories' (the categories in scope) "
                "or 'exclude' (every category except these)"
            )
        if not self.in_scope():
            raise ValueError("no category is in scope: the policy could never require anyone")
        return self

    def covers(self, category: Category) -> bool:
        if self.categories is not None:
            return category in self.categories
        return category not in (self.exclude or ())

    def in_scope(self) -> tuple[Category, ...]:
        return tuple(c for c in Category if self.covers(c))


class Notice(_Model):
    """How holders are told, and how long they have."""

    id: RuleId
    channel: str = "private_message"
    deadline_days: int = Field(ge=1, le=365)
    batch_size: int = Field(default=10_000, ge=1)
    recertify_every_days: int | None = Field(default=None, ge=1)
    # After a denied appeal the deadline restarts with this many days (default: deadline_days).
    deadline_after_appeal_days: int | None = Field(default=None, ge=1, le=365)

    def days_after_appeal(self) -> int:
        return self.deadline_after_appeal_days or self.deadline_days


class Tier(_Model):
    """A threshold and the phase from which it applies. Tiers are listed in priority order."""

    id: RuleId
    label: str
    threshold: Threshold = Field(min_length=1)
    phase_starts: dt.date
    comply_by: dt.date | None = None
    deadline_days: int | None = Field(default=None, ge=1, le=365)
    disclose: bool = True  # False: identity collected and verified, not shown

    def met_by(self, metrics: dict[str, int]) -> bool:
        return all(metrics.get(m, 0) >= v for m, v in self.threshold.items())

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.comply_by is not None and self.comply_by < self.phase_starts:
            raise ValueError("comply_by must not be before phase_starts")
        return self


class LinkedAccounts(_Model):
    """How the accounts one holder runs (``owner_ref``) are judged.

    ``judge = "account"`` (the default): each account on its own metrics. ``judge = "owner"``:
    each linked account on its owner's, read from the snapshot column ``owner_<metric>`` for
    every metric the policy names (``owner_followers``: the distinct followers over all the
    owner's accounts, as ``byline count`` writes it), or its own where that is higher. Under
    either, an owner whose audience meets a tier while every one of its accounts is below the
    floor is flagged in the evaluation's outputs; only ``"owner"`` obliges its accounts.
    """

    id: RuleId | None = None
    judge: Literal["account", "owner"] = "account"
    note: str = ""

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.judge == "owner" and self.id is None:
            raise ValueError("judge = 'owner' needs an 'id': the decisions it makes name the rule")
        return self


OWNER_PREFIX = "owner_"


def owner_metric(metric: str) -> str:
    """The snapshot column holding an owner's value of ``metric`` (``owner_followers``); a
    metric already named as an owner's (a threshold on ``owner_followers``) is its own."""
    return metric if metric.startswith(OWNER_PREFIX) else OWNER_PREFIX + metric


class Display(_Model):
    """What the public label shows, where, and on what condition."""

    id: RuleId
    individual: tuple[DisplayField, ...] = Field(min_length=1)
    organization: tuple[DisplayField, ...] = Field(min_length=1)
    where: str = "profile page"
    requires_consent: bool = True
    note: str = ""

    def fields_for(self, kind: AccountKind) -> tuple[DisplayField, ...]:
        return self.individual if kind is AccountKind.INDIVIDUAL else self.organization


class Viewers(_Model):
    """Which viewers may not see a disclosed name."""

    id: RuleId
    hidden_from: tuple[ViewerCondition, ...] = ()
    note: str = ""


class DisplayWatch(_Model):
    """What is kept of the times a name was shown (``[displays]``, optional): the display
    records (viewer id, account id, time; never the name) for this many days, for abuse
    reports; and the harvesting signal: a key or viewer shown more than ``harvest_threshold``
    distinct disclosed accounts within a sliding hour is flagged to the compliance lead
    (None: the server's setting, else ``DEFAULT_HARVEST_THRESHOLD``)."""

    retention_days: int = Field(default=30, ge=1, le=3650)
    harvest_threshold: int | None = Field(default=None, ge=1)


DEFAULT_HARVEST_THRESHOLD = 200  # distinct disclosed accounts per key or viewer per hour


class Penalty(_Model):
    """A restriction applied when a holder refuses or is overdue."""

    id: RuleId
    restriction: Restriction
    on: tuple[Trigger, ...] = Field(min_length=1)
    factor: float = Field(default=0.0, ge=0.0, le=1.0)  # share of normal kept: 0 = withdrawn
    lifted_on_compliance: bool = True
    note: str = ""


class IncentiveRule(_Model):
    """A benefit granted to a holder who discloses."""

    id: RuleId
    incentive: Incentive
    note: str = ""


class DropRule(_Model):
    """What a fall below the threshold does to an obligation, and which falls are flagged."""

    id: RuleId
    release_after_days_below: int = Field(ge=0)
    hold_after_notice_days: int = Field(default=0, ge=0)  # anti-purge: no release in this period
    steep_drop_fraction: float = Field(default=0.5, gt=0.0, lt=1.0)
    steep_drop_window_days: int = Field(default=7, ge=1)


class Voluntary(_Model):
    """Whether a holder below the floor may choose to disclose."""

    id: RuleId
    allowed: bool


LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class HeaderText(_Model):
    """The header's own words in another language."""

    title: str | None = None
    platform: str | None = None


class RuleText(_Model):
    """One rule's own words in another language: only the fields that rule carries."""

    label: str | None = None  # a tier's
    note: str | None = None  # the scope's, display's, viewers', a penalty's or an incentive's
    pledge: str | None = None  # the floor's
    where: str | None = None  # the display's
    platform_terms: dict[str, str] = Field(default_factory=dict)  # the scope's, term -> term


class PolicyText(_Model):
    """A policy file's own text in one language (``[text.zh-CN]``): whatever is left out is
    quoted as written in the rules."""

    policy: HeaderText = HeaderText()
    rules: dict[RuleId, RuleText] = Field(default_factory=dict)


class Policy(_Model):
    """A whole policy file."""

    policy: Header
    floor: Floor
    subjects: Subjects
    scope: Scope
    notice: Notice
    tiers: tuple[Tier, ...] = Field(min_length=1)
    display: Display
    viewers: Viewers
    penalties: tuple[Penalty, ...] = ()
    incentives: tuple[IncentiveRule, ...] = ()
    drop: DropRule
    voluntary: Voluntary
    linked_accounts: LinkedAccounts = LinkedAccounts()
    displays: DisplayWatch = DisplayWatch()
    text: dict[LanguageTag, PolicyText] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def version(self) -> str:
        return self.policy.version

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric a snapshot must carry for this policy, in first-use order."""
        seen: dict[str, None] = {}
        for threshold in (self.floor.threshold, *(t.threshold for t in self.tiers)):
            seen.update(dict.fromkeys(threshold))
        return tuple(seen)

    @property
    def judges_owners(self) -> bool:
        """Whether each linked account is judged by its owner's metrics (``judge = "owner"``)."""
        return self.linked_accounts.judge == "owner"

    def judged(self, metrics: Mapping[str, int], *, linked: bool) -> dict[str, int]:
        """Each of :attr:`metrics` as an account is judged on it: its own value; under
        ``judge = "owner"``, for a ``linked`` account, its owner's (``owner_<metric>``) where
        higher. A value missing counts as 0."""
        own = {m: metrics.get(m, 0) for m in self.metrics}
        if not (linked and self.judges_owners):
            return own
        return {m: max(v, metrics.get(owner_metric(m), 0)) for m, v in own.items()}

    @property
    def owner_metrics(self) -> tuple[str, ...]:
        """The snapshot columns holding an owner's value of each of :attr:`metrics`."""
        return tuple(dict.fromkeys(owner_metric(m) for m in self.metrics))

    def carries_owner(self, metrics: Mapping[str, int]) -> bool:
        """Whether ``metrics`` (a count pushed or streamed, a case's counts) carry an owner's
        value of a metric the policy names (``owner_followers``): the counts of a linked
        account."""
        return any(owner_metric(m) in metrics and owner_metric(m) != m for m in self.metrics)

    def rule_ids(self) -> tuple[str, ...]:
        singles: tuple[Floor | Subjects | Scope | Notice | Display | Viewers, ...] = (
            self.floor,
            self.subjects,
            self.scope,
            self.notice,
            self.display,
            self.viewers,
        )
        linked = (self.linked_accounts.id,) if self.linked_accounts.id else ()
        return (
            *(
                r.id
                for r in (
                    *singles,
                    *self.tiers,
                    *self.penalties,
                    *self.incentives,
                    self.drop,
                    self.voluntary,
                )
            ),
            *linked,
        )

    def rules(self) -> dict[str, BaseModel]:
        """Every rule by its id, in :meth:`rule_ids` order."""
        every: tuple[BaseModel, ...] = (
            *(self.floor, self.subjects, self.scope, self.notice, self.display, self.viewers),
            *self.tiers,
            *self.penalties,
            *self.incentives,
            self.drop,
            self.voluntary,
            *((self.linked_accounts,) if self.linked_accounts.id else ()),
        )
        return dict(zip(self.rule_ids(), every, strict=True))

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        ids = self.rule_ids()
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        for metric in self.metrics:
            if metric in RESERVED_COLUMNS:
                raise ValueError(f"metric name {metric!r} is a reserved snapshot column")
        # The threshold promise: every tier asks at least the floor of every floor metric.
        for tier in self.tiers:
            for metric, floor_value in self.floor.threshold.items():
                value = tier.threshold.get(metric)
                if value is None or value < floor_value:
                    raise ValueError(
                        f"tier {tier.id!r} would require accounts below the floor: its threshold "
                        f"on {metric!r} is {value if value is not None else 'missing'}, "
                        f"the floor is {floor_value}"
                    )
        _check_penalty_triggers(self.penalties)
        _check_text(self)
        return self


def _check_text(policy: Policy) -> None:
    """Localized text names rules the policy has, and only fields those rules carry."""
    rules = policy.rules()
    for lang, text in policy.text.items():
        for rule_id, words in text.rules.items():
            rule = rules.get(rule_id)
            if rule is None:
                raise ValueError(f"text.{lang}: no rule {rule_id!r} in this policy")
            for field in sorted(words.model_fields_set):
                if not isinstance(getattr(rule, field, None), (str, dict)):
                    raise ValueError(
                        f"text.{lang}: rule {rule_id!r} has no {field!r} to put in other words"
                    )
            unknown = sorted(set(words.platform_terms) - set(policy.scope.platform_terms))
            if unknown:
                raise ValueError(
                    f"text.{lang}: {', '.join(unknown)} not among the scope's platform_terms"
                )


def _check_penalty_triggers(penalties: tuple[Penalty, ...]) -> None:
    seen: set[tuple[Restriction, Trigger]] = set()
    for p in penalties:
        for trigger in p.on:
            key = (p.restriction, trigger)
            if key in seen:
                raise ValueError(
                    f"penalty {p.id!r}: restriction {p.restriction.value!r} on "
                    f"{trigger.value!r} is already given by another penalty"
                )
            seen.add(key)
