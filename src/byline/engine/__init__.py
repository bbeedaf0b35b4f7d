"""Bulk decisions over whole snapshots on DuckDB, held to the domain's ``decide``."""

from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._diff import DiffError, write_diff
from byline.engine._evaluate import (
    DECISIONS,
    DIFF,
    REJECTS,
    SUMMARY,
    EngineSettings,
    Evaluation,
    connect,
    evaluate,
)
from byline.engine._snapshot import FORMATS, Snapshot, SnapshotError, open_snapshot

__all__ = [
    "DECISIONS",
    "DIFF",
    "FORMATS",
    "REJECTS",
    "SUMMARY",
    "CompiledDecision",
    "DiffError",
    "EngineSettings",
    "Evaluation",
    "Snapshot",
    "SnapshotError",
    "compile_decision",
    "connect",
    "evaluate",
    "open_snapshot",
    "write_diff",
]
