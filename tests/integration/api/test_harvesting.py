"""Harvesting is bounded by names, not requests: a scraper that sends a new viewer id with every
request of 100 accounts was never stopped; now each key and each viewer may be shown only so
many distinct disclosed names an hour, the key's budget the hard cap whatever viewers it claims.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from byline.api import ApiSettings, RedisLimiter
from byline.service import Services
from byline.service.access import Role, create_api_key
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database
from byline.vault import LocalKeyProvider, Vault
from byline.web import create_app
from conftest import NOW

from factories import write_snapshot

DISCLOSED = [f"acct-{i:02d}" for i in range(12)]


@dataclass
class Site:
    programme: Programme
    db: Database

    def app(
        self, limiter: Any = None, **settings: Any
    ) -> TestClient:  # one server process (worker)
        # Without a limiter the app makes its own, as a server does (in memory: its share).
        app = create_app(
            Services.of(self.programme.deps), ApiSettings(log_requests=False, **settings), limiter
        )
        return TestClient(app, raise_server_exceptions=False)

    def key(self, budget: int | None = None) -> dict[str, str]:
        key = create_api_key(
            self.db, "weibo", Role.LABEL, actor="test", now=NOW, name_budget=budget
        )
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def site(db: Database, tmp_path: Path) -> Site:
    provider = LocalKeyProvider.ephemeral()
    programme = Programme(db, Vault(provider), lambda: NOW, provider)
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": 2_000_000}
        for a in DISCLOSED
    ]
    run_cycle(db, write_snapshot(tmp_path / "s.parquet", rows), "weibo", NOW.date())
    for i, account in enumerate(DISCLOSED):
        programme.submit("weibo", account, f"Name {i}", consent=True, actor=Actor("creator"))
        programme.approve("weibo", account, actor=Actor("reviewer"))
    return Site(programme, db)


def look(
    client: TestClient, key: dict[str, str], accounts: list[str], viewer: str = "v", **who: Any
) -> Any:
    return client.post(
        "/v1/platforms/weibo/labels",
        headers=key,
        json={
            "viewer": {"id": viewer, "logged_in": True, "identity_verified": True, **who},
            "account_ids": accounts,
        },
    )


def names_obtained(client: TestClient, key: dict[str, str], *, new_viewer_each_time: bool) -> int:
    """The scraper: every disclosed account, three at a time, until refused."""
    got: set[str] = set()
    for start in range(0, len(DISCLOSED), 3):
        viewer = uuid.uuid4().hex if new_viewer_each_time else "scraper"
        response = look(client, key, [*DISCLOSED[start : start + 3], "unknown"], viewer)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["title"] == "Too many names"
            break
        assert response.status_code == 200, response.text
        got |= {a for a, label in response.json()["labels"].items() if label}
    return len(got)


def over_budget(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    counted = {}
    for line in text.splitlines():
        if line.startswith("byline_name_budget_exceeded_total{"):
            scope = line.split('scope="')[1].split('"')[0]
            counted[scope] = float(line.rsplit(" ", 1)[1])
    return counted


def test_one_viewer_is_stopped_at_its_budget_of_names(site: Site) -> None:
    client = site.app(viewer_name_budget_per_hour=5)
    assert names_obtained(client, site.key(), new_viewer_each_time=False) == 3  # 6 > 5
    assert over_budget(client) == {"viewer": 1.0}


def test_a_new_viewer_id_per_request_is_stopped_by_the_keys_budget(site: Site) -> None:
    client = site.app(viewer_name_budget_per_hour=5, key_name_budget_per_hour=1000)
    key = site.key(budget=7)  # the key's own budget, below the server's default
    assert names_obtained(client, key, new_viewer_each_time=True) == 6  # 9 > 7
    assert over_budget(client) == {"key": 1.0}
    # Another key has a budget of its own (the server's default).
    assert names_obtained(client, site.key(), new_viewer_each_time=True) == len(DISCLOSED)


def test_names_already_shown_cost_nothing_and_hidden_ones_nothing_at_all(site: Site) -> None:
    client = site.app(viewer_name_budget_per_hour=3)
    key = site.key(budget=3)
    for _ in range(20):  # a feed shows the same profiles again and again
        assert look(client, key, DISCLOSED[:3]).status_code == 200
    # Names a viewer may not see (logged out) are never shown, so never counted.
    hidden = look(client, key, DISCLOSED, "anon", logged_in=False, identity_verified=False)
    assert hidden.status_code == 200 and not any(hidden.json()["labels"].values())
    assert look(client, key, DISCLOSED[3:4]).status_code == 429


def test_without_redis_each_worker_allows_its_share(site: Site) -> None:
    # Two worker processes, no Redis: together they allow about the budget, not twice it.
    workers = [site.app(workers=2, viewer_name_budget_per_hour=1000) for _ in range(2)]
    key = site.key(budget=8)
    got = sum(names_obtained(w, key, new_viewer_each_time=True) for w in workers)
    assert got <= 8


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("BYLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    probe = RedisLimiter(url)
    try:
        probe.ping()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"no Redis at {url}: {exc}")
    finally:
        probe.close()
    yield url


def test_through_redis_the_workers_share_one_budget(site: Site, redis_url: str) -> None:
    prefix = f"byline:test:{uuid.uuid4().hex}:"
    limiters = [RedisLimiter(redis_url, prefix=prefix, workers=2) for _ in range(2)]
    workers = [site.app(r, workers=2, viewer_name_budget_per_hour=1000) for r in limiters]
    key = site.key(budget=7)
    first = names_obtained(workers[0], key, new_viewer_each_time=True)
    assert first == 6
    # The second worker sees what the first showed: one more distinct name would pass 7.
    assert look(workers[1], key, DISCLOSED[6:9], "x").status_code == 429
    assert look(workers[1], key, DISCLOSED[:3], "y").status_code == 200  # shown before: free
    for limiter in limiters:
        limiter.close()


def test_the_hour_long_structures_are_bounded_as_configured(site: Site) -> None:
    """``BYLINE_HARVEST_WINDOW_MAX`` and ``BYLINE_NAMES_HELD_MAX`` bound what a worker holds for
    an hour: past the window's bound a minute's new accounts are not kept but counted."""
    env = {"BYLINE_HARVEST_WINDOW_MAX": "1000", "BYLINE_NAMES_HELD_MAX": "2000"}
    settings = ApiSettings.from_env(env)
    assert (settings.harvest_window_max, settings.names_held_max) == (1000, 2000)
    client = site.app(harvest_window_max=1000, names_held_max=2000)
    with client:
        state = client.app.state.byline  # type: ignore[attr-defined]
        hour = state.services.displays.counter.hour
        assert hour.max_held == 1000 and state.limiter._max_held == 2000
        key = site.key()
        for i in range(600):  # 600 viewers, 2 names each: 1,200 held for the key, 1,200 viewers'
            assert look(client, key, DISCLOSED[:2], viewer=f"v{i}").status_code == 200
        state.services.displays.flush()
        assert hour.held <= 1000 + 4 and hour.dropped > 0  # one record past the bound at most
        metrics = client.get("/metrics").text
        assert f"byline_harvest_window_dropped {float(hour.dropped)}" in metrics
