"""The creator's own case: what is required and why, and what they can do about it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from byline.api._deps import CasesDep, CreatorCaller, CreatorsDep, PlatformPath
from byline.api._problems import PROBLEM_RESPONSES, Problem
from byline.api._schemas import (
    AppealIn,
    Obligation,
    RefusalIn,
    SubmissionIn,
    VolunteerIn,
    WithdrawalIn,
)
from byline.service import Actor

router = APIRouter(
    prefix="/v1/platforms/{platform}/me", tags=["creator"], responses=PROBLEM_RESPONSES
)


def _actor(caller: Any) -> Actor:
    return Actor(caller.name)


def _account(caller: Any) -> str:
    account_id: str | None = caller.account_id
    if account_id is None:
        raise Problem(401, "Authentication required", "a creator token is needed")
    return account_id


@router.get("", response_model=Obligation, summary="My obligation, reasons, deadline, penalties")
def me(platform: PlatformPath, creators: CreatorsDep, caller: CreatorCaller) -> Obligation:
    return Obligation.model_validate(creators.obligation(platform, caller.account_id))


@router.post(
    "/submission",
    response_model=Obligation,
    summary="Consent and submit my name (also a name change)",
)
def submit(
    platform: PlatformPath, body: SubmissionIn, creators: CreatorsDep, caller: CreatorCaller
) -> Obligation:
    creators.submit(
        platform, _account(caller), body.name, consent=body.consent, actor=_actor(caller)
    )
    return me(platform, creators, caller)


@router.post("/refusal", response_model=Obligation, summary="Decline to show my name")
def refuse(
    platform: PlatformPath, body: RefusalIn, creators: CreatorsDep, caller: CreatorCaller
) -> Obligation:
    creators.refuse(
        platform, _account(caller), actor=_actor(caller), reason=body.reason, note=body.note
    )
    return me(platform, creators, caller)


@router.post("/appeal", response_model=Obligation, summary="Contest the obligation")
def appeal(
    platform: PlatformPath, body: AppealIn, creators: CreatorsDep, caller: CreatorCaller
) -> Obligation:
    creators.appeal(platform, _account(caller), body.reason, actor=_actor(caller), note=body.note)
    return me(platform, creators, caller)


@router.post(
    "/volunteer", response_model=Obligation, summary="Choose to show my name although not required"
)
def volunteer(
    platform: PlatformPath, body: VolunteerIn, creators: CreatorsDep, caller: CreatorCaller
) -> Obligation:
    creators.volunteer(
        platform,
        _account(caller),
        body.name,
        body.kind,
        actor=_actor(caller),
        consent=body.consent,
    )
    return me(platform, creators, caller)


@router.post("/withdrawal", response_model=Obligation, summary="Withdraw my voluntary disclosure")
def withdraw(
    platform: PlatformPath, body: WithdrawalIn, creators: CreatorsDep, caller: CreatorCaller
) -> Obligation:
    creators.withdraw(
        platform, _account(caller), actor=_actor(caller), reason=body.reason, note=body.note
    )
    return me(platform, creators, caller)


@router.get("/enforcement", summary="The restrictions on my account and how to lift them")
def my_enforcement(
    platform: PlatformPath, cases: CasesDep, caller: CreatorCaller
) -> dict[str, Any]:
    return cases.enforcement(platform, _account(caller))
