"""Who may call: API keys (created once, stored hashed, audited) and creator tokens."""

from __future__ import annotations

import datetime as dt

from byline import access, audit
from byline.access import Principal, Role, TokenError
from byline.domain.vocabulary import AuditAction
from byline.store import Database

__all__ = [
    "Principal",
    "Role",
    "TokenError",
    "authenticate",
    "create_api_key",
    "creator_principal",
    "issue_creator_token",
    "list_api_keys",
    "register_creator_key",
    "revoke_api_key",
]

issue_creator_token = access.issue_creator_token


def create_api_key(
    db: Database, platform: str, role: Role, *, actor: str, now: dt.datetime, label: str = ""
) -> str:
    with db.transaction() as conn:
        key = access.create_key(conn, platform, role, now, label)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.API_KEY_CREATED,
                detail={"platform": platform, "role": role.value, "key_id": key.split(".")[0]},
            ),
        )
        return key


def revoke_api_key(
    db: Database, platform: str, key_id: str, *, actor: str, now: dt.datetime
) -> bool:
    with db.transaction() as conn:
        done = access.revoke_key(conn, platform, key_id, now)
        if done:
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=actor,
                    action=AuditAction.API_KEY_REVOKED,
                    detail={"platform": platform, "key_id": key_id},
                ),
            )
        return done


def list_api_keys(db: Database, platform: str) -> list[dict[str, object]]:
    with db.reading() as conn:
        return access.list_keys(conn, platform)


def authenticate(db: Database, presented: str) -> Principal | None:
    with db.reading() as conn:
        return access.authenticate(conn, presented)


def register_creator_key(
    db: Database, platform: str, *, actor: str, now: dt.datetime, secret: str | None = None
) -> str:
    with db.transaction() as conn:
        key = access.set_creator_token_key(conn, platform, now, secret)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.CREATOR_KEY_SET,
                detail={"platform": platform},
            ),
        )
        return key


def creator_principal(db: Database, platform: str, token: str, now: dt.datetime) -> Principal:
    with db.reading() as conn:
        secret = access.creator_token_key(conn, platform)
    if secret is None:
        raise TokenError("this platform has not registered a creator-token key")
    account_id = access.read_creator_token(token, secret, platform, now)
    return Principal(platform, None, account_id=account_id)
