"""Entries trimmed away before the consumer read them: found by counting, never by guessing.

Redis counts every entry a stream was ever given (``XINFO STREAM``: ``entries-added``); what is
no longer there (``entries-added - length``) was trimmed (``XTRIM``, ``MAXLEN``, ``MINID``) or
deleted, oldest first. The consumer knows the offset of the last entry it read (the checkpoint
keeps the offset of the last applied one): when more entries are gone than that offset, the ones
after it were gone before it read them. The stream's state and the read come from one
``MULTI``, so nothing is trimmed between the count and the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Gap:
    """Entries after ``after`` (an id; "" for the start) trimmed before they were read: how
    many, and the id the stream resumes at (None: the stream is empty)."""

    stream: str
    after: str
    lost: int
    resumes: str | None

    def words(self) -> str:
        where = f"after {self.after}" if self.after else "at its start"
        resumes = f"it now starts at {self.resumes}" if self.resumes else "it is empty now"
        return (
            f"stream {self.stream}: {self.lost:,} entries {where} were trimmed before this"
            f" consumer read them ({resumes})"
        )


class StreamGap(ValueError):
    """The stream lost entries the counters have not applied: counting on would miss their
    follows and unfollows, so the consumer stops unless told to accept the gap."""

    def __init__(self, gap: Gap) -> None:
        super().__init__(
            f"{gap.words()}; counting on would miss their follows and unfollows, so the consumer"
            " stops. Recount (byline count on a fresh edge dump) and start a new checkpoint, or"
            " run it with --accept-gap to count on and record the gap"
        )
        self.gap = gap


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def trimmed(info: dict[str, Any]) -> int:
    """How many entries the stream no longer holds, of all it was ever given."""
    return int(info["entries-added"]) - int(info["length"])


def find_gap(stream: str, info: dict[str, Any], offset: int, after: str) -> Gap | None:
    """The gap after the entry at ``offset`` (id ``after``), as ``info`` (``XINFO STREAM``,
    taken with the read) shows it; None when nothing after it is gone."""
    gone = trimmed(info)
    if gone <= offset:
        return None
    first = info.get("first-entry")
    resumes = _text(first[0]) if first else None
    return Gap(stream, after, gone - offset, resumes)
