"""The audit trail: every change and every staff read of a name, append-only, hash-chained."""

from byline.audit._actions import AuditAction
from byline.audit._log import (
    AuditEntry,
    ChainReport,
    append,
    audit_head,
    audit_log,
    entries_for,
    head,
    verify,
)

__all__ = [
    "AuditAction",
    "AuditEntry",
    "ChainReport",
    "append",
    "audit_head",
    "audit_log",
    "entries_for",
    "head",
    "verify",
]
