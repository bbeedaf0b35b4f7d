"""``WebhookReceiver``: a real webhook receiver on 127.0.0.1, for tests and demos.

It is what a careful platform would run: it checks every request's two signatures
(``Byline-Signature`` and the Standard Webhooks ``webhook-signature``) with the shared secret,
refuses stale or tampered ones, and remembers each ``Byline-Message-Id`` it has taken, so a
message delivered twice is recognised as a duplicate (and acknowledged again, so that the
sender stops). It can be switched down (answers 503 without looking), can lose acks (takes
a message, then answers 500, as if the response never reached the sender) and can be slow
(takes a message, then waits before answering, past a sender's timeout). Give it a ``port`` to
stop it and start it again at the same URL (an endpoint that is down: nothing listens).

Given a ``log`` file, it appends each request it takes (headers and body) as one JSON line.

    with WebhookReceiver(secret) as receiver:
        register_endpoint(conn, receiver.url, secret, ["notice"], at=now)
        ...
        assert receiver.payloads("notice") == [...]
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from byline.outbox._errors import SignatureError
from byline.outbox._signing import (
    DEFAULT_TOLERANCE_S,
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    WEBHOOK_ID_HEADER,
    verify_signature,
    verify_standard,
)

Clock = Callable[[], dt.datetime]


def _wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Received:
    """One accepted request: the message and whether this receiver had seen it before."""

    message_id: str
    topic: str
    message: dict[str, Any]  # the whole body: id, topic, created_at, account_id, case_id, payload
    headers: dict[str, str]
    seen: int  # 1 the first time this message id arrives, 2 the second, ...
    body: bytes = b""  # the request's body as sent (what the signatures cover)

    @property
    def duplicate(self) -> bool:
        return self.seen > 1

    @property
    def payload(self) -> Any:
        return self.message.get("payload")


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str


class WebhookReceiver:
    """A signature-checking HTTP server in a background thread; use it as a context manager.

    ``clock`` is the receiver's idea of now, for the signature's timestamp check: pass the
    simulated clock when the dispatcher runs on simulated time.
    """

    def __init__(
        self,
        secret: str | Sequence[str],
        *,
        clock: Clock | None = None,
        tolerance_s: float = DEFAULT_TOLERANCE_S,
        path: str = "/webhooks",
        port: int = 0,
        log: Path | None = None,
    ) -> None:
        # the secret (or secrets: one of them must sign each request) it shares with the sender
        self.secrets = (secret,) if isinstance(secret, str) else tuple(secret)
        self.secret = self.secrets[0]
        self.clock: Clock = clock or _wall_clock
        self.tolerance_s = tolerance_s
        self.path = path
        self.port = port
        # where each request taken is appended, as the platform would log it: one JSON line of
        # its headers and body (the body as sent, so a signature can be checked again later)
        self.log = log
        self._slow_s = 0.0
        self._slow_count = 0
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._rejected: list[Rejection] = []
        self._seen: Counter[str] = Counter()
        self._requests = 0
        self._down_status: int | None = None
        self._acks_to_lose = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        if self._server is not None:
            raise RuntimeError("the receiver is already running")
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items()}
                status, delay = receiver._handle(self.path, headers, body)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests read the receiver's records instead

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a sender that gave up waiting (a slow answer) is not an error here

        server = Server(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="byline-webhook-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("start the receiver first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    # -- behaviour -------------------------------------------------------------------------

    def down(self, status: int = 503) -> None:
        """Answer every request with ``status`` (taking nothing) until ``up()``."""
        with self._lock:
            self._down_status = status

    def up(self) -> None:
        with self._lock:
            self._down_status = None

    def slow(self, seconds: float, count: int = 1) -> None:
        """Take the next ``count`` messages, each answered (200) only after ``seconds``."""
        with self._lock:
            self._slow_s, self._slow_count = seconds, self._slow_count + count

    def lose_acks(self, count: int = 1) -> None:
        """Take the next ``count`` messages, then answer 500 as if the ack were lost."""
        with self._lock:
            self._acks_to_lose += count

    # -- what it saw -----------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Every accepted request, in arrival order, duplicates included."""
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[Received]:
        """Each message once: its first arrival."""
        return [r for r in self.received if not r.duplicate]

    @property
    def duplicates(self) -> list[Received]:
        return [r for r in self.received if r.duplicate]

    @property
    def rejected(self) -> list[Rejection]:
        """Requests refused for a bad signature, body or path (not those refused while down)."""
        with self._lock:
            return list(self._rejected)

    @property
    def requests(self) -> int:
        """Every request that reached the server, refused or not."""
        with self._lock:
            return self._requests

    def times_seen(self, message_id: str) -> int:
        with self._lock:
            return self._seen[message_id]

    def payloads(self, topic: str | None = None) -> list[Any]:
        """The payloads of the messages taken (each once), optionally of one topic."""
        return [r.payload for r in self.messages if topic is None or r.topic == topic]

    # -- one request -----------------------------------------------------------------------

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        """The status to answer, and how long to wait before answering."""
        with self._lock:
            self._requests += 1
            if self._down_status is not None:
                return self._down_status, 0.0
            status, reason, message = self._check(path, headers, body)
            if message is None:
                self._rejected.append(Rejection(status, reason))
                return status, 0.0
            message_id = str(message["id"])
            self._seen[message_id] += 1
            self._received.append(
                Received(
                    message_id=message_id,
                    topic=str(message.get("topic")),
                    message=message,
                    headers=headers,
                    seen=self._seen[message_id],
                    body=body,
                )
            )
            if self.log is not None:
                line = {"headers": headers, "body": body.decode()}
                with self.log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
            if self._acks_to_lose:
                self._acks_to_lose -= 1
                return 500, 0.0
            if self._slow_count:
                self._slow_count -= 1
                return 200, self._slow_s
            return 200, 0.0

    def _check(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, dict[str, Any] | None]:
        if path != self.path:
            return 404, f"no webhook at {path}", None
        lower = {k.lower(): v for k, v in headers.items()}
        if lower.get("content-type", "").split(";")[0].strip() != "application/json":
            return 415, "not application/json", None
        refusal = ""
        for secret in self.secrets:  # a platform mid-rotation holds both secrets
            try:
                byline_header = lower.get(SIGNATURE_HEADER.lower())
                verify_signature(secret, byline_header, body, self.clock(), self.tolerance_s)
                verify_standard(secret, headers, body, self.clock(), self.tolerance_s)
            except SignatureError as exc:
                refusal = refusal or str(exc)
                continue
            break
        else:
            return 401, refusal, None
        try:
            message = json.loads(body)
        except ValueError:
            return 400, "body is not JSON", None
        if not isinstance(message, dict) or "id" not in message:
            return 400, "body is not a Byline message", None
        # The headers are not signed; the body is. They must agree.
        if lower.get(MESSAGE_ID_HEADER.lower()) != message["id"]:
            return 400, f"{MESSAGE_ID_HEADER} does not match the signed body", None
        if lower.get(WEBHOOK_ID_HEADER) != message["id"]:
            return 400, f"{WEBHOOK_ID_HEADER} does not match the signed body", None
        if lower.get(TOPIC_HEADER.lower()) != message.get("topic"):
            return 400, f"{TOPIC_HEADER} does not match the signed body", None
        return 200, "", message
