"""The account holder's own use cases: submit a name (with consent), refuse, appeal, volunteer,
withdraw; and what they are told about their case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from byline import cases
from byline.domain.cases import Appeal, Case, Refuse, Submit, TransitionError, Volunteer, Withdraw
from byline.domain.vocabulary import (
    AccountKind,
    AppealReason,
    RefusalReason,
    WithdrawalReason,
    coded,
)
from byline.service._base import Actor
from byline.service._desk import CaseDesk, name_field, vault_subject
from byline.service.obligations import Obligation, obligation_of
from byline.service.policies import active_policy


class Creators(CaseDesk):
    """What a creator does to their own case; each call is one transaction."""

    def submit(
        self,
        platform: str,
        account_id: str,
        name: str,
        *,
        consent: bool,
        actor: Actor,
        at: dt.datetime | None = None,
    ) -> Case:
        """The holder consents and submits a name (also a name change after disclosure)."""
        now = at or self.clock()
        with self.db.transaction() as conn:
            case, policy = self._open(conn, platform, account_id)
            self._check(case, Submit("pending", consent), now, policy)
            name_id = self.vault.submit_name(
                conn, vault_subject(platform, account_id), name, name_field(case.kind), now
            )
            return self._apply(conn, case, Submit(name_id, consent), policy, actor, now)

    def refuse(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        reason: RefusalReason | None = None,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        """The holder declines, with a coded reason (or none) and an optional note (vault)."""
        code = coded(RefusalReason, reason) if reason is not None else None
        return self._act(platform, account_id, lambda n: Refuse(code, n), note, actor, at)

    def appeal(
        self,
        platform: str,
        account_id: str,
        reason: AppealReason,
        *,
        actor: Actor,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        code = coded(AppealReason, reason)
        return self._act(platform, account_id, lambda n: Appeal(code, n), note, actor, at)

    def volunteer(
        self,
        platform: str,
        account_id: str,
        name: str,
        kind: AccountKind,
        *,
        actor: Actor,
        consent: bool = True,
        metrics: dict[str, int] | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        """A holder with no obligation chooses to disclose (as Weibo's CEO did)."""
        now = at or self.clock()
        with self.db.transaction() as conn:
            policy = active_policy(conn, platform)
            before = cases.latest_case(conn, platform, account_id)
            if before is not None and before.is_open:
                raise TransitionError(
                    f"account already has an open case ({before.state.value})"
                    "; submit a name on that case instead",
                    code="open_case_exists",
                    state=before.state.value,
                )
            probe = Volunteer("probe", account_id, kind, "probe", metrics or {}, consent)
            self._check(None, probe, now, policy)
            name_id = self.vault.submit_name(
                conn, vault_subject(platform, account_id), name, name_field(kind), now
            )
            event = Volunteer(str(uuid.uuid4()), account_id, kind, name_id, metrics or {}, consent)
            return self._apply(conn, None, event, policy, actor, now)

    def withdraw(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        reason: WithdrawalReason | None = None,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        code = coded(WithdrawalReason, reason) if reason is not None else None
        return self._act(platform, account_id, lambda n: Withdraw(code, n), note, actor, at)

    def statements(self, platform: str, account_id: str) -> list[dict[str, Any]]:
        """The statements of reasons issued to the holder's account, newest first."""
        with self.db.reading() as conn:
            active_policy(conn, platform)
            return cases.statements_of(conn, platform, account_id)

    def obligation(self, platform: str, account_id: str | None, lang: str = "en") -> Obligation:
        """What the holder is told: whether they must disclose, why, by when, the stakes, in
        ``lang``'s words."""
        return obligation_of(self, platform, account_id, lang)
