"""The label, for the platform's back end rendering profiles: batch lookups with the viewer.

The hottest route by far. It is declared (and documented in OpenAPI) as a FastAPI route below,
and that route serves every request the fast path does not: ``install`` puts in front of it a
plain ASGI route for the common request — a JSON body that validates, a valid platform — which
does the same checks in the same order (bearer key, tenant and role, key limit, viewer limit)
without dependency injection or a second validation of the response, and answers the same
bytes. Anything else (invalid JSON or fields, another content type, a malformed platform) goes
to the FastAPI route untouched, so its errors stay exactly as documented.
"""

from __future__ import annotations

import contextlib
import json
import re

from fastapi import APIRouter, FastAPI
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byline.api._deps import (
    LABEL_ROLES,
    PLATFORM_PATTERN,
    LabelCaller,
    PlatformPath,
    StateDep,
    admit_key,
    bearer_token,
    limit_viewer,
)
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import LabelsIn, LabelsOut
from byline.api._state import AppState
from byline.domain.labels import Viewer
from byline.service.labels import Label, lookup_labels

PATH = "/v1/platforms/{platform}/labels"

router = APIRouter(tags=["label"], responses=PROBLEM_RESPONSES)


@router.post(
    PATH,
    response_model=LabelsOut,
    summary="Labels of up to 100 accounts, as this viewer may see them",
)
async def labels(
    platform: PlatformPath, body: LabelsIn, state: StateDep, caller: LabelCaller
) -> LabelsOut:
    """A disclosed account's label is its verified name, shown only to viewers the policy
    allows. An account that is not disclosed and an unknown account get the same answer:
    null.

    Each server process may answer from memory for a short time (`BYLINE_LABEL_CACHE_SECONDS`,
    1 s by default): a label that comes down, a name erased or a policy activated through this
    process applies at once; a change made by another process (another worker, a cycle run
    from the command line) appears within that time."""
    # Async on purpose: the lookup is a few indexed reads (or none), cheaper inline on the event
    # loop than a hop to the thread pool.
    return LabelsOut.model_validate({"labels": answer(state, platform, body)})


def answer(state: AppState, platform: str, body: LabelsIn) -> dict[str, Label | None]:
    """The labels for an admitted caller: the viewer's rate limit, the lookup, its metrics."""
    limit_viewer(state, platform, body.viewer.id)
    viewer = Viewer.of(body.viewer.logged_in, body.viewer.identity_verified, body.viewer.flags)
    result = lookup_labels(state.programme, platform, viewer, body.account_ids, state.labels)
    metrics = state.metrics
    if result.hidden_by:
        metrics.label_lookups("hidden", result.hidden_by[0]).inc(len(body.account_ids))
    else:
        metrics.label_lookups("shown").inc(result.shown)
        metrics.label_lookups("none").inc(len(result.labels) - result.shown)
    return result.labels


_platform = re.compile(PLATFORM_PATTERN.removeprefix("^").removesuffix("$")).fullmatch
_FALLBACK = "byline.labels.fallback"  # scope key: let the FastAPI route serve this request
_JSON_HEADERS = [(b"content-type", b"application/json")]
# As Starlette's JSONResponse renders (FastAPI's default), with one encoder for every request.
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


class FastLabels(Route):
    """``POST`` on the label path for a well-formed request; everything else goes on to the
    documented FastAPI route (``app.router`` is asked again, with this route stepping aside)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(
            PATH, self.serve, methods=["POST"], name="labels_fast_path", include_in_schema=False
        )
        self.app: ASGIApp = self.serve  # ASGI, not request -> response
        self.fastapi = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "POST" or _FALLBACK in scope:
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is Match.FULL:
            child["route"] = self  # the template, for request metrics and logs
        return match, child

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        content_type = authorization = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = content_type or value
            elif name == b"authorization":
                authorization = authorization or value
        platform: str = scope["path_params"]["platform"]
        parsed = None
        if content_type is not None and _platform(platform) and _is_json(content_type):
            with contextlib.suppress(ValidationError):  # the FastAPI route names the fields
                parsed = LabelsIn.model_validate_json(body)
        if parsed is None:
            await self._fall_back(scope, body, receive, send)
            return
        state: AppState = self.fastapi.state.byline
        presented = bearer_token(None if authorization is None else authorization.decode("latin-1"))
        admit_key(state, platform, presented, LABEL_ROLES)
        labels = answer(state, platform, parsed)
        content = _encode({"labels": labels}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})

    async def _fall_back(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        scope[_FALLBACK] = True
        await self.fastapi.router(scope, replay, send)


def install(app: FastAPI) -> None:
    """Serve well-formed label lookups on the fast path (after ``app.include_router(router)``)."""
    app.router.routes.insert(0, FastLabels(app))


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _is_json(content_type: bytes) -> bool:
    """``application/json`` (with parameters or not): FastAPI reads such a body as JSON."""
    return content_type.split(b";", 1)[0].strip().lower() == b"application/json"


__all__ = ["PATH", "FastLabels", "answer", "install", "router"]
