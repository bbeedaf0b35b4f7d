"""Console sign-in: staff users with scrypt-hashed passwords, and server-side sessions.

A session is a random token in an HttpOnly cookie; only its sha256 is stored, with the
principal it stands for, its CSRF token and when it expires. Staff users belong to one platform
and hold one of the API's roles; creators get a session from the platform's signed token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from byline.access._errors import SignInError
from byline.access._keys import Principal, Role
from byline.access._tables import console_sessions, spent_entry_links, staff_users
from byline.store import insert_if_absent

STAFF_SESSION = dt.timedelta(hours=8)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10
# scrypt cost: about 50 ms and 16 MiB per check on a laptop core. Each stored hash records its
# own cost, so raising COST later leaves existing passwords valid. (The test suite lowers it for
# speed; nothing else should.)
COST = 2**14
_R, _P = 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=COST, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${COST}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=32,
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


# A hash to check against when the user does not exist, so that timing does not tell.
_DECOY = hash_password(secrets.token_urlsafe(16))


def create_user(
    conn: Connection, username: str, password: str, platform: str, role: Role, at: dt.datetime
) -> None:
    if not USERNAME.match(username):
        raise ValueError(
            "username: 2-80 characters, lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: at least {MIN_PASSWORD} characters")
    if role is Role.LABEL:
        raise ValueError("role: the label role is for API keys only, not for people")
    exists = conn.execute(
        select(staff_users.c.username).where(staff_users.c.username == username)
    ).first()
    if exists is not None:
        # Usernames are unique across platforms; say nothing about whose it is.
        raise ValueError(f"username: {username!r} is not available; choose another")
    conn.execute(
        insert(staff_users).values(
            username=username,
            password_hash=hash_password(password),
            platform=platform,
            role=role.value,
            created_at=at,
        )
    )


def list_users(conn: Connection, platform: str) -> list[dict[str, object]]:
    rows = conn.execute(
        select(
            staff_users.c.username,
            staff_users.c.role,
            staff_users.c.created_at,
            staff_users.c.disabled_at,
        )
        .where(staff_users.c.platform == platform)
        .order_by(staff_users.c.username)
    )
    return [dict(r._mapping) for r in rows]


def user_exists(conn: Connection, username: str) -> bool:
    found = conn.execute(select(staff_users.c.username).where(staff_users.c.username == username))
    return found.first() is not None


def check_password(conn: Connection, username: str, password: str) -> Principal:
    row = conn.execute(select(staff_users).where(staff_users.c.username == username)).first()
    if row is None or row.disabled_at is not None:
        password_matches(password, _DECOY)
        raise SignInError("unknown username or wrong password")
    if not password_matches(password, row.password_hash):
        raise SignInError("unknown username or wrong password")
    return Principal(row.platform, Role(row.role), username=username)


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str
    expires_at: dt.datetime


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    conn: Connection, principal: Principal, at: dt.datetime, expires_at: dt.datetime
) -> str:
    """Start a session and return its token (the cookie's value; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= at))
    conn.execute(
        insert(console_sessions).values(
            session_hash=_session_hash(token),
            platform=principal.platform,
            role=principal.role.value if principal.role else None,
            username=principal.username,
            account_id=principal.account_id,
            csrf=secrets.token_urlsafe(24),
            created_at=at,
            expires_at=expires_at,
        )
    )
    return token


def spend_entry_link(
    conn: Connection, token: str, expires_at: dt.datetime, at: dt.datetime
) -> bool:
    """Mark a creator's entry token as used; False if it had been used before."""
    conn.execute(delete(spent_entry_links).where(spent_entry_links.c.expires_at <= at))
    spent = {"link_hash": _session_hash(token), "expires_at": expires_at}
    return insert_if_absent(conn, spent_entry_links, spent, key=["link_hash"])


def read_session(conn: Connection, token: str, at: dt.datetime) -> Session | None:
    row = conn.execute(
        select(console_sessions).where(console_sessions.c.session_hash == _session_hash(token))
    ).first()
    if row is None or row.expires_at <= at:
        return None
    if row.username is not None:
        user = conn.execute(
            select(staff_users.c.disabled_at).where(staff_users.c.username == row.username)
        ).first()
        if user is None or user.disabled_at is not None:
            return None
    principal = Principal(
        row.platform,
        Role(row.role) if row.role else None,
        account_id=row.account_id,
        username=row.username,
    )
    return Session(principal, row.csrf, row.expires_at)


def close_session(conn: Connection, token: str) -> None:
    conn.execute(
        delete(console_sessions).where(console_sessions.c.session_hash == _session_hash(token))
    )


def disable_user(conn: Connection, platform: str, username: str, at: dt.datetime) -> bool:
    result = conn.execute(
        update(staff_users)
        .where(
            staff_users.c.username == username,
            staff_users.c.platform == platform,
            staff_users.c.disabled_at.is_(None),
        )
        .values(disabled_at=at)
    )
    return bool(result.rowcount)
