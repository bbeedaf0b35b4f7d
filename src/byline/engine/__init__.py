"""Bulk decisions over whole snapshots on DuckDB, held to the domain's ``decide``; the pieces
every engine shares (reject reasons, the summary, outputs in place)."""

from byline.engine import _reasons as reasons
from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._diff import CHANGES, DiffError, write_diff
from byline.engine._displays import (
    HOUR_MINUTES,
    MINUTES_PER_DAY,
    DisplayBatch,
    DisplayCounter,
    SlidingHour,
)
from byline.engine._evaluate import Evaluation, evaluate, without_owners
from byline.engine._live import (
    BELOW_ZERO,
    FOLLOWERS,
    NOT_LINKED,
    OLD_SEQ,
    Crossing,
    LiveAccounts,
    LiveCounters,
    Refused,
)
from byline.engine._live_state import (
    Checkpoint,
    ids_digest,
    live_metrics,
    load_checkpoint,
    load_live,
    new_seq,
    save_checkpoint,
)
from byline.engine._lookup import Reported, current_metrics, reported_accounts
from byline.engine._outputs import (
    DECISIONS,
    DIFF,
    REJECTS,
    SUMMARY,
    Counted,
    OutputError,
    check_comparable,
    put_in_place,
    remove_output,
    summary_of,
    writing,
)
from byline.engine._owners import FLAGGED, FlaggedOwner, flagged_owners
from byline.engine._promise import floor_violations
from byline.engine._samples import accounts_between, diff_sample, drifted_snapshot
from byline.engine._settings import EngineSettings, SettingError, connect
from byline.engine._snapshot import (
    FORMATS,
    Snapshot,
    SnapshotError,
    csv_header,
    first_line,
    format_by_suffix,
    open_snapshot,
    require_columns,
    snapshot_format,
)
from byline.engine._steps import Progress
from byline.engine._summary import DiffCounts, EvaluationSummary
from byline.engine._whatif import (
    GROUP_BYS,
    GroupBy,
    Variant,
    WhatIfCounts,
    WhatIfError,
    what_if,
)

__all__ = [
    "BELOW_ZERO",
    "CHANGES",
    "DECISIONS",
    "DIFF",
    "FLAGGED",
    "FOLLOWERS",
    "FORMATS",
    "GROUP_BYS",
    "HOUR_MINUTES",
    "MINUTES_PER_DAY",
    "NOT_LINKED",
    "OLD_SEQ",
    "REJECTS",
    "SUMMARY",
    "Checkpoint",
    "CompiledDecision",
    "Counted",
    "Crossing",
    "DiffCounts",
    "DiffError",
    "DisplayBatch",
    "DisplayCounter",
    "EngineSettings",
    "Evaluation",
    "EvaluationSummary",
    "FlaggedOwner",
    "GroupBy",
    "LiveAccounts",
    "LiveCounters",
    "OutputError",
    "Progress",
    "Refused",
    "Reported",
    "SettingError",
    "SlidingHour",
    "Snapshot",
    "SnapshotError",
    "Variant",
    "WhatIfCounts",
    "WhatIfError",
    "accounts_between",
    "check_comparable",
    "compile_decision",
    "connect",
    "csv_header",
    "current_metrics",
    "diff_sample",
    "drifted_snapshot",
    "evaluate",
    "first_line",
    "flagged_owners",
    "floor_violations",
    "format_by_suffix",
    "ids_digest",
    "live_metrics",
    "load_checkpoint",
    "load_live",
    "new_seq",
    "open_snapshot",
    "put_in_place",
    "reasons",
    "remove_output",
    "reported_accounts",
    "require_columns",
    "save_checkpoint",
    "snapshot_format",
    "summary_of",
    "what_if",
    "without_owners",
    "write_diff",
    "writing",
]
