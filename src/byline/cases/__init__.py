"""Cases, enforcement and labels in the database."""

from byline.cases._repository import (
    ConcurrentUpdate,
    cases_in,
    count_notified_in_cycle,
    iter_open,
    latest_case,
    list_cases,
    open_account_ids,
    open_case,
    save,
    state_counts,
)
from byline.cases._tables import (
    case_assignments,
    cases,
    cycles,
    enforcement,
    enforcement_changes,
    label_versions,
    labels,
    policy_activations,
)

__all__ = [
    "ConcurrentUpdate",
    "case_assignments",
    "cases",
    "cases_in",
    "count_notified_in_cycle",
    "cycles",
    "enforcement",
    "enforcement_changes",
    "iter_open",
    "label_versions",
    "labels",
    "latest_case",
    "list_cases",
    "open_account_ids",
    "open_case",
    "policy_activations",
    "save",
    "state_counts",
]
