"""Webhook signatures, two schemes over one key.

``Byline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (Byline's own), and the
Standard Webhooks headers (https://www.standardwebhooks.com): ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<t>.<body>">``,
so that any Standard Webhooks library verifies a delivery.

The key: a secret written ``whsec_<base64>`` is the standard's form, and its key is the decoded
bytes; any other secret's key is its UTF-8 bytes. While a secret rotates, a message is signed
with every active secret: one ``v1=`` per secret in ``Byline-Signature``, one ``v1,`` per secret
(space-separated) in ``webhook-signature``; a receiver holding either secret accepts it.

The timestamp is inside the signed text, so a captured request cannot be replayed outside the
tolerance window; verification compares in constant time.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

from byline.outbox._errors import SignatureError

SIGNATURE_HEADER = "Byline-Signature"
MESSAGE_ID_HEADER = "Byline-Message-Id"
TOPIC_HEADER = "Byline-Topic"
WEBHOOK_ID_HEADER = "webhook-id"
WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp"
WEBHOOK_SIGNATURE_HEADER = "webhook-signature"
STANDARD_PREFIX = "whsec_"
MIN_KEY_BYTES = 16
DEFAULT_TOLERANCE_S = 300


def signing_key(secret: str) -> bytes:
    """The HMAC key of ``secret``: a ``whsec_<base64>`` secret's decoded bytes (as the Standard
    Webhooks specification defines), any other secret's UTF-8 bytes. ``ValueError`` for a
    ``whsec_`` secret that is not base64 or whose key is shorter than 16 bytes."""
    if not secret.startswith(STANDARD_PREFIX):
        return secret.encode()
    try:
        key = base64.b64decode(secret[len(STANDARD_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a whsec_ secret is whsec_ followed by base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a whsec_ secret's key is at least {MIN_KEY_BYTES} bytes")
    return key


def _seconds(timestamp: int | dt.datetime) -> int:
    return int(timestamp.timestamp()) if isinstance(timestamp, dt.datetime) else timestamp


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(signing_key(secret), signed, hashlib.sha256).hexdigest()


def _standard_mac(secret: str, message_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return hmac.new(signing_key(secret), signed, hashlib.sha256).digest()


def _secrets(secret: str | Sequence[str]) -> list[str]:
    found = [secret] if isinstance(secret, str) else list(secret)
    if not found:
        raise ValueError("sign with at least one secret")
    return found


def sign(secret: str | Sequence[str], timestamp: int | dt.datetime, body: bytes) -> str:
    """The ``Byline-Signature`` header value for ``body`` sent at ``timestamp``, one ``v1`` per
    secret."""
    t = _seconds(timestamp)
    return ",".join([f"t={t}", *(f"v1={_mac(s, t, body)}" for s in _secrets(secret))])


def standard_headers(
    secret: str | Sequence[str], message_id: str, timestamp: int | dt.datetime, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``: ``webhook-id``, ``webhook-timestamp`` and
    ``webhook-signature`` (one ``v1,<base64>`` per secret, space-separated)."""
    t = _seconds(timestamp)
    signatures = " ".join(
        "v1," + base64.b64encode(_standard_mac(s, message_id, t, body)).decode()
        for s in _secrets(secret)
    )
    return {
        WEBHOOK_ID_HEADER: message_id,
        WEBHOOK_TIMESTAMP_HEADER: str(t),
        WEBHOOK_SIGNATURE_HEADER: signatures,
    }


def _check_time(timestamp: int, now: dt.datetime, tolerance_s: float) -> None:
    if abs(now.timestamp() - timestamp) > tolerance_s:
        raise SignatureError("stale signature timestamp")


def _any_matches(expected: bytes, candidates: list[bytes]) -> bool:
    # compare every candidate, so timing does not tell which one (if any) matched
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


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
    _check_time(timestamp, now, tolerance_s)
    expected = _mac(secret, timestamp, body).encode()
    if not _any_matches(expected, [c.encode() for c in candidates]):
        raise SignatureError("signature does not match")
    return timestamp


def verify_standard(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    now: dt.datetime,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """Check the Standard Webhooks headers (any case) against ``body``; return the timestamp.

    Raises ``SignatureError`` when a header is missing or malformed, when no ``v1`` signature
    matches, or when the timestamp is more than ``tolerance_s`` seconds away from ``now``.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get(WEBHOOK_ID_HEADER)
    stamp = lower.get(WEBHOOK_TIMESTAMP_HEADER)
    header = lower.get(WEBHOOK_SIGNATURE_HEADER)
    if not (message_id and stamp and header):
        raise SignatureError("no standard webhook signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("malformed signature timestamp") from None
    candidates: list[bytes] = []
    for versioned in header.split(" "):
        version, sep, value = versioned.partition(",")
        if not sep:
            raise SignatureError("malformed signature")
        if version == "v1":
            try:
                candidates.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                raise SignatureError("malformed signature") from None
    if not candidates:
        raise SignatureError("malformed signature")
    _check_time(timestamp, now, tolerance_s)
    if not _any_matches(_standard_mac(secret, message_id, timestamp, body), candidates):
        raise SignatureError("signature does not match")
    return timestamp
