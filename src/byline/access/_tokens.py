"""Creator tokens: short-lived JWTs (HS256) the platform signs; ``sub`` is the account id."""

from __future__ import annotations

import datetime as dt
import secrets

import jwt

MAX_LIFETIME = dt.timedelta(hours=1)


class TokenError(ValueError):
    """The token cannot be accepted; the message says why (never echoes the token)."""


def issue_creator_token(
    secret: str,
    platform: str,
    account_id: str,
    now: dt.datetime,
    lifetime: dt.timedelta = dt.timedelta(minutes=15),
) -> str:
    """What a platform does to let a creator in (used by tests, the demo and integrators). The
    ``jti`` makes each token unique: a console entry link works once."""
    claims = {
        "jti": secrets.token_urlsafe(12),
        "sub": account_id,
        "aud": f"byline:{platform}",
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_creator_token(token: str, secret: str, platform: str, now: dt.datetime) -> str:
    """The account id in a valid token for ``platform``; raise ``TokenError`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=f"byline:{platform}",
            options={
                "require": ["sub", "exp", "iat", "aud"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise TokenError("token is for another platform") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {type(exc).__name__}") from None
    exp = dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
    iat = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
    if exp <= now:
        raise TokenError("token expired")
    if exp - iat > MAX_LIFETIME:
        raise TokenError("token lives too long (at most one hour)")
    return str(claims["sub"])


def token_expiry(token: str, secret: str) -> dt.datetime:
    """When a token read by ``read_creator_token`` expires (call only after that accepted it)."""
    claims = jwt.decode(
        token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False}
    )
    return dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
