"""The refusals of the case tables: a race lost, a case changed under its reader."""

from __future__ import annotations

from byline.domain.errors import CodedError


class AlreadyTaken(Exception):
    """Another reviewer inserted the assignment first (a race between two takes)."""


class ConcurrentUpdate(CodedError, RuntimeError):
    """The case changed since it was read; the caller should read it again and retry."""
