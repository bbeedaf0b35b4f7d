"""Bulk decisions over whole snapshots on DuckDB, held to the domain's ``decide``."""

from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._diff import DiffError, write_diff
from byline.engine._evaluate import Evaluation, evaluate
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
from byline.engine._outputs import DECISIONS, DIFF, REJECTS, SUMMARY, OutputError
from byline.engine._owners import FLAGGED, FlaggedOwner, flagged_owners
from byline.engine._promise import floor_violations
from byline.engine._samples import accounts_between, diff_sample, drifted_snapshot
from byline.engine._settings import EngineSettings, SettingError, connect
from byline.engine._snapshot import (
    FORMATS,
    Snapshot,
    SnapshotError,
    format_by_suffix,
    open_snapshot,
)
from byline.engine._steps import Progress
from byline.engine._summary import DiffCounts, EvaluationSummary

__all__ = [
    "BELOW_ZERO",
    "DECISIONS",
    "DIFF",
    "FLAGGED",
    "FOLLOWERS",
    "FORMATS",
    "NOT_LINKED",
    "OLD_SEQ",
    "REJECTS",
    "SUMMARY",
    "Checkpoint",
    "CompiledDecision",
    "Crossing",
    "DiffCounts",
    "DiffError",
    "EngineSettings",
    "Evaluation",
    "EvaluationSummary",
    "FlaggedOwner",
    "LiveAccounts",
    "LiveCounters",
    "OutputError",
    "Progress",
    "Refused",
    "Reported",
    "SettingError",
    "Snapshot",
    "SnapshotError",
    "accounts_between",
    "compile_decision",
    "connect",
    "current_metrics",
    "diff_sample",
    "drifted_snapshot",
    "evaluate",
    "flagged_owners",
    "floor_violations",
    "format_by_suffix",
    "ids_digest",
    "live_metrics",
    "load_checkpoint",
    "load_live",
    "new_seq",
    "open_snapshot",
    "reported_accounts",
    "save_checkpoint",
    "write_diff",
]
