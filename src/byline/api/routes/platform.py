"""The platform's integration: counts, enforcement signals, webhooks, cycles, policies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query

from byline.api._deps import AccountPath, AdminCaller, PlatformCaller, PlatformPath, StateDep
from byline.api._problems import PROBLEM_RESPONSES, Problem
from byline.api._schemas import CountsIn, CycleIn, PolicyIn, ShadowIn, WebhookIn
from byline.service.counts import CountUpdate, apply_counts
from byline.service.cycle import run_cycle
from byline.service.operations import register_webhook
from byline.service.policies import PolicyText
from byline.service.policy_admin import activate_source, active_source_file, shadow_evaluation

router = APIRouter(
    prefix="/v1/platforms/{platform}", tags=["platform"], responses=PROBLEM_RESPONSES
)


def _snapshot(state: StateDep, platform: str, name: str) -> Path:
    """A snapshot inside the platform's own folder (``<snapshot dir>/<platform>/``): nothing
    else on the server is readable, and no platform reads another's snapshots."""
    root = (state.settings.snapshot_dir / platform).resolve()
    try:
        path = (root / name).resolve()
        inside = path.is_relative_to(root) and path.is_file()
    except OSError:
        inside = False
    if not inside:
        raise Problem(
            422,
            "Invalid request",
            f"snapshot: no such file in this platform's snapshot folder ({name[:80]})",
        )
    return path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Problem(422, "Invalid request", f"as_of: not a date: {text}") from None


@router.post("/follower-counts", summary="Push counts; touched accounts are decided at once")
def counts(
    platform: PlatformPath, body: CountsIn, state: StateDep, caller: PlatformCaller
) -> dict[str, Any]:
    updates = []
    for i, c in enumerate(body.counts):
        metrics = dict(c.metrics)
        if c.followers is not None:
            metrics["followers"] = c.followers
        if any(v < 0 for v in metrics.values()):
            raise Problem(422, "Invalid request", f"counts.{i}.metrics: negative value")
        updates.append(CountUpdate(c.account_id, c.kind, c.category, metrics))
    return apply_counts(state.programme.db, platform, updates, _date(body.as_of), actor=caller.name)


@router.get("/enforcement/{account_id:path}", summary="Restrictions in force for one account")
def enforcement(
    platform: PlatformPath, account_id: AccountPath, state: StateDep, caller: PlatformCaller
) -> dict[str, Any]:
    return state.programme.enforcement(platform, account_id)


@router.get("/enforcement", summary="Every enforcement change after a cursor")
def enforcement_changes(
    platform: PlatformPath,
    state: StateDep,
    caller: PlatformCaller,
    since: int = Query(0, ge=0, le=2**62),
    limit: int = Query(1000, ge=1, le=10_000),
) -> dict[str, Any]:
    return state.programme.enforcement_changes(platform, since, limit)


@router.post("/webhooks", status_code=201, summary="Register a webhook endpoint")
def webhooks(
    platform: PlatformPath, body: WebhookIn, state: StateDep, caller: PlatformCaller
) -> dict[str, Any]:
    import secrets

    secret = body.secret or secrets.token_urlsafe(32)
    endpoint_id = register_webhook(
        state.programme.db,
        platform,
        body.url,
        secret,
        list(body.topics),
        guard=state.programme.webhooks,
    )
    return {
        "endpoint_id": endpoint_id,
        "secret": secret,
        "topics": body.topics,
        "note": "the secret is shown once; verify Byline-Signature with it",
    }


@router.post("/cycles", summary="Run a cycle on a snapshot file on the server")
def cycles(
    platform: PlatformPath, body: CycleIn, state: StateDep, caller: PlatformCaller
) -> dict[str, Any]:
    report = run_cycle(
        state.programme.db,
        _snapshot(state, platform, body.snapshot),
        _policy_ref(state, platform),
        _date(body.as_of),
        sealer=state.programme.vault.sealer,
    )
    return report.as_dict()


@router.post("/policies/shadow", summary="Evaluate a candidate policy against the live one")
def shadow(
    platform: PlatformPath, body: ShadowIn, state: StateDep, caller: PlatformCaller
) -> dict[str, Any]:
    return shadow_evaluation(
        state.programme.db,
        platform,
        body.source,
        _snapshot(state, platform, body.snapshot),
        _date(body.as_of),
    )


@router.post("/policies/activation", summary="Make a policy the live one (audited)")
def activate(
    platform: PlatformPath, body: PolicyIn, state: StateDep, caller: AdminCaller
) -> dict[str, Any]:
    return activate_source(
        state.programme.db, platform, body.source, actor=caller.name, now=state.programme.clock()
    )


def _policy_ref(state: StateDep, platform: str) -> PolicyText:
    return active_source_file(state.programme.db, platform)
