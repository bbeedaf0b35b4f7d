"""The FastAPI application: routes, errors as problem+json, request ids, JSON logs, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from byline.api import _problems
from byline.api._bodylimit import BodyLimit
from byline.api._context import RequestContext
from byline.api._ratelimit import MAX_NAMES_HELD, MemoryLimiter, RateLimiter, RedisLimiter
from byline.api._settings import ApiSettings
from byline.api._state import AppState, Metrics
from byline.api.routes import admin, creator, displays, labels, log, ops, platform, reviewer
from byline.service import Services

DESCRIPTION = """
Byline's API for a platform running a real-name disclosure programme.

* **Label** — `POST /v1/platforms/{platform}/labels`: the names to show on up to 100 profiles,
  for one viewer, by the policy's viewer rules. No search by name exists anywhere.
* **Creator** — `/me`: the account holder, with a short-lived token the platform signs.
* **Reviewer** — the queue, decisions, appeals; reading a name or display records is audited.
* **Platform** — counts, enforcement signals, webhooks, cycles, policies (shadow, activation).
* **Admin** — API keys and the creator-token key.

Authenticate with `Authorization: Bearer <API key>` (roles `label`, `platform`, `reviewer`,
`admin`; each key belongs to one platform) or `Bearer <creator token>`. Errors are
`application/problem+json`.
"""


def create_api(
    services: Services, settings: ApiSettings, limiter: RateLimiter | None = None
) -> FastAPI:
    """The API's routes over ``services`` (the composition root builds both and mounts the
    console beside them: ``byline.web.create_app``)."""
    held = settings.names_held_max or MAX_NAMES_HELD
    if limiter is None and settings.redis_url:
        limiter = RedisLimiter(settings.redis_url, workers=settings.workers, max_names_held=held)
    limiter = limiter or MemoryLimiter(workers=settings.workers, max_names_held=held)
    app = _Api(
        lifespan=_background_writers(services, settings),
        title="Byline",
        version="1",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": t}
            for t in ("label", "creator", "reviewer", "platform", "admin", "log", "operations")
        ],
        # FastAPI's own OpenTelemetry hooks stay off: Byline observes itself (Prometheus, JSON
        # lines), and their logs would record validation failures with the input, which can be
        # a name. Off, they also cost nothing per request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.byline = AppState(services, limiter, settings, Metrics())
    if isinstance(limiter, RedisLimiter):
        limiter.on_fallback = app.state.byline.metrics.limited_in_memory.inc
    _problems.install(app)
    for module in (labels, creator, reviewer, displays, platform, admin, log, ops):
        app.include_router(module.router)
    if settings.label_fast_path:  # well-formed label lookups are answered first
        # counted and logged as the request context counts and logs every other request
        app.serve_first = labels.install(app, RequestContext(app, settings))
    app.add_middleware(RequestContext, settings=settings)
    app.max_body_bytes = settings.max_body_bytes
    return app


def _background_writers(
    services: Services, settings: ApiSettings
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the server runs, what this worker counts is written in the background: the name
    displays every ``display_flush_s`` seconds (old display records purged hourly; with 0, no
    thread) and the label lookup tallies every few seconds. At shutdown both write what is left.
    Every way of serving the API (``byline serve``, the demo, ``byline.web.app``) starts and
    stops them here."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        every = settings.display_flush_s
        flusher = services.displays.start(every) if every else None
        services.lookups.start()
        try:
            yield
        finally:
            try:
                if flusher is not None:
                    flusher.stop()
                else:
                    services.displays.flush_logged()
            finally:
                services.lookups.close_logged()

    return lifespan


_TAGS = ("label", "creator", "reviewer", "platform", "admin", "log", "operations")


class _Api(FastAPI):
    """FastAPI, with an optional layer in front of all of it (``serve_first``: given FastAPI's
    own entry, it answers what it can and hands the rest on to it)."""

    serve_first: Callable[[ASGIApp], ASGIApp] | None = None
    max_body_bytes: int = 1 << 20
    _entry: ASGIApp | None = None

    def build_middleware_stack(self) -> ASGIApp:
        return BodyLimit(super().build_middleware_stack(), self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self._entry
        if entry is None:
            entry = self._entry = (
                super().__call__ if self.serve_first is None else self.serve_first(super().__call__)
            )
        await entry(scope, receive, send)
