"""Reviewers: the queue, one case, the audited name, decisions, appeals, bulk actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from byline.api._deps import (
    AccountPath,
    CasesDep,
    PlatformPath,
    ReviewerActor,
    ReviewerCaller,
    ReviewsDep,
)
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import AppealDecisionIn, BulkIn, NoteRevealIn, RejectionIn, RevealIn
from byline.domain.cases import CaseState

router = APIRouter(
    prefix="/v1/platforms/{platform}/review", tags=["reviewer"], responses=PROBLEM_RESPONSES
)


@router.get("/queue", summary="Cases, nearest deadline first")
def queue(
    platform: PlatformPath,
    cases: CasesDep,
    caller: ReviewerCaller,
    case_state: CaseState = Query(CaseState.SUBMITTED, alias="state", examples=["appealed"]),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[dict[str, Any]]:
    return [view.as_dict() for view in cases.list_cases(platform, case_state, limit, offset)]


@router.get("/cases/{account_id:path}", summary="One case: facts, reasons, history (no name)")
def case(
    platform: PlatformPath, account_id: AccountPath, reviews: ReviewsDep, caller: ReviewerCaller
) -> dict[str, Any]:
    return reviews.show(platform, account_id).as_dict()


@router.post(
    "/cases/{account_id:path}/name-reveal",
    summary="Decrypt the submitted name for review (audited)",
)
def reveal(
    platform: PlatformPath,
    account_id: AccountPath,
    body: RevealIn,
    reviews: ReviewsDep,
    actor: ReviewerActor,
) -> dict[str, str]:
    name = reviews.reveal_name(
        platform, account_id, actor=actor, reason=body.reason, note=body.note
    )
    return {"account_id": account_id, "name": name}


@router.post(
    "/cases/{account_id:path}/note-reveal",
    summary="Decrypt a note kept beside a reason (audited)",
)
def reveal_note(
    platform: PlatformPath,
    account_id: AccountPath,
    body: NoteRevealIn,
    reviews: ReviewsDep,
    actor: ReviewerActor,
) -> dict[str, str]:
    note = reviews.reveal_note(platform, account_id, body.note_id, actor=actor, reason=body.reason)
    return {"account_id": account_id, "note_id": body.note_id, "note": note}


@router.post("/cases/{account_id:path}/approval", summary="Verify the submitted name")
def approve(
    platform: PlatformPath, account_id: AccountPath, reviews: ReviewsDep, actor: ReviewerActor
) -> dict[str, Any]:
    reviews.approve(platform, account_id, actor=actor)
    return reviews.show(platform, account_id).as_dict()


@router.post(
    "/cases/{account_id:path}/rejection", summary="Reject the submitted name, with a reason"
)
def reject(
    platform: PlatformPath,
    account_id: AccountPath,
    body: RejectionIn,
    reviews: ReviewsDep,
    actor: ReviewerActor,
) -> dict[str, Any]:
    reviews.reject(platform, account_id, body.reason, actor=actor, note=body.note)
    return reviews.show(platform, account_id).as_dict()


@router.post("/cases/{account_id:path}/appeal-decision", summary="Uphold or deny an appeal")
def decide_appeal(
    platform: PlatformPath,
    account_id: AccountPath,
    body: AppealDecisionIn,
    reviews: ReviewsDep,
    actor: ReviewerActor,
) -> dict[str, Any]:
    reviews.decide_appeal(
        platform,
        account_id,
        upheld=body.upheld,
        reason=body.reason,
        actor=actor,
        note=body.note,
    )
    return reviews.show(platform, account_id).as_dict()


@router.post("/bulk", summary="Approve or reject many submissions; each result is reported")
def bulk(
    platform: PlatformPath, body: BulkIn, reviews: ReviewsDep, actor: ReviewerActor
) -> dict[str, Any]:
    outcome = reviews.bulk(
        platform,
        list(body.account_ids),
        body.action,
        actor=actor,
        reason=body.reason,
        note=body.note,
    )
    results = {account_id: "done" for account_id in outcome.done}
    for refused in outcome.refused:
        results[refused.account_id] = f"not done: {refused.message}"
    return {
        "results": results,
        "done": outcome.done,
        "refused": [
            {"account_id": r.account_id, "code": r.code, "detail": r.message}
            for r in outcome.refused
        ],
    }


@router.put(
    "/cases/{account_id:path}/assignment",
    summary="Take the case: its decisions are reserved to the caller",
)
def take(
    platform: PlatformPath, account_id: AccountPath, reviews: ReviewsDep, actor: ReviewerActor
) -> dict[str, Any]:
    reviews.take(platform, account_id, actor=actor)
    return {"account_id": account_id, "assignee": actor.name}


@router.delete("/cases/{account_id:path}/assignment", summary="Give the case back")
def release(
    platform: PlatformPath, account_id: AccountPath, reviews: ReviewsDep, actor: ReviewerActor
) -> dict[str, Any]:
    reviews.release(platform, account_id, actor=actor)
    return {"account_id": account_id, "assignee": None}
