"""Administration of a platform: API keys and the creator-token key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from byline.api._deps import AdminCaller, PlatformPath, StateDep
from byline.api._problems import PROBLEM_RESPONSES, Problem
from byline.api._schemas import ApiKeyIn
from byline.service.access import (
    Role,
    create_api_key,
    list_api_keys,
    register_creator_key,
    revoke_api_key,
)

router = APIRouter(prefix="/v1/platforms/{platform}", tags=["admin"], responses=PROBLEM_RESPONSES)


@router.post("/api-keys", status_code=201, summary="Create an API key (shown once)")
def create_key(
    platform: PlatformPath, body: ApiKeyIn, state: StateDep, caller: AdminCaller
) -> dict[str, Any]:
    key = create_api_key(
        state.programme.db,
        platform,
        Role(body.role),
        actor=caller.name,
        now=state.programme.clock(),
        label=body.label,
        name_budget=body.name_budget_per_hour,
    )
    return {
        "key": key,
        "key_id": key.split(".")[0],
        "role": body.role,
        "note": "store it now: it is never shown again",
    }


@router.get("/api-keys", summary="The platform's keys (never the secrets)")
def keys(platform: PlatformPath, state: StateDep, caller: AdminCaller) -> list[dict[str, Any]]:
    return list_api_keys(state.programme.db, platform)


@router.delete("/api-keys/{key_id}", summary="Revoke a key")
def revoke(
    platform: PlatformPath, key_id: str, state: StateDep, caller: AdminCaller
) -> dict[str, Any]:
    if not revoke_api_key(
        state.programme.db, platform, key_id, actor=caller.name, now=state.programme.clock()
    ):
        raise Problem(404, "Not found", f"no active key {key_id} for this platform")
    state.keys.clear()  # revoked through this process: effective at once here
    return {"key_id": key_id, "revoked": True}


@router.post(
    "/creator-token-key",
    status_code=201,
    summary="Register a new key to sign creator tokens with (shown once)",
)
def creator_key(platform: PlatformPath, state: StateDep, caller: AdminCaller) -> dict[str, Any]:
    secret = register_creator_key(
        state.programme.db, platform, actor=caller.name, now=state.programme.clock()
    )
    return {
        "secret": secret,
        "algorithm": "HS256",
        "audience": f"byline:{platform}",
        "note": "sign tokens with sub=<account id>, exp at most one hour after iat",
    }
