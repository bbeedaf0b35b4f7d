"""The public log of disclosures, for anyone (no API key): the signed checkpoint, the log's
verifier key, its entries and proofs. What a journalist or a regulator checks with
``byline log verify`` and the log's public key, without trusting the platform."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from byline.api._deps import PlatformPath, PublicLogDep
from byline.api._problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/log/{platform}", tags=["log"], responses=PROBLEM_RESPONSES)
_TEXT = "text/plain; charset=utf-8"


@router.get("/checkpoint", summary="The latest signed checkpoint", response_class=PlainTextResponse)
def checkpoint(platform: PlatformPath, log: PublicLogDep) -> PlainTextResponse:
    """A C2SP tlog checkpoint (origin, tree size, root hash) signed as a C2SP signed note."""
    return PlainTextResponse(log.checkpoint(platform), media_type=_TEXT)


@router.get("/key", summary="The log's verifier key", response_class=PlainTextResponse)
def key(platform: PlatformPath, log: PublicLogDep) -> PlainTextResponse:
    """The signed-note verifier key (``name+hash+base64``) that checkpoints verify against."""
    return PlainTextResponse(log.key(platform) + "\n", media_type=_TEXT)


@router.get("/entries", summary="Entries, each with its index (at most 1,000 a request)")
def entries(
    platform: PlatformPath,
    log: PublicLogDep,
    start: int = Query(ge=0),
    end: int = Query(ge=1),
) -> list[dict[str, Any]]:
    return [e.as_dict() for e in log.entries(platform, start, end)]


@router.get("/proof/inclusion", summary="The audit path of an entry in a tree size")
def inclusion(
    platform: PlatformPath,
    log: PublicLogDep,
    index: int = Query(ge=0),
    size: int = Query(ge=1),
) -> dict[str, Any]:
    return log.inclusion(platform, index, size).as_dict()


@router.get("/proof/consistency", summary="That a tree size is a prefix of a larger one")
def consistency(
    platform: PlatformPath,
    log: PublicLogDep,
    first: int = Query(ge=1),
    second: int = Query(ge=1),
) -> dict[str, Any]:
    return log.consistency(platform, first, second).as_dict()


@router.get(
    "/tile/{path:path}",
    summary="A tile of the log (C2SP tlog-tiles): entry bundles and hash tiles",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The tile"}},
)
def tile(platform: PlatformPath, path: str, log: PublicLogDep) -> Response:
    """``entries/<N>[.p/<W>]`` or ``<L>/<N>[.p/<W>]``; a whole tile never changes, so it may be
    cached for good."""
    content = log.tile(platform, f"tile/{path}")
    whole = ".p/" not in path
    headers = {"Cache-Control": "public, max-age=31536000, immutable"} if whole else {}
    return Response(content, media_type="application/octet-stream", headers=headers)
