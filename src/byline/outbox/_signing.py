"""Webhook signatures: ``Byline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``.

The timestamp is inside the signed text, so a captured request cannot be replayed outside the
tolerance window; verification compares in constant time and accepts any of several ``v1``
values (a sender rotating secrets may sign with both).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from byline.outbox._errors import SignatureError

SIGNATURE_HEADER = "Byline-Signature"
MESSAGE_ID_HEADER = "Byline-Message-Id"
TOPIC_HEADER = "Byline-Topic"
DEFAULT_TOLERANCE_S = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int | dt.datetime, body: bytes) -> str:
    """The ``Byline-Signature`` header value for ``body`` sent at ``timestamp``."""
    if isinstance(timestamp, dt.datetime):
        timestamp = int(timestamp.timestamp())
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    now: dt.datetime,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """Check a ``Byline-Signature`` header against ``body``; return its timestamp.

    Raises ``SignatureError`` when the header is missing or malformed, when no ``v1`` matches,
    or when the timestamp is more than ``tolerance_s`` seconds away from ``now``.
    """
    if not header:
        raise SignatureError("no signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("malformed signature timestamp") from None
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature")
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise SignatureError("stale signature timestamp")
    expected = _mac(secret, timestamp, body)
    # compare every candidate, so timing does not tell which one (if any) matched
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise SignatureError("signature does not match")
    return timestamp
