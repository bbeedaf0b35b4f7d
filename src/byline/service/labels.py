"""The public label: what a viewer sees for a batch of accounts.

The label is the one place a name leaves the system, and only for a disclosed account, to a
viewer the policy allows. A non-disclosed account and an unknown account get the same answer.

Lookups are the hottest path of the API, so a process may keep recent answers in a
``LabelCache`` for a short, configured time (default 1 s in the API): a change this process
commits clears it at once; a change committed elsewhere (another worker, a cycle run from the
command line) shows within that time. Most accounts in a feed are not disclosed, so the cache
also holds each platform's disclosed account ids (never names): an account outside them is
answered without a read, and the ids are read again only when the platform's label version
(raised by every change, see ``_changes.labels_changed``) has moved. The labels of those
accounts are kept as read, their names still sealed (the vault's ciphertext and wrapped data
key), as long as the ids are: a label read once is answered from memory, the vault opening its
name each time, and no decrypted name outlives the answers' short time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from byline import cases
from byline.domain.labels import Viewer, hidden_by
from byline.domain.policy import Policy
from byline.service._base import Service
from byline.service._changes import LABELS
from byline.service._desk import vault_subject
from byline.service.policies import active_policy
from byline.store import Connection, Database
from byline.vault import SealedName, Vault, VaultError

MAX_BATCH = 100

Label = dict[str, Any]  # {"name", "kind", "since"}


class LabelLookup(NamedTuple):  # a tuple: the hottest result in Byline, made cheaply
    labels: dict[str, Label | None]
    hidden_by: tuple[str, ...]  # the viewer rules that hid every name (empty when allowed)
    shown: int


class LabelCache:
    """Recent label answers of one process: per platform the policy in force (its viewer
    rules), per (platform, account) the label or ``None`` (not disclosed and unknown alike, so
    the cache is no oracle either).

    An answer is served for ``seconds`` after it was read (0: nothing is kept); at most
    ``max_items`` are held. Every commit of a ``Database`` this cache ``follow``s that changes
    labels (a case transition that moves a label, an erasure, a policy activation) clears it,
    and an answer read before such a commit is never stored after it. Entries hold the
    decrypted names the vault returned for a label, in this process's memory only, never
    logged; they are dropped within twice ``seconds`` of their reading (at the next lookup
    after that), without a scan: answers are kept in two generations of ``seconds`` each, and
    the older one is let go whole.
    """

    def __init__(
        self,
        seconds: float,
        *,
        max_items: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if seconds < 0:
            raise ValueError("the label cache time cannot be negative")
        self.seconds, self.max_items, self._clock = seconds, max_items, clock
        # (platform, account id) -> (served until, answer), read in the current and the
        # previous period of ``seconds``.
        self._young: dict[tuple[str, str], tuple[float, Label | None]] = {}
        self._old: dict[tuple[str, str], tuple[float, Label | None]] = {}
        self._period_ends = 0.0
        self._policies: dict[str, tuple[float, Policy]] = {}
        self._live: dict[str, _LiveIds] = {}  # per platform
        self._generation = 0  # counts clears: a read from an older generation is not stored
        self._lock = threading.Lock()

    def follow(self, db: Database) -> LabelCache:
        """Clear this cache whenever a transaction of ``db`` that changes labels commits."""
        db.on_commit(LABELS, self.clear)
        return self

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._young, self._old, self._policies, self._live = {}, {}, {}, {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    # -- used by lookup_labels ---------------------------------------------------------------

    def _begin(self) -> tuple[float, int]:
        """The time of this lookup and the generation its reads belong to."""
        now = self._clock()
        if now >= self._period_ends and self.seconds:
            self._next_period(now)
        return now, self._generation

    def _next_period(self, now: float) -> None:
        with self._lock:
            if now < self._period_ends:
                return  # another thread was first
            # Whatever the old period holds was read a period ago or more: all expired.
            self._old = self._young if now < self._period_ends + self.seconds else {}
            self._young = {}
            self._period_ends = now + self.seconds
            self._policies = {k: v for k, v in self._policies.items() if v[0] > now}

    def _policy(self, platform: str, now: float) -> Policy | None:
        hit = self._policies.get(platform)
        return hit[1] if hit is not None and hit[0] > now else None

    def _live_ids(self, platform: str, now: float) -> _LiveIds | None:
        """The platform's disclosed account ids, if checked within ``seconds``."""
        hit = self._live.get(platform)
        return hit if hit is not None and hit.checked_until > now else None

    def _read_live_ids(
        self, conn: Connection, platform: str, now: float, generation: int
    ) -> _LiveIds | None:
        """The disclosed account ids as ``conn`` sees them (None: ``seconds`` is 0). They are
        read again only if the platform's label version moved since their reading, or that
        reading is ``REREAD_S`` old (a writer too old to raise the version cannot hide a change
        for longer)."""
        if not self.seconds:
            return None
        # The version first: a change committed between the two reads leaves a newer set
        # under an older version, which the next check reads again (never the reverse).
        version = cases.label_version(conn, platform)
        held = self._live.get(platform)
        if held is not None and held.version == version and now - held.read_at < REREAD_S:
            live = _LiveIds(now + self.seconds, held.read_at, version, held.ids, held.sealed)
        else:
            ids = frozenset(cases.disclosed_ids(conn, platform, self.max_items + 1))
            # Too many to hold (None): each lookup reads its own accounts.
            live = _LiveIds(
                now + self.seconds, now, version, ids if len(ids) <= self.max_items else None
            )
        with self._lock:
            if generation == self._generation:
                self._live[platform] = live
        return live

    def _fill(
        self,
        platform: str,
        answer: dict[str, Label | None],
        now: float,
        live: frozenset[str] | None = None,
    ) -> list[str]:
        """Fill ``answer`` from memory; return the account ids that are not there. With the
        ``live`` ids, an account outside them is answered (None) without a read."""
        missing = []
        young, old = self._young, self._old
        for account_id in answer:
            if live is not None and account_id not in live:
                continue
            key = (platform, account_id)
            hit = young.get(key) or old.get(key)
            if hit is not None and hit[0] > now:
                answer[account_id] = None if hit[1] is None else dict(hit[1])
            else:
                missing.append(account_id)
        return missing

    def _keep_policy(self, platform: str, policy: Policy, now: float, generation: int) -> None:
        if not self.seconds:
            return
        with self._lock:
            if generation == self._generation:
                self._policies[platform] = (now + self.seconds, policy)

    def _keep_answers(
        self, platform: str, answers: dict[str, Label | None], now: float, generation: int
    ) -> None:
        if not self.seconds or len(answers) > self.max_items:
            return
        expires = now + self.seconds
        with self._lock:
            if generation != self._generation:
                return  # read before a change this process committed: may be stale
            if len(self._young) + len(self._old) + len(answers) > self.max_items:
                self._old = {}  # full: let the older answers go first, then all
                if len(self._young) + len(answers) > self.max_items:
                    self._young = {}
            for account_id, label in answers.items():
                self._young[(platform, account_id)] = (expires, label)

    def _open_sealed(
        self,
        vault: Vault,
        live: _LiveIds,
        answer: dict[str, Label | None],
        missing: list[str],
        lookup: tuple[str, float, int],
    ) -> list[str]:
        """Answer the ``missing`` accounts whose labels ``live`` holds sealed (the vault opens
        each name, and the answer is kept as one read from the database is); return those it
        does not hold. ``lookup``: the platform, the lookup's time and its generation."""
        sealed = live.sealed
        opened: dict[str, Label | None] = {}
        unread = []
        for account_id in missing:
            held = sealed.get(account_id)
            if held is None:
                unread.append(account_id)
                continue
            try:
                name = vault.open_label(held.name)
            except VaultError:  # its data key re-wrapped, say: read it again
                sealed.pop(account_id, None)
                unread.append(account_id)
                continue
            label = opened[account_id] = {"name": name, "kind": held.kind, "since": held.since}
            answer[account_id] = dict(label)
        if opened:
            platform, now, generation = lookup
            self._keep_answers(platform, opened, now, generation)
        return unread

    def _keep_sealed(
        self,
        platform: str,
        live: _LiveIds | None,
        read: dict[str, _Sealed],
        generation: int,
    ) -> None:
        if live is None or live.ids is None or not read:
            return
        with self._lock:
            held = self._live.get(platform)
            # Not after a change this process committed, nor for ids no longer held (the
            # version moved): what was read may be older than what is now held.
            if generation == self._generation and held is not None and held.sealed is live.sealed:
                live.sealed.update(read)


