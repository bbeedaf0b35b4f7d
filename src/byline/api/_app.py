"""The FastAPI application: routes, errors as problem+json, request ids, JSON logs, metrics."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from byline.api import _problems
from byline.api._ratelimit import MemoryLimiter, RateLimiter, RedisLimiter
from byline.api._settings import ApiSettings
from byline.api._state import AppState, Metrics
from byline.api.routes import admin, creator, labels, ops, platform, reviewer
from byline.service.programme import Programme
from byline.service.wiring import open_programme

log = logging.getLogger("byline.api")

DESCRIPTION = """
Byline's API for a platform running a real-name disclosure programme.

* **Label** — `POST /v1/platforms/{platform}/labels`: the names to show on up to 100 profiles,
  for one viewer, by the policy's viewer rules. No search by name exists anywhere.
* **Creator** — `/me`: the account holder, with a short-lived token the platform signs.
* **Reviewer** — the queue, decisions, appeals; reading a name is audited.
* **Platform** — counts, enforcement signals, webhooks, cycles, policies (shadow, activation).
* **Admin** — API keys and the creator-token key.

Authenticate with `Authorization: Bearer <API key>` (roles `label`, `platform`, `reviewer`,
`admin`; each key belongs to one platform) or `Bearer <creator token>`. Errors are
`application/problem+json`.
"""


def create_app(
    programme: Programme | None = None,
    settings: ApiSettings | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    settings = settings or ApiSettings.from_env()
    programme = programme or open_programme(settings.db_url)
    if limiter is None:
        limiter = RedisLimiter(settings.redis_url) if settings.redis_url else MemoryLimiter()
    app = FastAPI(
        title="Byline",
        version="1",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": t} for t in ("label", "creator", "reviewer", "platform", "admin", "operations")
        ],
    )
    app.state.byline = AppState(programme, limiter, settings, Metrics())
    _problems.install(app)
    for module in (labels, creator, reviewer, platform, admin, ops):
        app.include_router(module.router)
    _observe(app, settings)
    return app


def _observe(app: FastAPI, settings: ApiSettings) -> None:
    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        request.state.request_id = request_id[:64]
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            metrics: Metrics = app.state.byline.metrics
            metrics.requests.labels(path, request.method, str(status)).inc()
            metrics.latency.labels(path, request.method).observe(elapsed)
            if settings.log_requests:
                # Route templates only: never a path with an account id, never a body.
                log.info(
                    json.dumps(
                        {
                            "event": "request",
                            "request_id": request_id,
                            "method": request.method,
                            "route": path,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                        }
                    )
                )
        response.headers["X-Request-Id"] = request_id
        return response


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the ``byline`` loggers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("byline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
