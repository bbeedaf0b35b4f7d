"""The largest request body the API reads (``BYLINE_MAX_BODY_BYTES``, 1 MiB): anything larger
is refused with 413 before it is read whole, on every route, the label fast path included.

A declared ``Content-Length`` over the limit is refused before any of the body is read; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the limit."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        # An HTTPException: FastAPI passes it on as it is when reading the body raises it.
        super().__init__(413, "Request body too large")
        self.limit = limit

    def __str__(self) -> str:
        return f"the request body is larger than {self.limit} bytes, the most this API reads"


class BodyLimit:
    """The app's outermost layer: a body over ``limit`` bytes is answered 413 problem."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break  # the server refuses a malformed length itself; counted below
                if declared > self.limit:
                    await self._refuse(scope, receive, send)
                    return
                # The server reads no more than the declared length: nothing left to count.
                await self.app(scope, receive, send)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from byline.api._problems import too_large

        await too_large(BodyTooLarge(self.limit), scope.get("path", ""))(scope, receive, send)
