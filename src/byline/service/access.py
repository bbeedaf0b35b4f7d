"""Who may call: API keys (created once, stored hashed, audited) and creator tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from byline import access, audit
from byline.access import Principal, Role, Session, SignInError, TokenError
from byline.domain.errors import CodedError
from byline.domain.vocabulary import AuditAction
from byline.service import limits
from byline.service._base import Service
from byline.service._changes import API_KEYS, api_keys_changed
from byline.store import Database

__all__ = [
    "ApiKeyRow",
    "Principal",
    "Role",
    "Session",
    "SignInError",
    "StaffUserRow",
    "TokenError",
    "authenticate",
    "create_api_key",
    "create_staff_user",
    "creator_principal",
    "disable_staff_user",
    "issue_creator_token",
    "list_api_keys",
    "list_staff_users",
    "on_key_revoked",
    "register_creator_key",
    "revoke_api_key",
    "session_of",
    "sign_in",
    "sign_in_creator",
    "sign_out",
]

issue_creator_token = access.issue_creator_token


MAX_NAME_BUDGET = 100_000_000


def create_api_key(
    db: Database,
    platform: str,
    role: Role,
    *,
    actor: str,
    now: dt.datetime,
    label: str = "",
    name_budget: int | None = None,
    request_id: str | None = None,
) -> str:
    """Create a key (shown once). ``name_budget``: the distinct disclosed names it may be shown
    per hour, whatever viewers it claims to serve (None: the server's default)."""
    if name_budget is not None and not 1 <= name_budget <= MAX_NAME_BUDGET:
        raise ValueError(f"name budget: give 1 to {MAX_NAME_BUDGET:,} names per hour")
    with db.transaction() as conn:
        key = access.create_key(conn, platform, role, now, label, name_budget)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.API_KEY_CREATED,
                request_id=request_id,
                detail={
                    "platform": platform,
                    "role": role.value,
                    "key_id": key.split(".")[0],
                    "name_budget_per_hour": name_budget,
                },
            ),
        )
        return key


def revoke_api_key(
    db: Database,
    platform: str,
    key_id: str,
    *,
    actor: str,
    now: dt.datetime,
    request_id: str | None = None,
) -> bool:
    with db.transaction() as conn:
        done = access.revoke_key(conn, platform, key_id, now)
        if done:
            api_keys_changed(conn)
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=actor,
                    action=AuditAction.API_KEY_REVOKED,
                    request_id=request_id,
                    detail={"platform": platform, "key_id": key_id},
                ),
            )
        return done


def on_key_revoked(db: Database, listener: Callable[[], None]) -> None:
    """Call ``listener`` after this process revokes a key through ``db`` (any adapter)."""
    db.on_commit(API_KEYS, listener)


def _at(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class ApiKeyRow:
    """A platform's API key as listed: never its secret. ``name_budget_per_hour``: distinct
    names it may be shown per hour (None: the server's default)."""

    key_id: str
    role: Role
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    name_budget_per_hour: int | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ApiKeyRow:
        created = _at(row["created_at"])
        assert created is not None
        return cls(
            key_id=str(row["key_id"]),
            role=Role(row["role"]),
            label=row["label"],
            created_at=created,
            revoked_at=_at(row["revoked_at"]),
            name_budget_per_hour=row["name_budget_per_hour"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "role": self.role.value,
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "name_budget_per_hour": self.name_budget_per_hour,
        }


@dataclass(frozen=True)
class StaffUserRow:
    """A console user of a platform as listed (never a password or its hash)."""

    username: str
    role: Role
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StaffUserRow:
        created = _at(row["created_at"])
        assert created is not None
        return cls(str(row["username"]), Role(row["role"]), created, _at(row["disabled_at"]))


def list_api_keys(db: Database, platform: str) -> list[ApiKeyRow]:
    with db.reading() as conn:
        return [ApiKeyRow.of(row) for row in access.list_keys(conn, platform)]


def authenticate(db: Database, presented: str) -> Principal | None:
    with db.reading() as conn:
        return access.authenticate(conn, presented)


def register_creator_key(
    db: Database,
    platform: str,
    *,
    actor: str,
    now: dt.datetime,
    secret: str | None = None,
    request_id: str | None = None,
) -> str:
    with db.transaction() as conn:
        key = access.set_creator_token_key(conn, platform, now, secret)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.CREATOR_KEY_SET,
                request_id=request_id,
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


# --- console sign-in ----------------------------------------------------------------------


def create_staff_user(
    db: Database,
    platform: str,
    username: str,
    password: str,
    role: Role,
    *,
    actor: str,
    now: dt.datetime,
) -> None:
    with db.transaction() as conn:
        access.create_user(conn, username, password, platform, role, now)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=actor,
                action=AuditAction.STAFF_USER_CREATED,
                detail={"platform": platform, "username": username, "role": role.value},
            ),
        )


def disable_staff_user(
    db: Database, platform: str, username: str, *, actor: str, now: dt.datetime
) -> bool:
    with db.transaction() as conn:
        done = access.disable_user(conn, platform, username, now)
        if done:
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=actor,
                    action=AuditAction.STAFF_USER_DISABLED,
                    detail={"platform": platform, "username": username},
                ),
            )
        return done


def list_staff_users(db: Database, platform: str) -> list[StaffUserRow]:
    with db.reading() as conn:
        return [StaffUserRow.of(row) for row in access.list_users(conn, platform)]


