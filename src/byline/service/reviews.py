"""Reviewers' use cases: the queue, taking a case (which reserves its decisions), approving or
rejecting a name one case or many at a time, deciding appeals, reading a name or a note
(audited and sealed), and a case's full trail.

Taking a case is a note between reviewers (``case_assignments``: which reviewer, since when),
not a change to the case, and reads no personal data, so it is not in the audit trail. The
reservation is checked inside the transaction of every decision, whichever door it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from byline import audit, cases
from byline.cases import Assignee, QueuePage, QueueRow, QueueView
from byline.domain.cases import Approve, Case, DecideAppeal, Event, Reject
from byline.domain.policy import Policy
from byline.domain.vocabulary import (
    AppealDecisionReason,
    AuditAction,
    RejectionReason,
    StaffReadReason,
    coded,
)
from byline.service import errors, limits
from byline.service._base import Actor
from byline.service._desk import (
    AssignmentConflict,
    CaseDesk,
    NameNotSeen,
    NoCase,
    TakenByAnother,
    vault_subject,
)
from byline.service._sealing import seal_and_send
from byline.service.policies import active_policy
from byline.store import Connection
from byline.vault import NoteNotFound

# Actors that are identity providers (``verify_with_provider``), not reviewers.
IDP_PREFIX = "idp:"

__all__ = [
    "Assignee",
    "AssignmentConflict",
    "BulkOutcome",
    "NameNotSeen",
    "QueuePage",
    "QueueRow",
    "QueueView",
    "Reviews",
    "TakenByAnother",
    "TrailEntry",
]


@dataclass(frozen=True)
class Refused:
    """One case of a bulk decision that was not done, and why (a code and words)."""

    account_id: str
    code: str
    message: str
    facts: dict[str, str | int]


@dataclass(frozen=True)
class TrailEntry:
    """One line of a case's audit trail: what was done, by whom, the state it left, its
    reason (a code) and the id of a note kept beside that reason (read via ``reveal_note``)."""

    seq: int
    at: dt.datetime
    action: str
    actor: str
    state: str | None
    reason: str | None
    note_id: str | None


@dataclass(frozen=True)
class BulkOutcome:
    """A bulk decision, case by case: each is its own transaction."""

    action: str
    done: list[str]
    refused: list[Refused]


class Reviews(CaseDesk):
    """What a reviewer (or an admin) does; every decision checks the case's reservation."""

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
        seen_only: bool = False,
    ) -> Case:
        """Approve the name under review (verified by ``method``). With ``seen_only`` (a bulk
        approval), only a name a reviewer has read or an identity provider has verified
        (``name_not_seen`` otherwise). The decision releases the case if it was taken."""
        now = at or self.clock()
        with self.db.transaction() as conn:
            case, policy = self._open_to_decide(conn, platform, account_id, actor)
            self._check(case, Approve(actor.name, method), now, policy)
            assert case.pending_name_id is not None
            if seen_only:
                self._check_seen(conn, platform, account_id, case.pending_name_id)
            self.vault.verify_name(
                conn,
                case.pending_name_id,
                method=method,
                reference=reference or f"case:{case.case_id}",
                at=now,
                verified_by=actor.name,
                document_number=document_number,
            )
            return self._decided(conn, case, Approve(actor.name, method), policy, actor, now)

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
            case, policy = self._open_to_decide(conn, platform, account_id, actor)
            self._check(case, Reject(actor.name, code), now, policy)
            assert case.pending_name_id is not None
            self.vault.reject_name(conn, case.pending_name_id, at=now, by=actor.name)
            note_id = self._keep_note(conn, platform, account_id, note, now)
            event = Reject(actor.name, code, note_id)
            return self._decided(conn, case, event, policy, actor, now)

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
        now = at or self.clock()
        with self.db.transaction() as conn:
            case, policy = self._open_to_decide(conn, platform, account_id, actor)
            self._check(case, DecideAppeal(upheld, actor.name, code, None), now, policy)
            note_id = self._keep_note(conn, platform, account_id, note, now)
            event = DecideAppeal(upheld, actor.name, code, note_id)
            return self._decided(conn, case, event, policy, actor, now)

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

    def bulk(
        self,
        platform: str,
        account_ids: list[str],
        action: Literal["approve", "reject"],
        *,
        actor: Actor,
        reason: RejectionReason | None = None,
        note: str | None = None,
    ) -> BulkOutcome:
        """Approve or reject many submissions, each in its own transaction. A rejection needs
        a reason; at most ``limits.BULK_MAX`` accounts; a case another reviewer has taken is
        refused (``taken_by_other``), and an approval of a name nobody has read
        (``name_not_seen``), as every other refusal, case by case."""
        ids = list(dict.fromkeys(account_ids))
        limits.check_bulk(ids)
        if action not in ("approve", "reject"):
            raise limits.LimitExceeded("action: neither approve nor reject", code="bulk_action")
        if action == "reject" and reason is None:
            raise limits.LimitExceeded("reason: a rejection needs a reason", code="reason_required")
        done: list[str] = []
        refused: list[Refused] = []
        for account_id in ids:
            try:
                if action == "approve":
                    self.approve(platform, account_id, actor=actor, seen_only=True)
                else:
                    assert reason is not None
                    self.reject(platform, account_id, reason, actor=actor, note=note)
            except errors.USER_ERRORS as exc:
                code, facts = getattr(exc, "code", ""), getattr(exc, "facts", {})
                refused.append(Refused(account_id, code or "", str(exc), dict(facts)))
            else:
                done.append(account_id)
        return BulkOutcome(action, done, refused)

    # --- the queue and reservations -------------------------------------------------------

    def queue(
        self,
        platform: str,
        *,
        reviewer: str,
        view: QueueView = QueueView.SUBMITTED,
        tier: str | None = None,
        assignee: Assignee = Assignee.ANYONE,
        limit: int = 50,
        offset: int = 0,
    ) -> QueuePage:
        """Open cases of ``platform``, nearest deadline first (none last), then by account."""
        with self.db.reading() as conn:
            return cases.queue(
                conn,
                platform,
                reviewer=reviewer,
                view=view,
                tier=tier,
                assignee=assignee,
                limit=limit,
                offset=offset,
            )

    def holder(self, platform: str, account_id: str) -> str | None:
        """Who has taken the account's open case (None: nobody, or no open case)."""
        with self.db.reading() as conn:
            found = cases.open_case(conn, platform, account_id)
            return None if found is None else cases.holder_of(conn, found.case_id)

    def take(self, platform: str, account_id: str, *, actor: Actor) -> None:
        """``actor`` takes the account's open case; taking one's own case again changes
        nothing; a case another reviewer holds is refused (``taken_by``)."""
        try:
            with self.db.transaction() as conn:
                case_id = self._open_case_id(conn, platform, account_id)
                holder = cases.holder_of(conn, case_id)
                if holder == actor.name:
                    return
                if holder is not None:
                    raise AssignmentConflict(
                        f"case of account {account_id} is taken by {holder}",
                        code="taken_by",
                        holder=holder,
                    )
                cases.assign(conn, case_id, platform, actor.name, self.clock())
        except cases.AlreadyTaken as exc:  # another reviewer took it at the same moment
            raise AssignmentConflict(
                f"case of account {account_id} was just taken", code="just_taken"
            ) from exc

    def release(self, platform: str, account_id: str, *, actor: Actor) -> None:
        """``actor`` gives the case back (an admin: whoever holds it)."""
        with self.db.transaction() as conn:
            case_id = self._open_case_id(conn, platform, account_id)
            if not cases.unassign(conn, case_id, None if actor.admin else actor.name):
                raise AssignmentConflict(
                    f"case of account {account_id} is not taken by you", code="not_yours"
                )

    # --- reading --------------------------------------------------------------------------

    def trail(self, platform: str, account_id: str) -> list[TrailEntry]:
        """The latest case's audit trail, oldest first: its changes, and every staff read of
        the account's names and notes since it opened. Each entry's reason is a code;
        ``note_id`` says a note is kept beside it (in the vault, read through
        ``reveal_note``)."""
        with self.db.reading() as conn:
            case = cases.latest_case(conn, platform, account_id)
            if case is None:
                raise NoCase(f"no case for account {account_id}", code="no_case")
            rows = audit.case_trail(
                conn, case.case_id, vault_subject(platform, account_id), case.opened_at
            )
        return [
            TrailEntry(
                seq=r["seq"],
                at=r["at"],
                action=r["action"],
                actor=r["actor"],
                state=(r["after"] or {}).get("state"),
                reason=(r["detail"] or {}).get("reason"),
                # a read of a note names the note it read; not a note kept beside a reason
                note_id=None
                if r["action"] == AuditAction.NOTE_DECRYPTED.value
                else (r["detail"] or {}).get("note_id"),
            )
            for r in rows
        ]

    def policy_in_force(self, platform: str) -> Policy:
        """The platform's active policy (for explaining tiers, penalties and rules)."""
        with self.db.reading() as conn:
            return active_policy(conn, platform)

    # --- plumbing -------------------------------------------------------------------------

    def _decided(
        self,
        conn: Connection,
        case: Case,
        event: Event,
        policy: Policy,
        actor: Actor,
        now: dt.datetime,
    ) -> Case:
        """Apply a reviewer's decision; the case is no longer anyone's to decide, so it is
        released (in the same transaction)."""
        decided = self._apply(conn, case, event, policy, actor, now)
        cases.unassign(conn, case.case_id, None)
        return decided

    def _check_seen(self, conn: Connection, platform: str, account_id: str, name_id: str) -> None:
        """Refuse a name no reviewer has read (an identity provider's read is not a
        reviewer's) unless a provider has verified it."""
        readers = audit.name_readers(conn, vault_subject(platform, account_id), name_id)
        if any(not r.startswith(IDP_PREFIX) for r in readers):
            return
        method = self.vault.record(conn, name_id).verification_method or ""
        if method.startswith(IDP_PREFIX):
            return
        raise NameNotSeen(
            f"the name of account {account_id} has not been read by a reviewer",
            code="name_not_seen",
        )

    @staticmethod
    def _open_case_id(conn: Connection, platform: str, account_id: str) -> str:
        found = cases.open_case(conn, platform, account_id)
        if found is None:
            raise NoCase(f"account {account_id} has no open case", code="no_open_case")
        return found.case_id

    def _open_to_decide(
        self, conn: Connection, platform: str, account_id: str, actor: Actor
    ) -> tuple[Case, Policy]:
        """Open the case under lock, refusing if another reviewer has taken it (taking a case
        reserves its decisions; an admin may decide any)."""
        case, policy = self._open(conn, platform, account_id)
        if not actor.admin:
            holder = cases.holder_of(conn, case.case_id)
            if holder is not None and holder != actor.name:
                raise TakenByAnother(
                    f"case of account {account_id} is taken by another reviewer",
                    code="taken_by_other",
                )
        return case, policy
