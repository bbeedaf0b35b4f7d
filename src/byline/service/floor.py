"""The service floor: every service, built once from one ``Deps``. Each front door (the API, the
console, the CLI) is handed a ``Services`` and calls its methods, the same way."""

from __future__ import annotations

import contextlib
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
from byline.service.lookup_tallies import LookupTallies
from byline.service.operations import Operations
from byline.service.policy_admin import Policies
from byline.service.public_log import PublicLog
from byline.service.reports import Reports
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
    lookups: LookupTallies
    operations: Operations
    policies: Policies
    public_log: PublicLog
    reports: Reports
    reviews: Reviews
    webhooks: Webhooks

    @classmethod
    def of(cls, deps: Deps) -> Services:
        public_log = PublicLog(deps)
        displays = Displays(deps)
        reports = Reports(deps, public_log)
        # the report's harvesting figure: what the display records flagged in its period
        reports.harvesting = lambda p, start, end: displays.harvest_flags(p, start, end).as_dict()
        return cls(
            deps=deps,
            access=Access(deps),
            cases=Cases(deps),
            creators=Creators(deps),
            cycles=Cycles(deps),
            dashboard=Dashboard(deps),
            displays=displays,
            labels=Labels(deps),
            live=Live(deps),
            lookups=LookupTallies(deps),
            operations=Operations(deps),
            policies=Policies(deps),
            public_log=public_log,
            reports=reports,
            reviews=Reviews(deps),
            webhooks=Webhooks(deps),
        )

    def close(self) -> None:
        """Write the label lookups counted, then release the database's connections."""
        with contextlib.suppress(Exception):  # a database that is away: let it go
            self.lookups.close()
        self.deps.db.dispose()
