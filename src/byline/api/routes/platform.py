"""The platform's integration: counts, enforcement signals, webhooks, cycles, policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query

from byline.api._deps import (
    AccountPath,
    AdminActor,
    CasesDep,
    CyclesDep,
    DisplaysDep,
    PlatformActor,
    PlatformCaller,
    PlatformPath,
    PoliciesDep,
    WebhooksDep,
)
from byline.api._problems import PROBLEM_RESPONSES, Problem
from byline.api._schemas import CountsIn, CycleIn, PolicyIn, ShadowIn, WebhookIn
from byline.service import CountUpdate

router = APIRouter(
    prefix="/v1/platforms/{platform}", tags=["platform"], responses=PROBLEM_RESPONSES
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Problem(422, "Invalid request", f"as_of: not a date: {text}") from None


@router.post("/follower-counts", summary="Push counts; touched accounts are decided at once")
def counts(
    platform: PlatformPath, body: CountsIn, cycles: CyclesDep, actor: PlatformActor
) -> dict[str, Any]:
    updates = []
    for i, c in enumerate(body.counts):
        metrics = dict(c.metrics)
        if c.followers is not None:
            metrics["followers"] = c.followers
        if any(v < 0 for v in metrics.values()):
            raise Problem(422, "Invalid request", f"counts.{i}.metrics: negative value")
        updates.append(CountUpdate(c.account_id, c.kind, c.category, metrics))
    applied = cycles.apply_counts(
        platform, updates, _date(body.as_of), actor=actor.name, request_id=actor.request_id
    )
    return applied.as_dict()


@router.get("/enforcement/{account_id:path}", summary="Restrictions in force for one account")
def enforcement(
    platform: PlatformPath, account_id: AccountPath, cases: CasesDep, caller: PlatformCaller
) -> dict[str, Any]:
    return cases.enforcement(platform, account_id).as_dict()


@router.get("/enforcement", summary="Every enforcement change after a cursor")
def enforcement_changes(
    platform: PlatformPath,
    cases: CasesDep,
    caller: PlatformCaller,
    since: int = Query(0, ge=0, le=2**62),
    limit: int = Query(1000, ge=1, le=10_000),
) -> dict[str, Any]:
    return cases.enforcement_changes(platform, since, limit).as_dict()


@router.post("/webhooks", status_code=201, summary="Register a webhook endpoint (audited)")
def webhooks(
    platform: PlatformPath, body: WebhookIn, hooks: WebhooksDep, actor: PlatformActor
) -> dict[str, Any]:
    registered = hooks.register(
        platform,
        body.url,
        list(body.topics),
        actor=actor.name,
        secret=body.secret,
        request_id=actor.request_id,
    )
    return {
        "endpoint_id": registered.endpoint_id,
        "secret": registered.secret,
        "topics": registered.topics,
        "note": "the secret is shown once; verify webhook-signature (Standard Webhooks)"
        " or Byline-Signature with it",
    }


@router.post("/cycles", summary="Run a cycle on a snapshot of the platform's folder")
def cycles(
    platform: PlatformPath, body: CycleIn, cycles: CyclesDep, caller: PlatformCaller
) -> dict[str, Any]:
    return cycles.run_in_folder(platform, body.snapshot, _date(body.as_of)).as_dict()


@router.post("/policies/shadow", summary="Evaluate a candidate policy against the live one")
def shadow(
    platform: PlatformPath, body: ShadowIn, policies: PoliciesDep, caller: PlatformCaller
) -> dict[str, Any]:
    return policies.shadow(platform, body.source, body.snapshot, _date(body.as_of)).as_dict()


@router.post("/policies/activation", summary="Make a policy the live one (audited)")
def activate(
    platform: PlatformPath, body: PolicyIn, policies: PoliciesDep, actor: AdminActor
) -> dict[str, Any]:
    activated = policies.activate(
        platform, body.source, actor=actor.name, request_id=actor.request_id
    )
    return activated.as_dict()


@router.get(
    "/harvest-signals",
    summary="Keys and viewers shown many distinct disclosed accounts in the last hour",
)
def harvest_signals(
    platform: PlatformPath, displays: DisplaysDep, caller: PlatformCaller
) -> dict[str, Any]:
    """Every API key and viewer id shown more than the threshold (the server's
    ``BYLINE_HARVEST_THRESHOLD``, else the policy's ``[displays] harvest_threshold``, else 200)
    distinct disclosed accounts in the sliding hour ending now (the current minute and the 59
    before), from every server process's display records: a scraper that spreads its
    requests under the rate limits, over keys' viewers or over workers, still adds up here."""
    return displays.harvest_signals(platform).as_dict()
