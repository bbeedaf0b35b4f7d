"""Webhook signatures: a round trip works; a tampered body, a wrong secret, a stale or
malformed header do not."""

from __future__ import annotations

import datetime as dt

import pytest

from byline.outbox import SignatureError, sign, verify_signature

SECRET = "whsec-test-0123456789abcdef"
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
BODY = b'{"id":"m1","payload":{"case_id":"c1"},"topic":"notice"}'


def test_round_trip() -> None:
    header = sign(SECRET, NOW, BODY)
    assert header == sign(SECRET, int(NOW.timestamp()), BODY)
    t, v1 = header.split(",")
    assert t == f"t={int(NOW.timestamp())}" and v1.startswith("v1=") and len(v1) == 3 + 64
    assert verify_signature(SECRET, header, BODY, NOW) == int(NOW.timestamp())


def test_known_vector() -> None:
    # HMAC-SHA256("k" * 16, "1700000000.{}"), computed independently with openssl
    assert sign("k" * 16, 1700000000, b"{}") == (
        "t=1700000000,v1=6d58fb78491a4cd45b0a5944663cf2020c2185a67defd8caec14059846f09e3d"
    )


@pytest.mark.parametrize(
    "secret, body, reason",
    [
        (SECRET, BODY.replace(b"c1", b"c2"), "does not match"),
        (SECRET, BODY + b" ", "does not match"),
        ("whsec-wrong-0123456789abcdef", BODY, "does not match"),
    ],
)
def test_tampered_body_or_wrong_secret_is_rejected(secret: str, body: bytes, reason: str) -> None:
    header = sign(SECRET, NOW, BODY)
    with pytest.raises(SignatureError, match=reason):
        verify_signature(secret, header, body, NOW)


@pytest.mark.parametrize("skew_s, ok", [(-301, False), (-300, True), (300, True), (301, False)])
def test_timestamps_outside_the_tolerance_are_rejected(skew_s: int, ok: bool) -> None:
    header = sign(SECRET, NOW + dt.timedelta(seconds=skew_s), BODY)
    if ok:
        verify_signature(SECRET, header, BODY, NOW, tolerance_s=300)
    else:
        with pytest.raises(SignatureError, match="stale"):
            verify_signature(SECRET, header, BODY, NOW, tolerance_s=300)


def test_a_replayed_request_is_rejected_an_hour_later() -> None:
    header = sign(SECRET, NOW, BODY)
    with pytest.raises(SignatureError, match="stale"):
        verify_signature(SECRET, header, BODY, NOW + dt.timedelta(hours=1))


def test_changing_the_timestamp_breaks_the_signature() -> None:
    header = sign(SECRET, NOW, BODY)
    forged = header.replace(f"t={int(NOW.timestamp())}", f"t={int(NOW.timestamp()) + 60}")
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, forged, BODY, NOW)


def test_any_v1_may_match_during_secret_rotation() -> None:
    old = sign("whsec-old-0123456789abcdef", NOW, BODY)
    new = sign(SECRET, NOW, BODY)
    header = f"{old},{new.split(',')[1]}"
    verify_signature(SECRET, header, BODY, NOW)
    verify_signature("whsec-old-0123456789abcdef", header, BODY, NOW)


@pytest.mark.parametrize(
    "header, reason",
    [
        (None, "no signature"),
        ("", "no signature"),
        ("v1=abc", "malformed"),
        (f"t={int(NOW.timestamp())}", "malformed"),
        ("t=soon,v1=abc", "malformed"),
        ("garbage", "malformed"),
    ],
)
def test_missing_or_malformed_headers_are_rejected(header: str | None, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify_signature(SECRET, header, BODY, NOW)
