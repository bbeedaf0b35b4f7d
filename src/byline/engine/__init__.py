"""Bulk decisions over whole snapshots on DuckDB, held to the domain's ``decide``."""

from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._diff import DiffError, write_diff
from byline.engine._evaluate import Evaluation, evaluate
from byline.engine._lookup import Reported, current_metrics, reported_accounts
from byline.engine._outputs import DECISIONS, DIFF, REJECTS, SUMMARY, OutputError
from byline.engine._promise import floor_violations
from byline.engine._settings import EngineSettings, SettingError, connect
from byline.engine._snapshot import FORMATS, Snapshot, SnapshotError, open_snapshot
from byline.engine._steps import Progress
from byline.engine._summary import DiffCounts, EvaluationSummary

__all__ = [
    "DECISIONS",
    "DIFF",
    "FORMATS",
    "REJECTS",
    "SUMMARY",
    "CompiledDecision",
    "DiffCounts",
    "DiffError",
    "EngineSettings",
    "Evaluation",
    "EvaluationSummary",
    "OutputError",
    "Progress",
    "Reported",
    "SettingError",
    "Snapshot",
    "SnapshotError",
    "compile_decision",
    "connect",
    "current_metrics",
    "evaluate",
    "floor_violations",
    "open_snapshot",
    "reported_accounts",
    "write_diff",
]