REREAD_S = 300.0  # at the latest, the disclosed ids are read again after this many seconds


class _Sealed(NamedTuple):
    """A live label as read, its name still sealed (``Vault.open_label`` opens it)."""

    kind: str
    since: str
    name: SealedName


@dataclass(frozen=True)
class _LiveIds:
    """A platform's disclosed account ids as read at label ``version``; ``ids`` is None when
    there were more than the cache holds (each lookup then reads its own accounts).

    ``sealed`` holds the labels of those accounts read since, their names still encrypted:
    kept as long as the ids are (the version unmoved, at most ``REREAD_S``), each name opened
    again by the vault whenever it is shown, so no decrypted name outlives the answers."""

    checked_until: float
    read_at: float
    version: int
    ids: frozenset[str] | None
    sealed: dict[str, _Sealed] = field(default_factory=dict)


def lookup_labels(
    programme: Service,
    platform: str,
    viewer: Viewer,
    account_ids: Sequence[str],
    cache: LabelCache | None = None,
) -> LabelLookup:
    """What ``viewer`` sees on the profiles of ``account_ids`` (at most ``MAX_BATCH``)."""
    if len(account_ids) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} account ids per lookup")
    if cache is None:
        cache = _NO_CACHE
    now, generation = cache._begin()
    answer: dict[str, Label | None] = dict.fromkeys(account_ids)
    policy = cache._policy(platform, now)
    live = cache._live_ids(platform, now)
    missing: list[str] | None = None  # the accounts memory cannot answer, once known
    if policy is not None:  # all from memory when every answer is there
        rules = hidden_by(policy, viewer)
        if rules:
            return LabelLookup(answer, tuple(r.value for r in rules), 0)
        if live is not None:
            missing = cache._fill(platform, answer, now, live.ids)
            if not missing:
                return _looked_up(answer)
    if missing and live is not None:  # labels read before, their names still sealed
        missing = cache._open_sealed(
            programme.vault, live, answer, missing, (platform, now, generation)
        )
        if not missing:
            return _looked_up(answer)
    with programme.db.reading() as conn:
        if policy is None:
            policy = active_policy(conn, platform)
            cache._keep_policy(platform, policy, now, generation)
            rules = hidden_by(policy, viewer)
            if rules:
                return LabelLookup(answer, tuple(r.value for r in rules), 0)
        if missing is None:
            if live is None:
                live = cache._read_live_ids(conn, platform, now, generation)
            missing = cache._fill(platform, answer, now, None if live is None else live.ids)
            if missing and live is not None:
                missing = cache._open_sealed(
                    programme.vault, live, answer, missing, (platform, now, generation)
                )
        if missing:
            read, sealed = _read_labels(programme, conn, platform, missing)
            cache._keep_answers(platform, read, now, generation)
            cache._keep_sealed(platform, live, sealed, generation)
            for account_id, label in read.items():
                answer[account_id] = None if label is None else dict(label)
    return _looked_up(answer)


