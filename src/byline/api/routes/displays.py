"""Display records, read by staff for an abuse report: a reason named, the read audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from byline.api._deps import DisplaysDep, PlatformPath, ReviewerActor
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import DisplaysReadIn

router = APIRouter(
    prefix="/v1/platforms/{platform}/displays", tags=["reviewer"], responses=PROBLEM_RESPONSES
)

_FILTERS = ("viewer_id", "account_id", "key_id")


@router.post("/read", summary="Display records of a viewer, an account or a key (audited)")
def read(
    platform: PlatformPath,
    body: DisplaysReadIn,
    displays: DisplaysDep,
    actor: ReviewerActor,
) -> dict[str, Any]:
    """Who was shown which names, when, asked by which key (never a name), newest first: the
    records of every filter given. The read is audited (``displays:read``: the reason, the
    filters, how many records, the request id) in the same transaction."""
    if all(getattr(body, field) is None for field in _FILTERS):  # named, as a field would be
        missing = "name a viewer_id, an account_id or a key_id"
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body", f), "msg": missing} for f in _FILTERS]
        )
    found = displays.read(
        platform,
        reason=body.reason,
        actor=actor,
        viewer_id=body.viewer_id,
        account_id=body.account_id,
        key_id=body.key_id,
        limit=body.limit,
    )
    return {"records": [record.as_dict() for record in found]}
