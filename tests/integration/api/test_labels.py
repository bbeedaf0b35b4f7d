"""The label: shown to the viewers each policy allows, the same answer for non-disclosed and
unknown accounts, rate limited per viewer and per key (in memory and in Redis)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from byline.api import ApiSettings, RedisLimiter
from conftest import NAMES, NOW, World

IDS = ["star", "org", "quiet", "waiting", "small", "nobody"]


def lookup(
    world: World,
    platform: str = "weibo",
    *,
    logged_in: bool = True,
    verified: bool = True,
    flags: tuple[str, ...] = (),
    role: str = "label",
    viewer: str = "v1",
) -> dict[str, object]:
    response = world.client.post(
        f"/v1/platforms/{platform}/labels",
        headers=world.key(role, platform),
        json={
            "viewer": {
                "id": viewer,
                "logged_in": logged_in,
                "identity_verified": verified,
                "flags": list(flags),
            },
            "account_ids": IDS,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["labels"]  # type: ignore[no-any-return]


def test_verified_viewer_sees_disclosed_names_only(world: World) -> None:
    labels = lookup(world)
    assert labels["star"] == {
        "name": NAMES["star"],
        "kind": "individual",
        "since": labels["star"]["since"],
    }  # type: ignore[index]
    assert labels["org"]["kind"] == "organization"  # type: ignore[index]
    assert labels["org"]["name"] == NAMES["org"]  # type: ignore[index]
    # not disclosed (notified, or submitted and waiting), below threshold, unknown: all null
    assert [labels[a] for a in ("quiet", "waiting", "small", "nobody")] == [None] * 4


@pytest.mark.parametrize(
    "platform, viewer, shown",
    [
        ("weibo", {"logged_in": False}, False),
        ("weibo", {"verified": False}, False),
        ("weibo", {"flags": ("abnormal",)}, False),
        ("weibo", {"flags": ("sanctioned",)}, False),
        ("weibo", {"flags": ("banned",)}, True),  # Weibo named no banned rule
        ("douyin", {"verified": False}, False),
        ("douyin", {"flags": ("risky",)}, False),
        ("douyin", {"flags": ("sanctioned",)}, True),
        ("bilibili", {"flags": ("banned",)}, False),
        ("bilibili", {"logged_in": False}, False),
        ("bilibili", {}, True),
    ],
)
def test_viewer_rules_follow_each_policy(
    world: World, platform: str, viewer: dict[str, object], shown: bool
) -> None:
    labels = lookup(world, platform, **viewer)  # type: ignore[arg-type]
    assert (labels["star"] is not None) is shown
    assert all(labels[a] is None for a in ("quiet", "nobody"))


def test_no_oracle_between_undisclosed_and_unknown(world: World) -> None:
    body = {
        "viewer": {"id": "v", "logged_in": True, "identity_verified": True},
        "account_ids": ["quiet"],
    }
    a = world.client.post("/v1/platforms/weibo/labels", headers=world.key("label"), json=body)
    body["account_ids"] = ["never-existed"]
    b = world.client.post("/v1/platforms/weibo/labels", headers=world.key("label"), json=body)
    assert a.status_code == b.status_code == 200
    assert a.json()["labels"]["quiet"] is None and b.json()["labels"]["never-existed"] is None


def test_batches_over_100_are_refused_naming_the_field(world: World) -> None:
    response = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": "v", "logged_in": True, "identity_verified": True},
            "account_ids": [f"a{i}" for i in range(101)],
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "body.account_ids" in response.json()["detail"]


def test_there_is_no_search_by_name(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for operation in operations.values():
            params = [p["name"] for p in operation.get("parameters", [])]
            assert "name" not in params and "q" not in params, path


def _limited(world: World) -> None:
    for _ in range(3):
        lookup(world, viewer="harvester")
    response = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": "harvester", "logged_in": True, "identity_verified": True},
            "account_ids": ["star"],
        },
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    lookup(world, viewer="someone-else")  # other viewers are not affected


def test_viewer_rate_limit_in_memory(world_factory) -> None:  # type: ignore[no-untyped-def]
    _limited(world_factory(ApiSettings(viewer_limit_per_minute=3, log_requests=False)))


def test_viewer_rate_limit_shared_through_redis(world_factory) -> None:  # type: ignore[no-untyped-def]
    url = os.environ.get("BYLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    limiter = RedisLimiter(url, prefix=f"byline:test:{uuid.uuid4().hex}:")  # fresh counters
    try:
        limiter.ping()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"no Redis at {url}: {exc}")
    settings = ApiSettings(viewer_limit_per_minute=3, log_requests=False)
    first = world_factory(settings, limiter)
    _limited(first)
    limiter.close()


def test_key_rate_limit(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(ApiSettings(key_limit_per_minute=2, log_requests=False))
    lookup(world, viewer="a")
    lookup(world, viewer="b")
    response = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": "c", "logged_in": True, "identity_verified": True},
            "account_ids": ["star"],
        },
    )
    assert response.status_code == 429


@pytest.mark.parametrize("fast_path", [True, False])
def test_lookups_are_kept_per_day_and_viewer_rule_for_the_report(
    world_factory: Any, fast_path: bool
) -> None:
    """Each lookup is counted in memory, never written on the way; a flush adds the counts to
    the day's rows, and the report reads them: answered, not disclosed, withheld per rule.
    The same through the fast path and the documented route."""

    world = world_factory(ApiSettings(log_requests=False, label_fast_path=fast_path))
    services = world.app.state.byline.services
    lookup(world)  # verified: star and org answered, four not disclosed
    lookup(world, viewer="v2")
    lookup(world, logged_in=False, viewer="v3")  # weibo hides names from the logged out: six
    day = NOW.date()
    before = services.reports.build("weibo", day, day)["label_lookups"]
    assert before["answered"] == 0  # counted in memory only, so far
    assert services.lookups.flush() == 18
    assert services.lookups.flush() == 0
    lookup(world, flags=("sanctioned",), viewer="v4")
    services.lookups.flush()
    kept = services.reports.build("weibo", day, day)["label_lookups"]
    assert kept == {
        "days_counted": 1,
        "answered": 4,
        "not_disclosed": 8,
        "withheld": 12,
        "withheld_by_rule": {"logged_out": 6, "sanctioned": 6},
    }
    # another platform's lookups are its own
    assert services.reports.build("douyin", day, day)["label_lookups"]["days_counted"] == 0
