"""The disclosure programme's use cases, one transaction each: what creators, reviewers and
support staff do to a case, and what they may read about it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from byline import audit, cases
from byline.domain.cases import (
    Appeal,
    Approve,
    Case,
    CaseState,
    DecideAppeal,
    Event,
    NamesErased,
    Refuse,
    Reject,
    Submit,
    TransitionError,
    Volunteer,
    Withdraw,
    transition,
)
from byline.domain.enforcement import incentives_for, restrictions_for
from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    DisplayField,
    ErasureReason,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
    WithdrawalReason,
    coded,
)
from byline.outbox import WebhookGuard
from byline.service._changes import labels_changed
from byline.service._record import record
from byline.service._sealing import seal_and_send
from byline.service.policies import active_policy, active_policy_ids
from byline.store import Database
from byline.vault import KeyProvider, NoteNotFound, Vault

Clock = Callable[[], dt.datetime]


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NoCase(CodedError, LookupError):
    """The account has no case to act on."""


@dataclass(frozen=True)
class Actor:
    """Who acts, and under which request (both land in the audit trail)."""

    name: str
    request_id: str | None = None


class Programme:
    """Use cases over one database and vault. The CLI and the API call these, nothing else."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        clock: Clock = wall_clock,
        keys: KeyProvider | None = None,
        webhooks: WebhookGuard | None = None,
    ) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self.keys = keys  # the vault's key provider, for rotation
        # where webhook endpoints may lead (default: public addresses only)
        self.webhooks = webhooks or WebhookGuard()

    # --- creators -----------------------------------------------------------------------

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

    # --- reviewers ----------------------------------------------------------------------

    def approve(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        method: str = "reviewer",
        reference: str = "",
        at: dt.datetime | None = None,
        document_number: str | None = None,
    ) -> Case:
        now = at or self.clock()
        with self.db.transaction() as conn:
            case, policy = self._open(conn, platform, account_id)
            self._check(case, Approve(actor.name, method), now, policy)
            assert case.pending_name_id is not None
            self.vault.verify_name(
                conn,
                case.pending_name_id,
                method=method,
                reference=reference or f"case:{case.case_id}",
                at=now,
                verified_by=actor.name,
                document_number=document_number,
            )
            return self._apply(conn, case, Approve(actor.name, method), policy, actor, now)

    def reject(
        self,
        platform: str,
        account_id: str,
        reason: RejectionReason,
        *,
        actor: Actor,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        """Reject the name under review with a coded reason and an optional note (vault)."""
        now = at or self.clock()
        code = coded(RejectionReason, reason)
        with self.db.transaction() as conn:
            case, policy = self._open(conn, platform, account_id)
            self._check(case, Reject(actor.name, code), now, policy)
            assert case.pending_name_id is not None
            self.vault.reject_name(conn, case.pending_name_id, at=now, by=actor.name)
            note_id = self._keep_note(conn, platform, account_id, note, now)
            event = Reject(actor.name, code, note_id)
            return self._apply(conn, case, event, policy, actor, now)

    def decide_appeal(
        self,
        platform: str,
        account_id: str,
        *,
        upheld: bool,
        reason: AppealDecisionReason,
        actor: Actor,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> Case:
        code = coded(AppealDecisionReason, reason)
        return self._act(
            platform,
            account_id,
            lambda n: DecideAppeal(upheld, actor.name, code, n),
            note,
            actor,
            at,
        )

    def reveal_name(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        reason: StaffReadReason,
        note: str | None = None,
        at: dt.datetime | None = None,
    ) -> str:
        """Decrypt the name under review (or in force) for staff; audited and sealed."""
        now = at or self.clock()
        code = coded(StaffReadReason, reason)
        with self.db.transaction() as conn:
            case = cases.latest_case(conn, platform, account_id)
            if case is None or (case.pending_name_id or case.name_id) is None:
                raise NoCase(f"no name on file for account {account_id}", code="no_name")
            name_id = case.pending_name_id or case.name_id
            assert name_id is not None
            note_id = self._keep_note(conn, platform, account_id, note, now)
            name = self.vault.reveal_for_staff(
                conn,
                name_id,
                actor=actor.name,
                reason=code,
                at=now,
                request_id=actor.request_id,
                note_id=note_id,
            )
            seal_and_send(conn, self.vault.sealer, platform, now, "name_read")
            return name

    def reveal_note(
        self,
        platform: str,
        account_id: str,
        note_id: str,
        *,
        actor: Actor,
        reason: StaffReadReason,
        at: dt.datetime | None = None,
    ) -> str:
        """Decrypt a note kept beside a reason on the account's case for staff: audited as
        ``note:decrypted`` and sealed, like a name read."""
        now = at or self.clock()
        code = coded(StaffReadReason, reason)
        with self.db.transaction() as conn:
            try:
                text = self.vault.reveal_note(
                    conn,
                    vault_subject(platform, account_id),
                    note_id,
                    actor=actor.name,
                    reason=code,
                    at=now,
                    request_id=actor.request_id,
                )
            except NoteNotFound as exc:
                raise NoCase(f"no such note for account {account_id}", code="no_note") from exc
            seal_and_send(conn, self.vault.sealer, platform, now, "note_read")
            return text

    def erase(
        self,
        platform: str,
        account_id: str,
        *,
        actor: Actor,
        reason: ErasureReason,
        at: dt.datetime | None = None,
    ) -> int:
        """Crypto-shred the holder's names; the label comes down in the same transaction."""
        now = at or self.clock()
        reason = coded(ErasureReason, reason)
        with self.db.transaction() as conn:
            case = cases.open_case(conn, platform, account_id, lock=True)
            erased = self.vault.erase(
                conn, vault_subject(platform, account_id), actor.name, now, reason
            )
            labels_changed(conn, platform)  # a shredded name is never served again, cached or not
            if case is not None:
                policy = active_policy(conn, case.policy_id)
                self._apply(conn, case, NamesErased(reason), policy, actor, now)
            return erased

    # --- reading ------------------------------------------------------------------------

    def show(self, platform: str, account_id: str) -> dict[str, Any]:
        """A case as support staff see it: state, tier, deadline, restrictions, history."""
        with self.db.reading() as conn:
            case = cases.latest_case(conn, platform, account_id)
            if case is None:
                raise NoCase(f"no case for account {account_id}", code="no_case")
            policy = active_policy(conn, case.policy_id)
            history = [
                {
                    "seq": e["seq"],
                    "at": e["at"].isoformat(),
                    "action": e["action"],
                    "actor": e["actor"],
                    "state": (e["after"] or {}).get("state"),
                    "detail": e["detail"],
                }
                for e in audit.entries_for(conn, case_id=case.case_id)
            ]
            return {**case_view(case, policy), "history": history}

    def list_cases(
        self, platform: str, state: CaseState | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
            return [
                case_view(c, policy) for c in cases.list_cases(conn, platform, state, limit, offset)
            ]

    def funnel(self, platform: str) -> dict[str, int]:
        with self.db.reading() as conn:
            counts = cases.state_counts(conn, platform)
        return {s.value: counts.get(s.value, 0) for s in CaseState}

    def enforcement(self, platform: str, account_id: str) -> dict[str, Any]:
        """The restrictions and incentives in force for an account, since when and why."""
        table = cases.enforcement
        with self.db.reading() as conn:
            row = conn.execute(
                select(table).where(table.c.policy_id == platform, table.c.account_id == account_id)
            ).first()
        if row is None:
            return {
                "account_id": account_id,
                "restrictions": [],
                "incentives": [],
                "since": None,
                "reason": None,
                "cursor": None,
            }
        return {
            "account_id": account_id,
            "restrictions": row.restrictions,
            "incentives": row.incentives,
            "since": row.since.isoformat(),
            "reason": row.reason,
            "cursor": row.change_seq,
            "case_id": row.case_id,
        }

    def enforcement_changes(
        self, platform: str, cursor: int = 0, limit: int = 1000
    ) -> dict[str, Any]:
        """Every enforcement change after ``cursor``, oldest first, and the cursor to resume."""
        table = cases.enforcement_changes
        with self.db.reading() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.policy_id == platform, table.c.seq > cursor)
                .order_by(table.c.seq)
                .limit(limit)
            ).all()
        changes = [
            {
                "cursor": r.seq,
                "at": r.at.isoformat(),
                "account_id": r.account_id,
                "restrictions": r.restrictions,
                "incentives": r.incentives,
                "reason": r.reason,
            }
            for r in rows
        ]
        return {"changes": changes, "next_cursor": rows[-1].seq if rows else cursor}

    def policies(self) -> list[str]:
        with self.db.reading() as conn:
            return active_policy_ids(conn)

    # --- plumbing -----------------------------------------------------------------------

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
        return case, active_policy(conn, case.policy_id)

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


def case_view(case: Case, policy: Policy) -> dict[str, Any]:
    """A case for display and JSON: no names, no name ids."""
    restrictions = restrictions_for(case.penalised_for, case.lingering, policy)
    return {
        "case_id": case.case_id,
        "account_id": case.account_id,
        "policy": f"{case.policy_id} {case.policy_version}",
        "state": case.state.value,
        "tier": case.tier,
        "voluntary": case.voluntary,
        "kind": case.kind.value,
        "opened_at": case.opened_at.isoformat(),
        "notified_at": case.notified_at.isoformat() if case.notified_at else None,
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "metrics": dict(case.metrics),
        "observed_on": case.observed_on.isoformat() if case.observed_on else None,
        "below_since": case.below_since.isoformat() if case.below_since else None,
        "name_on_file": case.name_id is not None,
        "name_pending": case.pending_name_id is not None,
        "flags": list(case.flags),
        "restrictions": [r.as_dict() for r in restrictions],
        "incentives": list(incentives_for(case.state is CaseState.DISCLOSED, policy)),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }
