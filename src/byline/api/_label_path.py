"""The label path: what every label request does once it is admitted (``answer``), and
``LabelsFirst``, which serves the common request before FastAPI's stack.

Label lookups are the hottest requests by far. ``LabelsFirst``, in front of FastAPI's own entry,
answers a well-formed lookup — a JSON body of a declared length within the API's limit that
validates, a valid platform — with the same checks in the same order as the documented route
(bearer key, tenant and role, key limit, viewer limit, name budgets), without FastAPI's
middleware, routing, dependency injection or a second validation of the response, and with the
same bytes. Anything else (invalid JSON or fields, another content type, a malformed platform, a
body without a declared length or over the limit) goes on to the documented route
(``routes/labels.py``) untouched, so its errors stay exactly as documented.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byline.api._context import RequestContext, WithRequestId
from byline.api._deps import (
    LABEL_ROLES,
    PLATFORM_PATTERN,
    admit_key,
    bearer_token,
    limit_label,
    spend_names,
)
from byline.api._schemas import ACCOUNT_ID_PATTERN, LabelsIn, LabelsOut
from byline.api._state import AppState
from byline.domain.labels import Viewer
from byline.domain.vocabulary import ViewerCondition
from byline.service import Label, Principal


class Asked(NamedTuple):
    """A label lookup as validated: ``LabelsIn``'s fields, flat."""

    viewer_id: str
    logged_in: bool
    identity_verified: bool
    flags: tuple[str, ...]
    account_ids: list[str]

    @classmethod
    def of(cls, body: LabelsIn) -> Asked:
        seen = body.viewer
        flags = tuple(seen.flags)
        return cls(seen.id, seen.logged_in, seen.identity_verified, flags, body.account_ids)


def answer(
    state: AppState, caller: Principal, platform: str, asked: Asked
) -> dict[str, Label | None]:
    """The labels for an admitted caller: the key's and the viewer's rate limits, the lookup,
    the names it would show counted against the key's and the viewer's budgets, the names
    shown counted as displays, its metrics."""
    limit_label(state, caller, platform, asked.viewer_id)
    kind = (asked.logged_in, asked.identity_verified, *asked.flags)
    viewer = _viewers.get(kind)
    if viewer is None:
        viewer = Viewer.of(asked.logged_in, asked.identity_verified, asked.flags)
        if len(_viewers) < 1024:  # a few dozen kinds of viewer exist; the bound is for safety
            _viewers[kind] = viewer
    result = state.services.labels.lookup(platform, viewer, asked.account_ids, state.labels)
    if result.shown:
        names = [a for a, label in result.labels.items() if label is not None]
        spend_names(state, caller, platform, asked.viewer_id, names)
        # counted in memory (written in batches by a background thread): the creator's view,
        # the harvesting signals, the display records
        state.services.displays.record(
            platform, caller.key_id or "", asked.viewer_id, viewer, names
        )
    metrics, kept = state.metrics, state.services.lookups  # kept: the day's tallies, flushed
    if result.hidden_by:
        metrics.count_lookups("hidden", len(asked.account_ids), result.hidden_by[0])
        kept.count(platform, "hidden", len(asked.account_ids), result.hidden_by[0])
    else:
        if result.shown:
            metrics.count_lookups("shown", result.shown)
            kept.count(platform, "shown", result.shown)
        if len(result.labels) > result.shown:
            metrics.count_lookups("none", len(result.labels) - result.shown)
            kept.count(platform, "none", len(result.labels) - result.shown)
    return result.labels


_viewers: dict[tuple[object, ...], Viewer] = {}  # the viewer of each (logged in, verified, flags)


_platform = re.compile(PLATFORM_PATTERN.removeprefix("^").removesuffix("$")).fullmatch
_lookup_path = re.compile(r"/v1/platforms/([^/]+)/labels").fullmatch
_JSON_HEADERS = [(b"content-type", b"application/json")]


