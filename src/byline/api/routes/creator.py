"""The creator's own case: what is required and why, and what they can do about it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query

from byline.api._deps import (
    CasesDep,
    CreatorActor,
    CreatorCaller,
    CreatorsDep,
    DisplaysDep,
    PlatformPath,
)
from byline.api._problems import PROBLEM_RESPONSES, Problem
from byline.api._schemas import (
    AppealIn,
    Obligation,
    RefusalIn,
    SubmissionIn,
    VolunteerIn,
    WithdrawalIn,
)
from byline.words import LANGUAGES

router = APIRouter(
    prefix="/v1/platforms/{platform}/me", tags=["creator"], responses=PROBLEM_RESPONSES
)


def _language(
    lang: Annotated[
        str | None, Query(description="The language of the answer's words: en or zh-CN")
    ] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """``?lang=`` when given (one of the catalogue's languages), else the first language of
    ``Accept-Language`` the catalogue speaks, else English."""
    if lang is not None:
        if lang not in LANGUAGES:
            raise Problem(400, "Unknown language", f"lang is one of: {', '.join(LANGUAGES)}")
        return lang
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


Language = Annotated[str, Depends(_language)]


def _account(caller: Any) -> str:
    account_id: str | None = caller.account_id
    if account_id is None:
        raise Problem(401, "Authentication required", "a creator token is needed")
    return account_id


@router.get("", response_model=Obligation, summary="My obligation, reasons, deadline, penalties")
def me(
    platform: PlatformPath, creators: CreatorsDep, caller: CreatorCaller, lang: Language
) -> Obligation:
    return Obligation.model_validate(
        creators.obligation(platform, caller.account_id, lang).as_dict()
    )


@router.post(
    "/submission",
    response_model=Obligation,
    summary="Consent and submit my name (also a name change)",
)
def submit(
    platform: PlatformPath,
    body: SubmissionIn,
    creators: CreatorsDep,
    caller: CreatorCaller,
    actor: CreatorActor,
    lang: Language,
) -> Obligation:
    creators.submit(platform, _account(caller), body.name, consent=body.consent, actor=actor)
    return me(platform, creators, caller, lang)


@router.post("/refusal", response_model=Obligation, summary="Decline to show my name")
def refuse(
    platform: PlatformPath,
    body: RefusalIn,
    creators: CreatorsDep,
    caller: CreatorCaller,
    actor: CreatorActor,
    lang: Language,
) -> Obligation:
    creators.refuse(platform, _account(caller), actor=actor, reason=body.reason, note=body.note)
    return me(platform, creators, caller, lang)


@router.post("/appeal", response_model=Obligation, summary="Contest the obligation")
def appeal(
    platform: PlatformPath,
    body: AppealIn,
    creators: CreatorsDep,
    caller: CreatorCaller,
    actor: CreatorActor,
    lang: Language,
) -> Obligation:
    creators.appeal(platform, _account(caller), body.reason, actor=actor, note=body.note)
    return me(platform, creators, caller, lang)


@router.post(
    "/volunteer", response_model=Obligation, summary="Choose to show my name although not required"
)
def volunteer(
    platform: PlatformPath,
    body: VolunteerIn,
    creators: CreatorsDep,
    caller: CreatorCaller,
    actor: CreatorActor,
    lang: Language,
) -> Obligation:
    creators.volunteer(
        platform,
        _account(caller),
        body.name,
        body.kind,
        actor=actor,
        consent=body.consent,
    )
    return me(platform, creators, caller, lang)


@router.post("/withdrawal", response_model=Obligation, summary="Withdraw my voluntary disclosure")
def withdraw(
    platform: PlatformPath,
    body: WithdrawalIn,
    creators: CreatorsDep,
    caller: CreatorCaller,
    actor: CreatorActor,
    lang: Language,
) -> Obligation:
    creators.withdraw(platform, _account(caller), actor=actor, reason=body.reason, note=body.note)
    return me(platform, creators, caller, lang)


@router.get("/enforcement", summary="The restrictions on my account and how to lift them")
def my_enforcement(
    platform: PlatformPath, cases: CasesDep, caller: CreatorCaller
) -> dict[str, Any]:
    return cases.enforcement(platform, _account(caller)).as_dict()


@router.get("/displays", summary="How many times my name was shown, per day and viewer class")
def my_displays(
    platform: PlatformPath,
    displays: DisplaysDep,
    caller: CreatorCaller,
    days: Annotated[int, Query(ge=1, le=90, description="Days back, today included")] = 30,
) -> dict[str, Any]:
    """Per day (UTC) and per class of viewer the policy tells apart (``verified``: logged in,
    identity-verified, none of the policy's conditions; otherwise the conditions that held,
    such as ``logged_out+unverified``), how many times the name was shown; and, for each
    class the policy hides names from, how many displays it got (``never_shown_to``: those
    with none). Counts are written by each server process every few seconds."""
    return displays.view(platform, _account(caller), days).as_dict()


@router.get(
    "/statements",
    summary="The statements of reasons for the restrictions applied to my account",
    description="One per enforcement change that applied a restriction, newest first; fields "
    "modelled on the EU Transparency Database (docs/report.md). Never a name.",
)
def my_statements(
    platform: PlatformPath, creators: CreatorsDep, caller: CreatorCaller
) -> dict[str, Any]:
    return {"statements": creators.statements(platform, _account(caller))}
