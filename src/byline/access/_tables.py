"""Who may call the API: hashed API keys (platform, role) and each platform's creator-token key."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from byline.store import UtcDateTime, metadata

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(24), primary_key=True),  # the visible prefix of the key
    Column("secret_hash", String(64), nullable=False),  # sha256 of the whole key
    Column("platform", String(80), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("label", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    # Distinct disclosed names this key may be shown per hour (NULL: the server's default).
    Column("name_budget_per_hour", Integer),
)

creator_token_keys = Table(
    "creator_token_keys",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("secret", String(200), nullable=False),  # HMAC key the platform signs tokens with
    Column("created_at", UtcDateTime, nullable=False),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("password_hash", String(200), nullable=False),  # scrypt, with its salt and cost
    Column("platform", String(80), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # sha256 of the cookie's value
    Column("platform", String(80), nullable=False),
    Column("role", String(20)),  # a staff role; null for a creator
    Column("username", String(80)),  # staff
    Column("account_id", String(200)),  # creator
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# Creator entry links (``/console/<platform>/enter?token=``) already exchanged for a session: a
# link works once, so one found later in a browser's history or a shared screen opens nothing.
# Only the token's sha256 is kept, until the token would have expired anyway.
spent_entry_links = Table(
    "spent_entry_links",
    metadata,
    Column("link_hash", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