def _looked_up(answer: dict[str, Label | None]) -> LabelLookup:
    return LabelLookup(answer, (), len(answer) - list(answer.values()).count(None))


def _read_labels(
    programme: Service, conn: Connection, platform: str, account_ids: list[str]
) -> tuple[dict[str, Label | None], dict[str, _Sealed]]:
    """The live labels of ``account_ids``, with their names from the vault (None: no label),
    and the same labels with their names still sealed."""
    rows = cases.live_labels(conn, platform, account_ids)
    sealed_names = programme.vault.sealed_label_names(
        conn, {vault_subject(platform, row.account_id): row.name_id for row in rows}
    )
    read: dict[str, Label | None] = dict.fromkeys(account_ids)
    sealed: dict[str, _Sealed] = {}
    for row in rows:
        name = sealed_names.get(vault_subject(platform, row.account_id))
        if name is not None:
            held = sealed[row.account_id] = _Sealed(row.kind, row.since.isoformat(), name)
            read[row.account_id] = {
                "name": programme.vault.open_label(name),
                "kind": held.kind,
                "since": held.since,
            }
    return read, sealed


_NO_CACHE = LabelCache(0)


class Labels(Service):
    """The label path: what a viewer sees on up to ``MAX_BATCH`` profiles, from memory when
    the cache can answer (``cache``: one per process, following this database's changes)."""

    def cache(self, seconds: float) -> LabelCache:
        """A cache of answers for ``seconds``, cleared by this process's label changes."""
        return LabelCache(seconds).follow(self.db)

    def lookup(
        self,
        platform: str,
        viewer: Viewer,
        account_ids: Sequence[str],
        cache: LabelCache | None = None,
    ) -> LabelLookup:
        return lookup_labels(self, platform, viewer, account_ids, cache)