_text = json.encoder.encode_basestring  # a JSON string, non-ASCII kept, as the route writes it
_LABEL_FIELDS = ("name", "kind", "since")


def _render(labels: dict[str, Label | None]) -> bytes:
    """``{"labels": labels}`` exactly as the documented route writes it, built directly (the
    answer is a flat map of texts); any other shape is rendered by the response model."""
    parts = []
    for account_id, label in labels.items():
        if label is None:
            parts.append(f"{_text(account_id)}:null")
        elif tuple(label) == _LABEL_FIELDS:
            name, kind, since = label["name"], label["kind"], label["since"]
            parts.append(
                f'{_text(account_id)}:{{"name":{_text(name)},"kind":{_text(kind)},'
                f'"since":{_text(since)}}}'
            )
        else:  # as the documented route renders its response model
            return LabelsOut.model_validate({"labels": labels}).model_dump_json().encode()
    return ('{"labels":{' + ",".join(parts) + "}}").encode()


class LabelsFirst:
    """The outermost layer of the app: a well-formed label lookup (a JSON body that
    validates, a valid platform) is answered here, inside the same request context (id,
    metrics, log line) but without FastAPI's middleware, routing and dependency injection,
    with the same checks in the same order and the same bytes as the documented route.
    Everything else goes on to the app untouched, with the body replayed if it was read; an
    error on the fast path is answered by the app's own exception handlers."""

    def __init__(
        self, app: ASGIApp, fastapi: FastAPI, route: APIRoute, context: RequestContext
    ) -> None:
        self.app, self.fastapi = app, fastapi
        self.state: AppState = fastapi.state.byline  # made with the app, never replaced
        # A body the fast path reads: its length declared, within the API's limit (any other
        # goes through the limit's own layer, which counts or refuses it).
        self.max_body_bytes = self.state.settings.max_body_bytes
        # The documented route, whose template request metrics and logs name.
        self.route = route
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (
            _lookup_path(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if found is None:
            await self.app(scope, receive, send)
            return
        content_type = authorization = request_id = length = None
        for name, value in scope["headers"]:  # once, for all that the fast path reads
            if name == b"content-type":
                content_type = content_type or value
            elif name == b"authorization":
                authorization = authorization or value
            elif name == b"content-length":
                length = value
            elif name == b"x-request-id" and request_id is None:
                request_id = value
        if length is None or not length.isdigit() or int(length) > self.max_body_bytes:
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        lookup = _parse(found.group(1), body, content_type) if complete else None
        if lookup is None:  # the documented route answers (a disconnect too, as it does)
            await self.app(scope, _replay(body, complete, receive), send)
            return
        # as FastAPI's own entry sets them, for the error handlers
        scope["app"] = self.fastapi
        if self.fastapi.root_path:
            scope["root_path"] = self.fastapi.root_path
        scope["path_params"] = {"platform": found.group(1)}
        scope["route"] = self.route
        request_id, started = self.context.begin_with(scope, request_id)
        status = 500
        try:
            try:
                content = self._answer(found.group(1), lookup, authorization)
            except Exception as exc:
                sending = WithRequestId(send, request_id)
                try:
                    await self._failed(scope, receive, sending, exc)
                finally:
                    status = sending.status
                return
            status = 200
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        *_JSON_HEADERS,
                        (b"content-length", str(len(content)).encode()),
                        (b"x-request-id", request_id.encode("latin-1")),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": content})
        finally:
            self.context.end(scope, request_id, status, started)

    def _answer(self, platform: str, parsed: Asked, authorization: bytes | None) -> bytes:
        state = self.state
        presented = bearer_token(None if authorization is None else authorization.decode("latin-1"))
        caller = admit_key(state, platform, presented, LABEL_ROLES, limited=False)
        return _render(answer(state, caller, platform, parsed))

    async def _failed(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        """Answer as the app's handlers answer ``exc``; an unexpected one is answered as the
        app answers a bug, then raised for the server to log, as the app's own stack does."""
        handlers = self.fastapi.exception_handlers
        kind = next(k for k in type(exc).__mro__ if k in handlers or k is Exception)
        handler = handlers.get(kind) or handlers.get(500)
        if handler is None:
            raise exc
        response = handler(Request(scope, receive), exc)
        if inspect.isawaitable(response):
            response = await response
        await response(scope, receive, send)
        if kind is Exception:
            raise exc


def install(app: FastAPI, route: APIRoute, context: RequestContext) -> Callable[[ASGIApp], ASGIApp]:
    """What wraps ``app``'s middleware stack so well-formed label lookups are served first, as
    the documented ``route`` would answer them, counted and logged by ``context``."""
    return lambda stack: LabelsFirst(stack, app, route, context)


def _parse(platform: str, body: bytes, content_type: bytes | None) -> Asked | None:
    """The lookup, if well-formed (a valid platform, a JSON body that validates); else None."""
    if content_type is None or not _platform(platform) or not _is_json(content_type):
        return None
    asked = _plain(body)
    if asked is None:  # not in the plain shape: as the documented route validates it
        try:
            asked = Asked.of(LabelsIn.model_validate_json(body))
        except ValidationError:
            return None  # the documented route names the fields
    return asked


_VIEWER_FIELDS = frozenset(("id", "logged_in", "identity_verified", "flags"))
_CONDITIONS = frozenset(ViewerCondition)
_account_id = re.compile(ACCOUNT_ID_PATTERN.removeprefix("^").removesuffix("$")).fullmatch


def _plain(body: bytes) -> Asked | None:
    """The lookup, when ``body`` is in the plain shape nearly every client sends: exactly the
    fields of ``LabelsIn`` with JSON true/false, text and lists, within every limit of
    ``LabelsIn``; otherwise None (pydantic then decides, with its own leniency). Four times
    cheaper than pydantic on the hottest request; ``tests/unit/api/test_label_plain.py`` holds
    it to ``LabelsIn`` on generated bodies."""
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict or len(data) != 2:
        return None
    seen, account_ids = data.get("viewer"), data.get("account_ids")
    if type(seen) is not dict or type(account_ids) is not list or not seen.keys() <= _VIEWER_FIELDS:
        return None
    viewer_id, logged_in = seen.get("id"), seen.get("logged_in")
    verified, flags = seen.get("identity_verified"), seen.get("flags", [])
    if (
        type(viewer_id) is not str
        or not 0 < len(viewer_id) <= 200
        or type(logged_in) is not bool
        or type(verified) is not bool
        or type(flags) is not list
        or len(flags) > 6
        or not 0 < len(account_ids) <= 100
    ):
        return None
    for flag in flags:
        if type(flag) is not str or flag not in _CONDITIONS:
            return None
    for account_id in account_ids:
        if type(account_id) is not str or len(account_id) > 200 or not _account_id(account_id):
            return None
    return Asked(viewer_id, logged_in, verified, tuple(flags), account_ids)


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """``receive`` as if the body had not been read: the body, then (if the client left
    before its end) the disconnect, then whatever ``receive`` says."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": not complete}]
    if not complete:
        pending.append({"type": "http.disconnect"})

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The body, and whether all of it came (False: the client left before its end)."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        return message.get("body", b""), True  # all in one message, as it nearly always is
    chunks: list[bytes] = []
    while True:
        if message["type"] == "http.disconnect":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True
        message = await receive()


def _is_json(content_type: bytes) -> bool:
    """``application/json`` (with parameters or not): FastAPI reads such a body as JSON."""
    return (
        content_type == b"application/json"
        or content_type.split(b";", 1)[0].strip().lower() == b"application/json"
    )


__all__ = ["Asked", "LabelsFirst", "answer", "install"]
