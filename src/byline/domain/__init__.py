"""The specification: the policy model, the decision for one account, the shared vocabulary."""

from byline.domain.decision import Account, Decision, decide
from byline.domain.policy import Policy, Tier
from byline.domain.vocabulary import (
    AccountKind,
    Category,
    DisplayField,
    Incentive,
    Outcome,
    Restriction,
    Trigger,
    ViewerCondition,
)

__all__ = [
    "Account",
    "AccountKind",
    "Category",
    "Decision",
    "DisplayField",
    "Incentive",
    "Outcome",
    "Policy",
    "Restriction",
    "Tier",
    "Trigger",
    "ViewerCondition",
    "decide",
]
