"""Administration of a platform: API keys and the creator-token key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from byline.api._deps import AccessDep, AdminActor, AdminCaller, PlatformPath, StateDep
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import ApiKeyIn
from byline.service import Role

router = APIRouter(prefix="/v1/platforms/{platform}", tags=["admin"], responses=PROBLEM_RESPONSES)


@router.post("/api-keys", status_code=201, summary="Create an API key (shown once)")
def create_key(
    platform: PlatformPath, body: ApiKeyIn, access: AccessDep, actor: AdminActor
) -> dict[str, Any]:
    key = access.create_api_key(
        platform,
        Role(body.role),
        actor=actor.name,
        label=body.label,
        name_budget=body.name_budget_per_hour,
        request_id=actor.request_id,
    )
    return {
        "key": key,
        "key_id": key.split(".")[0],
        "role": body.role,
        "note": "store it now: it is never shown again",
    }


@router.get("/api-keys", summary="The platform's keys (never the secrets)")
def keys(platform: PlatformPath, access: AccessDep, caller: AdminCaller) -> list[dict[str, Any]]:
    return [key.as_dict() for key in access.api_keys(platform)]


@router.delete("/api-keys/{key_id}", summary="Revoke a key")
def revoke(
    platform: PlatformPath, key_id: str, access: AccessDep, state: StateDep, actor: AdminActor
) -> dict[str, Any]:
    access.revoke_api_key(platform, key_id, actor=actor.name, request_id=actor.request_id)
    state.keys.clear()  # revoked through this process: effective at once here
    return {"key_id": key_id, "revoked": True}


@router.post(
    "/creator-token-key",
    status_code=201,
    summary="Register a new key to sign creator tokens with (shown once)",
)
def creator_key(platform: PlatformPath, access: AccessDep, actor: AdminActor) -> dict[str, Any]:
    secret = access.register_creator_key(platform, actor=actor.name, request_id=actor.request_id)
    return {
        "secret": secret,
        "algorithm": "HS256",
        "audience": f"byline:{platform}",
        "note": "sign tokens with sub=<account id>, exp at most one hour after iat",
    }
