"""Where the dispatcher sends a webhook: a small interface and its real default over HTTP."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

import httpx

DEFAULT_TIMEOUT_S = 10.0


class DeliveryError(Exception):
    """The request did not get an answer (refused, timed out, reset, bad URL)."""


class WebhookSink(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` to ``url``; return the HTTP status, or raise ``DeliveryError``."""
        ...


class HttpSink:
    """Sends webhooks with httpx: no redirects followed, a timeout on every phase."""

    def __init__(
        self, *, timeout_s: float = DEFAULT_TIMEOUT_S, client: httpx.Client | None = None
    ) -> None:
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=False)

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            response = self._client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return response.status_code

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