def sign_in(
    db: Database, username: str, password: str, now: dt.datetime, replaces: str | None = None
) -> str:
    """A new session token for a staff user; ``SignInError`` when refused. Both are audited: a
    refusal for an existing user names the user; for an unknown username nothing of what was
    typed is kept (it may be a password typed in the wrong field). ``replaces``: the session
    this browser had, closed now."""
    try:
        with db.transaction() as conn:
            principal = access.check_password(conn, username, password)
    except SignInError:
        with db.transaction() as conn:
            known = access.user_exists(conn, username)
            audit.append(
                conn,
                audit.AuditEntry(
                    at=now,
                    actor=f"staff:{username}" if known else "anonymous",
                    action=AuditAction.STAFF_SIGN_IN_FAILED,
                    detail={"username": username if known else None},
                ),
            )
        raise
    with db.transaction() as conn:
        if replaces:
            access.close_session(conn, replaces)
        token = access.open_session(conn, principal, now, now + access.STAFF_SESSION)
        audit.append(
            conn,
            audit.AuditEntry(
                at=now,
                actor=principal.name,
                action=AuditAction.STAFF_SIGNED_IN,
                detail={"platform": principal.platform, "role": str(principal.role)},
            ),
        )
        return token


def sign_in_creator(
    db: Database, platform: str, token: str, now: dt.datetime, replaces: str | None = None
) -> str:
    """A session for the creator named by the platform's signed token; it ends when the token
    would have expired (at most an hour). A token opens one session only: used again, it is
    refused (``TokenError``), unless ``replaces`` is already that creator's live session, which
    is then simply kept. ``TokenError`` too when the token is not accepted."""
    principal = creator_principal(db, platform, token, now)
    with db.reading() as conn:
        secret = access.creator_token_key(conn, platform)
        current = access.read_session(conn, replaces, now) if replaces else None
    if replaces and current is not None and current.principal == principal:
        return replaces
    expires = access.token_expiry(token, secret or "")
    with db.transaction() as conn:
        if not access.spend_entry_link(conn, token, expires, now):
            raise TokenError("this link was used already; the platform can give a new one")
        if replaces:
            access.close_session(conn, replaces)
        return access.open_session(conn, principal, now, expires)


def session_of(db: Database, token: str, now: dt.datetime) -> Session | None:
    with db.reading() as conn:
        return access.read_session(conn, token, now)


def sign_out(db: Database, token: str) -> None:
    with db.transaction() as conn:
        access.close_session(conn, token)


class NoKey(CodedError, LookupError):
    """No active API key with this id for the platform."""


class NoUser(CodedError, LookupError):
    """No active console user with this name on the platform."""


class Access(Service):
    """API keys, staff users, sessions and creator tokens: who may call, and as what. Every
    change is audited; every secret is generated here."""

    def create_api_key(
        self,
        platform: str,
        role: Role,
        *,
        actor: str,
        label: str = "",
        name_budget: int | None = None,
        request_id: str | None = None,
    ) -> str:
        """A new key of ``role`` (shown once; audited, under ``request_id`` when a request
        asked for it)."""
        limits.check_key_label(label)
        return create_api_key(
            self.db,
            platform,
            role,
            actor=actor,
            now=self.clock(),
            label=label,
            name_budget=name_budget,
            request_id=request_id,
        )

    def revoke_api_key(
        self, platform: str, key_id: str, *, actor: str, request_id: str | None = None
    ) -> None:
        """Revoke an active key of ``platform`` (audited); ``NoKey`` when there is none."""
        done = revoke_api_key(
            self.db, platform, key_id, actor=actor, now=self.clock(), request_id=request_id
        )
        if not done:
            raise NoKey(f"no active key {key_id[:40]} for this platform", code="no_key")

    def api_keys(self, platform: str) -> list[ApiKeyRow]:
        return list_api_keys(self.db, platform)

    def on_key_revoked(self, listener: Callable[[], None]) -> None:
        on_key_revoked(self.db, listener)

    def authenticate(self, presented: str) -> Principal | None:
        return authenticate(self.db, presented)

    def register_creator_key(
        self,
        platform: str,
        *,
        actor: str,
        secret: str | None = None,
        request_id: str | None = None,
    ) -> str:
        return register_creator_key(
            self.db, platform, actor=actor, now=self.clock(), secret=secret, request_id=request_id
        )

    def creator(self, platform: str, token: str) -> Principal:
        return creator_principal(self.db, platform, token, self.clock())

    def create_staff_user(
        self,
        platform: str,
        username: str,
        role: Role,
        *,
        actor: str,
        password: str | None = None,
    ) -> str:
        """A console user (audited); returns the password, generated when none is given
        (120 random bits: the user is told to keep it safe)."""
        password = password or secrets.token_urlsafe(15)
        create_staff_user(
            self.db, platform, username, password, role, actor=actor, now=self.clock()
        )
        return password

    def disable_staff_user(self, platform: str, username: str, *, actor: str) -> None:
        """Disable a console user (audited); ``NoUser`` when there is no such active user."""
        if not disable_staff_user(self.db, platform, username, actor=actor, now=self.clock()):
            raise NoUser(f"no active console user {username[:80]} on this platform", code="no_user")

    def staff_users(self, platform: str) -> list[StaffUserRow]:
        return list_staff_users(self.db, platform)

    def sign_in(self, username: str, password: str, replaces: str | None = None) -> str:
        return sign_in(self.db, username, password, self.clock(), replaces)

    def sign_in_creator(self, platform: str, token: str, replaces: str | None = None) -> str:
        return sign_in_creator(self.db, platform, token, self.clock(), replaces)

    def session(self, token: str) -> Session | None:
        return session_of(self.db, token, self.clock())

    def sign_out(self, token: str) -> None:
        sign_out(self.db, token)

    def login_csrf(self) -> str:
        """A fresh token for the sign-in form (before there is a session to hold one)."""
        return secrets.token_urlsafe(24)
