"""API keys: shown once, stored hashed; each bound to one platform (tenant) and one role."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, insert, select, update

from byline.access._tables import api_keys, creator_token_keys

PREFIX = "byl"


class Role(StrEnum):
    LABEL = "label"  # label lookups only
    PLATFORM = "platform"  # the platform's back end: counts, enforcement, webhooks, cycles
    REVIEWER = "reviewer"  # the review queue and decisions
    ADMIN = "admin"  # keys and policies of its platform


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's platform and role, or a creator of one account."""

    platform: str
    role: Role | None
    key_id: str | None = None
    account_id: str | None = None  # set for creators
    username: str | None = None  # set for staff signed in to the console
    name_budget: int | None = None  # a key's own budget of distinct names per hour

    @property
    def name(self) -> str:
        if self.account_id is not None:
            return f"creator:{self.account_id}"
        if self.username is not None:
            return f"staff:{self.username}"
        return f"key:{self.key_id}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    conn: Connection,
    platform: str,
    role: Role,
    at: dt.datetime,
    label: str = "",
    name_budget: int | None = None,
) -> str:
    """Create a key and return it; it is never shown again (only its hash is kept)."""
    key_id = f"{PREFIX}_{secrets.token_hex(6)}"
    secret = f"{key_id}.{secrets.token_urlsafe(32)}"
    conn.execute(
        insert(api_keys).values(
            key_id=key_id,
            secret_hash=_digest(secret),
            platform=platform,
            role=role.value,
            label=label,
            created_at=at,
            name_budget_per_hour=name_budget,
        )
    )
    return secret


def authenticate(conn: Connection, presented: str) -> Principal | None:
    key_id = presented.split(".", 1)[0]
    row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _digest(presented)):
        return None
    return Principal(row.platform, Role(row.role), key_id, name_budget=row.name_budget_per_hour)


def revoke_key(conn: Connection, platform: str, key_id: str, at: dt.datetime) -> bool:
    result = conn.execute(
        update(api_keys)
        .where(
            api_keys.c.key_id == key_id,
            api_keys.c.platform == platform,
            api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return result.rowcount == 1


def list_keys(conn: Connection, platform: str) -> list[dict[str, object]]:
    rows = conn.execute(
        select(api_keys).where(api_keys.c.platform == platform).order_by(api_keys.c.created_at)
    )
    return [
        {
            "key_id": r.key_id,
            "role": r.role,
            "label": r.label,
            "created_at": r.created_at.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            "name_budget_per_hour": r.name_budget_per_hour,
        }
        for r in rows
    ]


def set_creator_token_key(
    conn: Connection, platform: str, at: dt.datetime, secret: str | None = None
) -> str:
    """Register (or replace) the key a platform signs creator tokens with; return it."""
    secret = secret or secrets.token_urlsafe(32)
    exists = conn.execute(
        select(creator_token_keys.c.platform).where(creator_token_keys.c.platform == platform)
    ).first()
    if exists:
        conn.execute(
            update(creator_token_keys)
            .where(creator_token_keys.c.platform == platform)
            .values(secret=secret, created_at=at)
        )
    else:
        conn.execute(
            insert(creator_token_keys).values(platform=platform, secret=secret, created_at=at)
        )
    return secret


def creator_token_key(conn: Connection, platform: str) -> str | None:
    return conn.execute(
        select(creator_token_keys.c.secret).where(creator_token_keys.c.platform == platform)
    ).scalar_one_or_none()
