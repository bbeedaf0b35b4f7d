"""The case desk every case service stands on: open a case under lock, check a transition
before anything is written, apply it with its effects in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from byline import audit, cases
from byline.domain.cases import Case, Event, transition
from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.domain.vocabulary import AccountKind, DisplayField
from byline.service._base import Actor, Service
from byline.service._record import record
from byline.service._views import CaseView, HistoryEntry
from byline.service.policies import active_policy
from byline.store import Connection


class NoCase(CodedError, LookupError):
    """The account has no case to act on."""


class AssignmentConflict(CodedError, ValueError):
    """The case is taken by another reviewer (or is not taken by the one releasing it)."""


class TakenByAnother(AssignmentConflict):
    """A reviewer tried to decide a case another reviewer has taken."""


class NameNotSeen(CodedError, ValueError):
    """A bulk approval reached a name that no reviewer has read and no identity provider has
    verified: it is approved one case at a time, after reading it."""


class CaseDesk(Service):
    """Plumbing shared by the services that change cases (creators, reviewers, erasure)."""

    def show(self, platform: str, account_id: str) -> CaseView:
        """A case as support staff see it: state, tier, deadline, restrictions, history."""
        with self.db.reading() as conn:
            case = cases.latest_case(conn, platform, account_id)
            if case is None:
                raise NoCase(f"no case for account {account_id}", code="no_case")
            policy = active_policy(conn, case.platform)
            history = tuple(
                HistoryEntry.of(e) for e in audit.entries_for(conn, case_id=case.case_id)
            )
            return replace(CaseView.of(case, policy), history=history)

    def _act(
        self,
        platform: str,
        account_id: str,
        event: Callable[[str | None], Event],
        note: str | None,
        actor: Actor,
        at: dt.datetime | None,
    ) -> Case:
        """Apply ``event(note_id)``: a note given beside the reason goes into the vault first
        (in the same transaction), and the case and its audit entry keep only its id."""
        now = at or self.clock()
        with self.db.transaction() as conn:
            case, policy = self._open(conn, platform, account_id)
            self._check(case, event(None), now, policy)
            note_id = self._keep_note(conn, platform, account_id, note, now)
            return self._apply(conn, case, event(note_id), policy, actor, now)

    def _keep_note(
        self, conn: Connection, platform: str, account_id: str, note: str | None, now: dt.datetime
    ) -> str | None:
        return self.vault.keep_note(conn, vault_subject(platform, account_id), note, now)

    def _open(self, conn: Connection, platform: str, account_id: str) -> tuple[Case, Policy]:
        case = cases.open_case(conn, platform, account_id, lock=True)
        if case is None:
            raise NoCase(f"account {account_id} has no open case", code="no_open_case")
        return case, active_policy(conn, case.platform)

    @staticmethod
    def _check(case: Case | None, event: Event, now: dt.datetime, policy: Policy) -> None:
        """Raise the domain's error before anything (a name) is written."""
        transition(case, event, now, policy)

    @staticmethod
    def _apply(
        conn: Connection,
        case: Case | None,
        event: Event,
        policy: Policy,
        actor: Actor,
        now: dt.datetime,
    ) -> Case:
        result = transition(case, event, now, policy)
        record(conn, case, result, policy, actor=actor.name, now=now, request_id=actor.request_id)
        return result.case


def vault_subject(platform: str, account_id: str) -> str:
    """The vault's id for an account: accounts of different platforms never share a key."""
    return f"{platform}/{account_id}"


def name_field(kind: AccountKind) -> DisplayField:
    """Which label field a holder's name fills: a person's real name, or an organisation's."""
    if kind is AccountKind.ORGANIZATION:
        return DisplayField.ORGANIZATION_NAME
    return DisplayField.REAL_NAME
