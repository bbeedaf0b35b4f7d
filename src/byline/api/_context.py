"""What every HTTP request gets: a request id, request metrics and one JSON log line."""

from __future__ import annotations

import itertools
import logging
import os
import time
from json.encoder import encode_basestring_ascii as _json_text
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byline.api._logs import line_writer
from byline.api._settings import ApiSettings
from byline.api._state import Metrics

log = logging.getLogger("byline.api")


class _RequestIds:
    """Request ids unique without a system call each: a random prefix per process (drawn again
    in a forked child) and a counter."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self.prefix, self.numbers = os.urandom(8).hex(), itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.numbers):016x}"


_new_request_id = _RequestIds()


class WithRequestId:
    """``send`` with the request id added to the response's headers; ``status`` is the
    response's (500 until it starts)."""

    __slots__ = ("encoded_id", "send", "status")

    def __init__(self, send: Send, request_id: str) -> None:
        self.send, self.encoded_id, self.status = send, request_id.encode("latin-1"), 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message = {
                **message,
                "headers": [*message.get("headers", ()), (b"x-request-id", self.encoded_id)],
            }
        await self.send(message)


class RequestContext:
    """Request ids, request metrics and one JSON log line per request, as plain ASGI middleware
    (Starlette's BaseHTTPMiddleware costs a task and a stream per request on the hot path).

    ``begin`` and ``end`` are the two halves, for a layer that answers requests itself (the
    label fast path) and sends the ``x-request-id`` header on its own."""

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings
        # The metric cells of each (route, method, status), looked up once each, with what
        # the log line says of them (JSON-escaped once).
        self._series: dict[tuple[str, str, int], tuple[Metrics, Any, Any, str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, started = self.begin(scope)
        sending = WithRequestId(send, request_id)
        try:
            await self.app(scope, receive, sending)
        finally:
            self.end(scope, request_id, sending.status, started)

    @staticmethod
    def begin(scope: Scope) -> tuple[str, float]:
        """The request's id (the client's ``x-request-id``, else a new one), kept in the
        scope's state, and when it began."""
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value
                break
        return RequestContext.begin_with(scope, given)

    @staticmethod
    def begin_with(scope: Scope, given: bytes | None) -> tuple[str, float]:
        """``begin``, with the client's ``x-request-id`` header (``given``) already found."""
        request_id = given.decode("latin-1")[:64] if given else ""
        request_id = request_id or _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        return request_id, time.perf_counter()

    def end(self, scope: Scope, request_id: str, status: int, started: float) -> None:
        """Count the request in the metrics (by route template) and write its log line."""
        route = scope.get("route")
        path = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        series = self._series.get((path, scope["method"], status))
        metrics, counted, timed, logged = series or self._metrics(scope, path, status)
        metrics.count_request(counted, timed, elapsed)
        if self.settings.log_requests and log.isEnabledFor(logging.INFO):
            # Route templates only: never a path with an account id, never a body. Written by
            # hand (every text JSON-escaped): json.dumps of a dict costs more than the lookup.
            line = (
                f'{{"event":"request","request_id":{_json_text(request_id)},{logged}'
                f'"ms":{elapsed * 1000:.2f}}}'
            )
            write = line_writer(log)
            if write is not None:
                write(line)
            else:  # as log.info(line), without looking up the caller's frame
                log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, line, (), None))

    def _metrics(self, scope: Scope, path: str, status: int) -> tuple[Metrics, Any, Any, str]:
        key = (path, scope["method"], status)
        series = self._series.get(key)
        if series is None:
            metrics: Metrics = scope["app"].state.byline.metrics
            series = (
                metrics,
                metrics.requests.series(path, key[1], str(status)),
                metrics.latency.series(path, key[1]),
                f'"method":{_json_text(key[1])},"route":{_json_text(path)},"status":{status},',
            )
            if len(self._series) < 10_000:  # methods are the client's choice: stay bounded
                self._series[key] = series
        return series
