"""The ``Cycles`` service: run a cycle over a snapshot (the head sealed when it ends), and take
follower counts pushed between cycles. The cycle's phases live in ``service.cycle``; the
counts' rules in ``service.counts``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from byline.engine import Progress
from byline.service._base import Service
from byline.service.counts import CountsApplied, CountUpdate, apply_counts
from byline.service.cycle import CycleReport, run_cycle
from byline.service.dashboard import snapshot_in
from byline.service.policies import PolicyText, active_source

__all__ = ["CountUpdate", "CountsApplied", "CycleReport", "Cycles"]


class Cycles(Service):
    def run(
        self,
        snapshot: Path | None,
        policy: str | Path | PolicyText,
        as_of: dt.date,
        *,
        transaction_size: int = 500,
        progress: Progress | None = None,
        on_step: Callable[[str], None] | None = None,
        keep: Path | None = None,
        decisions: Path | None = None,
    ) -> CycleReport:
        """Run one cycle of ``policy`` (a preset's name, a file, or a policy's text) on
        ``snapshot`` as of ``as_of``, or on ``decisions`` made elsewhere (an evaluation's
        outputs of the same policy version and date; see ``run_cycle``); the audit head is
        sealed when it finishes."""
        return run_cycle(
            self.db,
            snapshot,
            policy,
            as_of,
            transaction_size=transaction_size,
            progress=progress,
            on_step=on_step,
            keep=keep,
            sealer=self.vault.sealer,
            decisions=decisions,
        )

    def run_in_folder(self, platform: str, snapshot: str, as_of: dt.date) -> CycleReport:
        """A cycle of the policy in force on a snapshot of the platform's own folder."""
        path = snapshot_in(self.deps.snapshot_dir, platform, snapshot)
        with self.db.reading() as conn:
            policy = active_source(conn, platform)
        return self.run(path, policy, as_of)

    def apply_counts(
        self,
        platform: str,
        updates: Sequence[CountUpdate],
        on: dt.date,
        *,
        actor: str,
        request_id: str | None = None,
    ) -> CountsApplied:
        """Follower counts observed on ``on``; see ``service.counts.apply_counts``."""
        return apply_counts(self.db, platform, updates, on, actor=actor, request_id=request_id)
