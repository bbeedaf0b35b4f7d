"""Audit action names: ``subject:action``, one word per idea."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    CASE_OPENED = "case:opened"
    CASE_NOTIFIED = "case:notified"
    CASE_SUBMITTED = "case:submitted"
    CASE_VERIFIED = "case:verified"
    CASE_DISCLOSED = "case:disclosed"
    CASE_REJECTED = "case:rejected"
    CASE_OVERDUE = "case:overdue"
    CASE_REFUSED = "case:refused"
    CASE_APPEALED = "case:appealed"
    CASE_APPEAL_UPHELD = "case:appeal_upheld"
    CASE_APPEAL_DENIED = "case:appeal_denied"
    CASE_RELEASED = "case:released"
    CASE_VOLUNTEERED = "case:volunteered"
    CASE_WITHDRAWN = "case:withdrawn"
    CASE_OBSERVED = "case:observed"
    CASE_FLAGGED = "case:flagged"
    NAME_SUBMITTED = "name:submitted"
    NAME_DECRYPTED = "name:decrypted"
    NAME_ERASED = "name:erased"
    KEYS_ROTATED = "keys:rotated"
    POLICY_ACTIVATED = "policy:activated"
    CYCLE_STARTED = "cycle:started"
    CYCLE_FINISHED = "cycle:finished"
    LABEL_CHANGED = "label:changed"
    ENFORCEMENT_CHANGED = "enforcement:changed"
