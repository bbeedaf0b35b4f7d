"""Persisting a case transition: the case, its audit entries and its effects in the caller's
transaction, so a crash never leaves a notice without its record or a record without its notice.
"""

from __future__ import annotations

import datetime as dt

from byline import audit, cases, outbox, translog
from byline.domain import statements
from byline.domain.cases import (
    Case,
    CreatorMessage,
    EnforcementChanged,
    Flagged,
    LabelChanged,
    Transition,
)
from byline.domain.policy import Policy
from byline.outbox import Topic
from byline.service._changes import labels_changed
from byline.store import Connection


def record(
    conn: Connection,
    before: Case | None,
    result: Transition,
    policy: Policy,
    *,
    actor: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> int | None:
    """Write ``result`` (from ``before``); return the last audit sequence number written."""
    after = result.case
    if before is None or before != after:
        cases.save(conn, before, after, now)
    seq = None
    for action in result.actions:
        seq = audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=action,
                case_id=after.case_id,
                account_id=after.account_id,
                policy_version=f"{policy.id} {policy.version}",
                request_id=request_id,
                before=before.summary() if before else None,
                after=after.summary(),
                detail=result.detail or None,
            ),
        )
    # Effects are keyed by the audit entry that caused them: re-running cannot repeat them.
    anchor = f"{after.case_id}:{seq}"
    for index, effect in enumerate(result.effects):
        key = f"{anchor}:{index}"
        if isinstance(effect, CreatorMessage):
            outbox.enqueue(
                conn,
                platform=policy.id,
                topic=Topic.NOTICE,
                at=now,
                account_id=after.account_id,
                case_id=after.case_id,
                key=key,
                payload={
                    "template": effect.template,
                    "account_id": after.account_id,
                    "case_id": after.case_id,
                    "state": after.state.value,
                    "policy_id": policy.id,
                    **effect.data,
                },
            )
        elif isinstance(effect, EnforcementChanged):
            _record_enforcement(conn, after, effect, policy, now, key)
        elif isinstance(effect, LabelChanged):
            _record_label(conn, after, effect, policy, now, key)
        elif isinstance(effect, Flagged):
            pass  # kept on the case (flags) and in its audit entry, for reviewers
    if seq is not None:
        _record_public(conn, after, result, policy, now, seq)
    return seq


def _record_public(
    conn: Connection, case: Case, result: Transition, policy: Policy, now: dt.datetime, seq: int
) -> None:
    """A change the public sees goes into the platform's public log, with what it was decided
    on and never a name."""
    live = next((e.live for e in result.effects if isinstance(e, LabelChanged)), None)
    event = translog.public_event([a.value for a in result.actions], live)
    if event is None:
        return
    entry = {
        "platform": policy.id,
        "account_id": case.account_id,
        "event": event,
        "basis": "volunteered" if case.voluntary else "required",
        "tier": case.tier,
        # the values the decision judged (under judge = "owner", a linked account's owner's)
        "counts": policy.judged(case.metrics, linked=policy.carries_owner(case.metrics)),
        "floor": dict(policy.floor.threshold),
        "policy_id": policy.id,
        "policy_version": policy.version,
        "at": now.isoformat(),
        "audit_seq": seq,
    }
    translog.append(conn, policy.id, entry, seq, now)


def _record_enforcement(
    conn: Connection,
    case: Case,
    effect: EnforcementChanged,
    policy: Policy,
    now: dt.datetime,
    key: str,
) -> None:
    restrictions = [r.as_dict() for r in effect.restrictions]
    incentives = list(effect.incentives)
    held = cases.in_force(conn, policy.id, case.account_id)
    new = statements.applied(held["restrictions"] if held else [], restrictions)
    change_seq = cases.put_in_force(
        conn,
        policy.id,
        case.account_id,
        case_id=case.case_id,
        restrictions=restrictions,
        incentives=incentives,
        reason=effect.reason,
        at=now,
    )
    if new:  # every restriction applied is explained, in the same transaction
        cases.put_statement(
            conn,
            statements.statement_of_reasons(
                platform=policy.id,
                cursor=change_seq,
                account_id=case.account_id,
                case_id=case.case_id,
                policy=policy,
                tier=case.tier,
                counts=policy.judged(case.metrics, linked=policy.carries_owner(case.metrics)),
                restrictions=new,
                notified_at=case.notified_at,
                deadline=case.deadline,
                at=now,
            ),
            now,
        )
    outbox.enqueue(
        conn,
        platform=policy.id,
        topic=Topic.ENFORCEMENT,
        at=now,
        account_id=case.account_id,
        case_id=case.case_id,
        key=key,
        payload={
            "account_id": case.account_id,
            "restrictions": restrictions,
            "incentives": incentives,
            "reason": effect.reason,
            "cursor": change_seq,
            "policy_id": policy.id,
        },
    )


def _record_label(
    conn: Connection, case: Case, effect: LabelChanged, policy: Policy, now: dt.datetime, key: str
) -> None:
    fields = [f.value for f in policy.display.fields_for(case.kind)]
    cases.put_label(
        conn,
        policy.id,
        case.account_id,
        case_id=case.case_id,
        live=effect.live,
        kind=case.kind.value,
        fields=fields,
        name_id=effect.name_id,
        at=now,
    )
    labels_changed(conn, policy.id)
    # The platform is told *that* the label changed; the name itself is only ever served by
    # the label lookup, to viewers the policy allows.
    outbox.enqueue(
        conn,
        platform=policy.id,
        topic=Topic.LABEL,
        at=now,
        account_id=case.account_id,
        case_id=case.case_id,
        key=key,
        payload={
            "account_id": case.account_id,
            "live": effect.live,
            "fields": fields,
            "policy_id": policy.id,
        },
    )
