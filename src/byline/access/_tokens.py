"""Creator tokens: short-lived JWTs (HS256) the platform signs; ``sub`` is the account id."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import jwt

from byline.access._errors import TokenError

MAX_LIFETIME = dt.timedelta(hours=1)
# How far the platform's clock may run ahead of ours: a token issued (``iat``) or valid from
# (``nbf``) later than now plus this is refused, so a token minted for the future cannot be
# kept and used later. One minute covers ordinary clock skew between NTP-synchronised hosts.
CLOCK_SKEW = dt.timedelta(seconds=60)
_SKEW_S = int(CLOCK_SKEW.total_seconds())


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
                # the times are checked below against ``now`` (the programme's clock, which
                # may be simulated), not by PyJWT against the wall clock
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise TokenError("token is for another platform") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {type(exc).__name__}") from None
    exp = _instant(claims, "exp")
    iat = _instant(claims, "iat")
    nbf = _instant(claims, "nbf") if "nbf" in claims else None
    if iat > now + CLOCK_SKEW:
        raise TokenError(f"token issued in the future (iat more than {_SKEW_S} s from now)")
    if nbf is not None and nbf > now + CLOCK_SKEW:
        raise TokenError(f"token not valid yet (nbf more than {_SKEW_S} s from now)")
    if exp <= now:
        raise TokenError("token expired")
    if exp - iat > MAX_LIFETIME:
        raise TokenError("token lives too long (at most one hour)")
    return str(claims["sub"])


def _instant(claims: dict[str, Any], name: str) -> dt.datetime:
    """The time claim ``name`` (seconds since the epoch) as an aware datetime."""
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"invalid token: {name} is not a number")
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise TokenError(f"invalid token: {name} is out of range") from None


def token_expiry(token: str, secret: str) -> dt.datetime:
    """When a token read by ``read_creator_token`` expires (call only after that accepted it)."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        options={
            "verify_exp": False,
            "verify_aud": False,
            "verify_iat": False,
            "verify_nbf": False,
        },
    )
    return dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
