"""POST /webhooks refuses a URL that leads to a non-public address (cloud metadata, private
ranges, loopback, a name resolving inside the network, localhost) unless the operator allows
it; the problem names the field and why, and nothing is registered."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from byline.outbox import AllowList, WebhookGuard
from byline.outbox._tables import webhook_endpoints
from byline.service import Services
from conftest import WEBHOOKS, World

HOOKS = "/v1/platforms/weibo/webhooks"


def endpoints(world: World) -> int:
    with world.programme.db.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(webhook_endpoints)).scalar_one())


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 not allowed"),
        ("http://10.0.0.1/hook", "address 10.0.0.1 not allowed: private"),
        ("http://[::1]:8080/hook", "address ::1 not allowed: loopback"),
        ("https://internal.example/hook", "address 192.168.1.10 not allowed"),
        ("http://localhost:8080/hook", "host localhost is this machine"),
        ("ftp://hooks.example/hook", "should match pattern"),  # the schema says so first
        ("https://ops:s3cret-pass@hooks.example/hook", "user name or password"),
    ],
)
def test_a_webhook_to_a_non_public_address_is_refused(world: World, url: str, reason: str) -> None:
    response = world.client.post(
        HOOKS, headers=world.key("platform"), json={"url": url, "topics": ["label"]}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "url: " in detail and reason in detail
    assert "s3cret-pass" not in response.text
    assert endpoints(world) == 0


def test_an_operator_allows_a_host_or_a_range(world: World) -> None:
    allowed = world.client.post(
        HOOKS,
        headers=world.key("platform"),
        json={"url": "http://127.0.0.1:9/hook", "topics": ["label"]},  # the fixture allows it
    )
    assert allowed.status_code == 201, allowed.text
    state = world.app.state.byline  # the operator restarts the server with an allow list
    guard = WebhookGuard(AllowList.parse("192.168.0.0/16, 10.0.0.1"), WEBHOOKS.resolver)
    state.services = Services.of(dataclasses.replace(state.services.deps, webhooks=guard))
    for url in ("https://internal.example/hook", "http://10.0.0.1/hook"):
        response = world.client.post(
            HOOKS, headers=world.key("platform"), json={"url": url, "topics": ["label"]}
        )
        assert response.status_code == 201, (url, response.text)
    response = world.client.post(
        HOOKS, headers=world.key("platform"), json={"url": "http://10.0.0.2/", "topics": ["label"]}
    )
    assert response.status_code == 422 and "10.0.0.2" in response.json()["detail"]
    assert endpoints(world) == 3
