"""Every case service in one object, for callers that play several parts at once: the demo's
simulated creators and reviewers, and tests. Front doors use the services themselves."""

from __future__ import annotations

from byline.outbox import WebhookGuard
from byline.service._base import Actor, Clock, Deps, wall_clock
from byline.service._desk import NoCase, name_field, vault_subject
from byline.service._views import CaseView
from byline.service.cases import Cases
from byline.service.creators import Creators
from byline.service.reviews import Reviews
from byline.store import Database
from byline.vault import KeyProvider, Vault

__all__ = [
    "Actor",
    "CaseView",
    "Clock",
    "NoCase",
    "Programme",
    "name_field",
    "vault_subject",
    "wall_clock",
]


class Programme(Creators, Reviews, Cases):
    """Creators', reviewers' and support staff's case use cases over one ``Deps``."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        clock: Clock = wall_clock,
        keys: KeyProvider | None = None,
        webhooks: WebhookGuard | None = None,
    ) -> None:
        super().__init__(Deps(db, vault, clock, keys, webhooks or WebhookGuard()))
        self.keys = keys  # the vault's key provider, for rotation
        self.webhooks = self.deps.webhooks
