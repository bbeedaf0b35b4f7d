"""Writing to the outbox: in the caller's transaction, once per idempotency key.

A message is written with the state change that causes it, in the same transaction, so a
crash never leaves one without the other. Payloads never carry a name or an identity-document
number: the caller passes ids, states, reasons and dates only. ``enqueue`` refuses payload keys
that plainly name personal data (``name``, ``real_name``, ``id_number`` ...); that guard
catches a careless ``{"name": ...}``, not a name hidden under an innocent key, so the
responsibility stays with the caller.

Every message belongs to one platform (the tenant: its policy id) and is delivered only to that
platform's endpoints.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from byline.outbox._errors import PersonalDataError
from byline.outbox._tables import outbox
from byline.outbox._vocabulary import Topic
from byline.store import insert_ignoring_present

# Fixed forever: message ids derived from keys must not change between releases.
_KEY_NAMESPACE = uuid.UUID("6c1f0a3e-5b7d-5e2a-9c41-0b7e2d9f4a18")

# Payload keys that name personal data, compared without case, "_", "-" or spaces.
_PERSONAL_KEYS = frozenset(
    {
        "name",
        "realname",
        "legalname",
        "fullname",
        "firstname",
        "lastname",
        "middlename",
        "givenname",
        "familyname",
        "surname",
        "idnumber",
        "idcard",
        "idcardnumber",
        "iddocument",
        "identitydocument",
        "identitynumber",
        "documentnumber",
        "nationalid",
        "passport",
        "passportnumber",
    }
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_MAX_PLATFORM_LENGTH = 80  # the width of the platform columns


def message_id_for(topic: Topic | str, key: str) -> str:
    """The message id that ``enqueue(..., topic=topic, key=key)`` writes: the same every time."""
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{Topic(topic)}\n{key}"))


def check_platform(platform: str) -> str:
    """``platform`` if it can name a tenant (1 to 80 characters); else ValueError."""
    if not isinstance(platform, str) or not 1 <= len(platform) <= _MAX_PLATFORM_LENGTH:
        raise ValueError(f"platform must be 1 to {_MAX_PLATFORM_LENGTH} characters: {platform!r}")
    return platform


def enqueue(
    conn: Connection,
    *,
    platform: str,
    topic: Topic | str,
    payload: Mapping[str, Any],
    at: dt.datetime,
    account_id: str | None = None,
    case_id: str | None = None,
    key: str | None = None,
) -> str:
    """Write a message for ``platform``'s endpoints in the caller's transaction; return its id
    (the idempotency key).

    With ``key`` (for instance ``f"notice:{case_id}:{cycle_id}"``) the id is derived from topic
    and key, and enqueueing it again is a no-op that returns the same id, so a job re-run after
    a crash cannot send a notice twice. Without ``key`` every call writes a new message. Keys
    are not scoped by platform: make them unique across platforms (a case id does that).
    """
    check_platform(platform)
    topic = Topic(topic)
    if at.tzinfo is None:
        raise ValueError("naive datetime: Byline stores aware UTC times only")
    _refuse_personal_keys(payload)
    body = _json_ready(payload)
    message_id = message_id_for(topic, key) if key is not None else str(uuid.uuid4())
    row = {
        "message_id": message_id,
        "created_at": at,
        "platform": platform,
        "topic": str(topic),
        "account_id": account_id,
        "case_id": case_id,
        "payload": body,
    }
    insert_ignoring_present(conn, outbox, [row], key=["message_id"])
    return message_id


def _refuse_personal_keys(value: Any, path: str = "payload") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _NOT_ALNUM.sub("", str(key).lower()) in _PERSONAL_KEYS:
                raise PersonalDataError(
                    f"{path}[{key!r}]: outbox payloads carry ids, never names or document numbers"
                )
            _refuse_personal_keys(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_personal_keys(item, f"{path}[{index}]")


def _json_ready(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the database will hand it back; fails here, not at delivery time."""
    try:
        body = json.loads(json.dumps(dict(payload), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"outbox payload is not plain JSON: {exc}") from exc
    return dict(body)
