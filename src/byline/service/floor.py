"""The service floor: every service, built once from one ``Deps``. Each front door (the API, the
console, the CLI) is handed a ``Services`` and calls its methods, the same way."""

from __future__ import annotations

from dataclasses import dataclass

from byline.service._base import Deps
from byline.service.access import Access
from byline.service.cases import Cases
from byline.service.creators import Creators
from byline.service.cycles import Cycles
from byline.service.dashboard import Dashboard
from byline.service.displays import Displays
from byline.service.labels import Labels
from byline.service.live import Live
from byline.service.operations import Operations
from byline.service.policy_admin import Policies
from byline.service.public_log import PublicLog
from byline.service.reviews import Reviews
from byline.service.webhooks_admin import Webhooks


@dataclass(frozen=True)
class Services:
    deps: Deps
    access: Access
    cases: Cases
    creators: Creators
    cycles: Cycles
    dashboard: Dashboard
    displays: Displays
    labels: Labels
    live: Live
    operations: Operations
    policies: Policies
    public_log: PublicLog
    reviews: Reviews
    webhooks: Webhooks

    @classmethod
    def of(cls, deps: Deps) -> Services:
        return cls(
            deps=deps,
            access=Access(deps),
            cases=Cases(deps),
            creators=Creators(deps),
            cycles=Cycles(deps),
            dashboard=Dashboard(deps),
            displays=Displays(deps),
            labels=Labels(deps),
            live=Live(deps),
            operations=Operations(deps),
            policies=Policies(deps),
            public_log=PublicLog(deps),
            reviews=Reviews(deps),
            webhooks=Webhooks(deps),
        )

    def close(self) -> None:
        """Release the database's connections."""
        self.deps.db.dispose()
