"""Applying events to many cases: a batch of them per transaction, each recorded whole."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from byline import cases
from byline.domain.cases import Case, Event, Transition, transition
from byline.domain.policy import Policy
from byline.service._record import record
from byline.store import Database

ACTOR = "cycle"


class BatchRunner:
    """Applies one event per item to its open case, ``size`` items per transaction."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        now: dt.datetime,
        cycle_id: str,
        size: int,
        actions: Counter[str],
        actor: str = ACTOR,
    ) -> None:
        self.db, self.policy, self.now, self.cycle_id = db, policy, now, cycle_id
        self.size, self.actions, self.actor = size, actions, actor

    def run(
        self,
        items: Iterable[Any],
        event_for: Callable[[Any, Case | None], Event | None],
        key: Callable[[Any], str],
    ) -> None:
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) >= self.size:
                self._commit(batch, event_for, key)
                batch = []
        if batch:
            self._commit(batch, event_for, key)

    def _commit(
        self,
        batch: list[Any],
        event_for: Callable[[Any, Case | None], Event | None],
        key: Callable[[Any], str],
    ) -> None:
        with self.db.transaction() as conn:
            for item in batch:
                case = cases.open_case(conn, self.policy.id, key(item), lock=True)
                event = event_for(item, case)
                if event is None:
                    continue
                result: Transition = transition(case, event, self.now, self.policy)
                unchanged = case is not None and result.case == case
                if unchanged and not (result.effects or result.actions):
                    continue
                record(
                    conn,
                    case,
                    result,
                    self.policy,
                    actor=self.actor,
                    now=self.now,
                    request_id=self.cycle_id,
                )
                self.actions.update(a.value for a in result.actions)
