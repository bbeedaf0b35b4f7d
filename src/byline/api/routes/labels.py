"""The label, for the platform's back end rendering profiles: batch lookups with the viewer.

The hottest route by far. It is declared (and documented in OpenAPI) as a FastAPI route here,
and it serves every request the fast path (``byline.api._label_path``) does not: that path
answers well-formed lookups before FastAPI's stack, with the same checks in the same order and
the same bytes; anything else (invalid JSON or fields, another content type, a malformed
platform) comes here untouched, so its errors stay exactly as documented.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from byline.api import _label_path
from byline.api._context import RequestContext
from byline.api._deps import LabelCaller, PlatformPath, StateDep
from byline.api._label_path import Asked, answer
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import LabelsIn, LabelsOut

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
    return LabelsOut.model_validate({"labels": answer(state, caller, platform, Asked.of(body))})


def install(app: FastAPI, context: RequestContext) -> Callable[[ASGIApp], ASGIApp]:
    """What wraps ``app``'s middleware stack so well-formed label lookups are served first
    (after ``app.include_router(router)``): see ``byline.api._label_path``."""
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == PATH)
    return _label_path.install(app, route, context)


__all__ = ["PATH", "install", "router"]
