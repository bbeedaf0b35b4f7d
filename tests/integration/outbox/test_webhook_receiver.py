"""The in-package WebhookReceiver is an honest receiver: it takes only well-signed messages
and tells a repeat from a first delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from outbox_helpers import SECRET, T0, SimulatedClock

from byline.outbox import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    DeliveryError,
    HttpSink,
    WebhookReceiver,
    encode_message,
    sign,
    standard_headers,
)

BODY = encode_message(
    message_id="m-1",
    topic="notice",
    created_at=T0,
    account_id="acct-1",
    case_id="case-1",
    payload={"state": "notified"},
)


def headers(changes: dict[str, str] | None = None, at: dt.datetime = T0) -> dict[str, str]:
    """Headers for ``BODY``, signed at ``at``, with ``changes`` applied."""
    base = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(SECRET, at, BODY),
        MESSAGE_ID_HEADER: "m-1",
        TOPIC_HEADER: "notice",
        **standard_headers(SECRET, "m-1", at, BODY),
    }
    return {**base, **(changes or {})}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def test_takes_a_signed_message_and_counts_repeats(
    receiver: WebhookReceiver, client: httpx.Client
) -> None:
    for _ in range(3):
        assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 200
    assert [(r.message_id, r.seen, r.duplicate) for r in receiver.received] == [
        ("m-1", 1, False),
        ("m-1", 2, True),
        ("m-1", 3, True),
    ]
    assert receiver.times_seen("m-1") == 3 and receiver.times_seen("m-2") == 0
    assert receiver.payloads() == [{"state": "notified"}]
    assert receiver.payloads("label") == []


@pytest.mark.parametrize(
    "body, changes, status, reason",
    [
        (BODY.replace(b"notified", b"disclosed"), {}, 401, "does not match"),
        (BODY, {SIGNATURE_HEADER: ""}, 401, "no signature"),
        (BODY, {"webhook-signature": ""}, 401, "no standard webhook signature"),
        (BODY, {"webhook-id": "m-2"}, 401, "does not match"),
        (BODY, {"webhook-timestamp": "1"}, 401, "stale signature timestamp"),
        (BODY, {MESSAGE_ID_HEADER: "m-2"}, 400, "Byline-Message-Id does not match"),
        (BODY, {TOPIC_HEADER: "label"}, 400, "Byline-Topic does not match"),
        (BODY, {"Content-Type": "text/plain"}, 415, "not application/json"),
    ],
)
def test_refuses_what_it_cannot_trust(
    receiver: WebhookReceiver,
    client: httpx.Client,
    body: bytes,
    changes: dict[str, str],
    status: int,
    reason: str,
) -> None:
    response = client.post(receiver.url, content=body, headers=headers(changes))  # signs BODY
    assert response.status_code == status
    assert [(r.status, reason in r.reason) for r in receiver.rejected] == [(status, True)]
    assert receiver.received == []


def test_refuses_a_stale_signature_by_its_own_clock(
    receiver: WebhookReceiver, client: httpx.Client, clock: SimulatedClock
) -> None:
    clock.advance(301)
    assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 401
    assert receiver.rejected[0].reason == "stale signature timestamp"


def test_refuses_other_paths(receiver: WebhookReceiver, client: httpx.Client) -> None:
    url = receiver.url.replace("/webhooks", "/elsewhere")
    assert client.post(url, content=BODY, headers=headers()).status_code == 404


def test_down_answers_503_and_takes_nothing_until_up(
    receiver: WebhookReceiver, client: httpx.Client
) -> None:
    receiver.down()
    assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 503
    assert receiver.received == [] and receiver.rejected == [] and receiver.requests == 1
    receiver.up()
    assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 200
    assert len(receiver.messages) == 1


def test_a_lost_ack_still_records_the_message(
    receiver: WebhookReceiver, client: httpx.Client
) -> None:
    receiver.lose_acks(1)
    assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 500
    assert client.post(receiver.url, content=BODY, headers=headers()).status_code == 200
    assert [r.duplicate for r in receiver.received] == [False, True]


def test_the_http_sink_reports_a_closed_port_as_a_delivery_error(clock: SimulatedClock) -> None:
    with WebhookReceiver(SECRET, clock=clock) as gone:
        url = gone.url
    with HttpSink(timeout_s=2) as sink, pytest.raises(DeliveryError, match="ConnectError"):
        sink.send(url, BODY, headers(), "127.0.0.1")


def test_url_needs_a_running_receiver() -> None:
    receiver = WebhookReceiver(SECRET)
    with pytest.raises(RuntimeError, match="start"):
        _ = receiver.url
    with receiver, pytest.raises(RuntimeError, match="already running"):
        receiver.start()
    receiver.close()  # closing twice is harmless
