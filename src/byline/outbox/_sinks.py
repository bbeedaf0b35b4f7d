"""Where the dispatcher sends a webhook: a small interface and its real default over HTTP."""

from __future__ import annotations

import threading
import typing
from types import TracebackType
from typing import Protocol

import httpcore
import httpx

from byline.outbox._errors import DeliveryError

DEFAULT_TIMEOUT_S = 10.0


class WebhookSink(Protocol):
    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        """POST ``body`` to ``url``, connecting to ``address`` (the IP address the dispatcher
        checked for the URL's host) and not to whatever the host resolves to now; return the
        HTTP status, or raise ``DeliveryError``."""
        ...


class _PinnedBackend(httpcore.SyncBackend):
    """Opens each connection to the address the current ``send`` was given: the host's name
    stays in the request (``Host``, TLS server name and certificate check), only the TCP
    connection goes to the checked address. Without one it connects nowhere."""

    def __init__(self) -> None:
        self._current = threading.local()

    def pin(self, address: str | None) -> None:
        self._current.address = address

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        address = getattr(self._current, "address", None)
        if address is None:
            raise httpcore.ConnectError(f"no checked address to connect to for {host}")
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, backend: _PinnedBackend) -> None:
        super().__init__()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class HttpSink:
    """Sends webhooks with httpx: no redirects followed, a timeout on every phase, each
    connection opened to the checked address it is given (never through a proxy from the
    environment, which would resolve the host again)."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._backend = _PinnedBackend()
        self._client = httpx.Client(
            timeout=timeout_s,
            follow_redirects=False,
            trust_env=False,
            transport=_PinnedTransport(self._backend),
        )

    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        self._backend.pin(address)
        try:
            response = self._client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._backend.pin(None)
        return response.status_code

    def close(self) -> None:
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
