"""Creator tokens are read against the programme's clock: a token issued (``iat``) or valid
from (``nbf``) later than now plus the stated clock skew is refused, as is an expired one or
one that lives too long."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest

from byline.access import CLOCK_SKEW, TokenError, issue_creator_token, read_creator_token

SECRET = "a-platform-creator-key-of-enough-length"
NOW = dt.datetime(2023, 10, 25, 9, 0, tzinfo=dt.UTC)


def forged(**times: Any) -> str:
    """A correctly signed token for weibo's account "quiet", with these time claims."""
    claims: dict[str, Any] = {"sub": "quiet", "aud": "byline:weibo", **times}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def at(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def test_the_stated_skew_is_a_minute() -> None:
    assert CLOCK_SKEW.total_seconds() == 60


def test_a_token_issued_ten_years_ahead_is_refused() -> None:
    later = NOW + dt.timedelta(days=3650)
    token = forged(iat=at(later), exp=at(later + dt.timedelta(minutes=15)))
    with pytest.raises(TokenError, match="issued in the future") as refused:
        read_creator_token(token, SECRET, "weibo", NOW)
    assert token not in str(refused.value)


def test_iat_exactly_at_the_skew_is_accepted_and_one_second_past_refused() -> None:
    edge = NOW + CLOCK_SKEW
    token = forged(iat=at(edge), exp=at(edge + dt.timedelta(minutes=15)))
    assert read_creator_token(token, SECRET, "weibo", NOW) == "quiet"
    past = edge + dt.timedelta(seconds=1)
    token = forged(iat=at(past), exp=at(past + dt.timedelta(minutes=15)))
    with pytest.raises(TokenError, match=r"iat more than 60 s"):
        read_creator_token(token, SECRET, "weibo", NOW)


def test_nbf_exactly_at_the_skew_is_accepted_and_one_second_past_refused() -> None:
    exp = at(NOW + dt.timedelta(minutes=15))
    token = forged(iat=at(NOW), nbf=at(NOW + CLOCK_SKEW), exp=exp)
    assert read_creator_token(token, SECRET, "weibo", NOW) == "quiet"
    token = forged(iat=at(NOW), nbf=at(NOW + CLOCK_SKEW + dt.timedelta(seconds=1)), exp=exp)
    with pytest.raises(TokenError, match=r"not valid yet \(nbf more than 60 s"):
        read_creator_token(token, SECRET, "weibo", NOW)


def test_nbf_is_read_against_the_programmes_clock_not_the_wall_clock() -> None:
    # valid from a minute before the (simulated) now: PyJWT's own check against the wall clock
    # would call it immature, since the simulated now is years ago
    wall = dt.datetime.now(dt.UTC)
    token = forged(
        iat=at(wall), nbf=at(wall - dt.timedelta(minutes=1)), exp=at(wall + dt.timedelta(minutes=5))
    )
    assert read_creator_token(token, SECRET, "weibo", wall) == "quiet"


def test_the_lifetime_is_still_at_most_an_hour() -> None:
    token = issue_creator_token(SECRET, "weibo", "quiet", NOW, dt.timedelta(hours=1, seconds=1))
    with pytest.raises(TokenError, match="too long"):
        read_creator_token(token, SECRET, "weibo", NOW)
    token = issue_creator_token(SECRET, "weibo", "quiet", NOW, dt.timedelta(hours=1))
    assert read_creator_token(token, SECRET, "weibo", NOW) == "quiet"


@pytest.mark.parametrize(
    "times",
    [
        {"iat": "yesterday", "exp": 1_700_000_000},
        {"iat": 1_698_224_400, "exp": 1_698_225_000, "nbf": True},
        {"iat": 10**20, "exp": 10**20 + 60},
    ],
)
def test_time_claims_that_are_not_times_are_refused(times: dict[str, Any]) -> None:
    with pytest.raises(TokenError, match="invalid token"):
        read_creator_token(forged(**times), SECRET, "weibo", NOW)
