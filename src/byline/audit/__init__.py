"""The audit trail: every change and every staff read of a name, append-only, hash-chained,
its head sealed with a key the database does not hold."""

from byline.audit._actions import AuditAction
from byline.audit._log import (
    AuditEntry,
    ChainReport,
    append,
    case_trail,
    entries_between,
    entries_for,
    first_at,
    head,
    head_before,
    name_readers,
    verify_chain,
)
from byline.audit._seals import (
    MUST_BE_SEALED,
    Seal,
    Sealer,
    seal,
    seals,
    verify,
)

__all__ = [
    "MUST_BE_SEALED",
    "AuditAction",
    "AuditEntry",
    "ChainReport",
    "Seal",
    "Sealer",
    "append",
    "case_trail",
    "entries_between",
    "entries_for",
    "first_at",
    "head",
    "head_before",
    "name_readers",
    "seal",
    "seals",
    "verify",
    "verify_chain",
]
