"""Errors as ``application/problem+json``: a clear title and detail, the field for validation
errors, never a stack trace or personal data."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from byline.service import errors

PROBLEM = "application/problem+json"
DATABASE_RETRY_AFTER_S = 2


class ProblemOut(BaseModel):
    """An error (RFC 9457): what went wrong, in words; ``errors`` names invalid fields."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "body.viewer.flags.0: Input should be 'logged_out', 'unverified',"
                    " 'abnormal', 'sanctioned', 'banned' or 'risky'; body.account_ids: List"
                    " should have at least 1 item after validation, not 0",
                    "instance": "/v1/platforms/weibo/labels",
                    "errors": [
                        {
                            "field": "body.viewer.flags.0",
                            "message": "Input should be 'logged_out', 'unverified', 'abnormal',"
                            " 'sanctioned', 'banned' or 'risky'",
                        },
                        {
                            "field": "body.account_ids",
                            "message": "List should have at least 1 item after validation, not 0",
                        },
                    ],
                },
                {
                    "type": "about:blank",
                    "title": "Authentication required",
                    "status": 401,
                    "detail": "unknown or revoked API key",
                    "instance": "/v1/platforms/weibo/labels",
                },
            ]
        },
    )
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def _problem_doc(description: str) -> dict[str, Any]:
    return {
        "model": ProblemOut,
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
    }


# The errors every authenticated route may answer, documented once for the OpenAPI contract.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_doc("The body is not valid JSON"),
    401: _problem_doc("No, unknown, revoked or expired credentials"),
    403: _problem_doc("The credentials do not allow this route or this platform"),
    404: _problem_doc("No such case, policy or key"),
    409: _problem_doc("The action is not allowed in the case's state"),
    422: _problem_doc("The request is invalid; the fields are named"),
    429: _problem_doc("Too many requests; see Retry-After"),
    503: _problem_doc("The database cannot be reached for a moment; see Retry-After"),
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.headers, self.extra = headers or {}, extra


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    instance: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def too_large(exc: Exception, instance: str) -> JSONResponse:
    """413 for a body over the limit; the connection closes, the rest of the body unread."""
    return problem_response(
        413, "Request body too large", str(exc), instance, {"Connection": "close"}
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, request.url.path, exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return problem_response(422, "Invalid request", detail, request.url.path, errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code, str(exc.detail), "", request.url.path, dict(exc.headers or {})
        )

    def handler(status: int, title: str) -> Any:
        async def _handle(request: Request, exc: Exception) -> JSONResponse:
            # a coded refusal carries its code, the same from every door
            code = getattr(exc, "code", "")
            extra = {"code": code} if isinstance(code, str) and code else {}
            return problem_response(status, title, str(exc), request.url.path, None, **extra)

        return _handle

    for kinds, status, title in (
        (errors.NotFoundError, 404, "Not found"),
        (errors.ConflictError, 409, "Not allowed in the case's state"),
        (errors.InvalidInputError, 422, "Invalid input"),
    ):
        for kind in kinds:
            app.add_exception_handler(kind, handler(status, title))

    from byline.api._bodylimit import BodyTooLarge

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        # A body that passed the limit while a route read it (see _bodylimit).
        return too_large(exc, request.url.path)

    @app.exception_handler(errors.DatabaseError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not errors.database_unreachable(exc):
            return await _bug(request, exc)
        # The database restarting or out of reach: a moment's unavailability, not a bug. The
        # pool drops the dead connections, so the next request after it is back succeeds.
        return problem_response(
            503,
            "Service unavailable",
            "the database cannot be reached; try again shortly",
            request.url.path,
            {"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Never the exception text: it could carry data. The request id finds the log line.
        return problem_response(
            500,
            "Internal error",
            "see the server log for this request",
            request.url.path,
            request_id=getattr(request.state, "request_id", ""),
        )
