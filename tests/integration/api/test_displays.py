"""Name displays through the API, on SQLite and PostgreSQL: counted on the label path, written
in batches (two workers' counts merged), shown to the creator per day and viewer class with
the classes the policy hides names from; harvesting signals for a scraper that spreads its
requests under every rate limit and over two workers; purge after the retention; the staff
read (through the service and over HTTP: reviewer and admin keys), audited with its reason,
filters and request id."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from byline.api import ApiSettings
from byline.audit._tables import audit_log
from byline.displays import display_counts, display_records
from byline.service import Services
from byline.service.access import Role, create_api_key, issue_creator_token, register_creator_key
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from byline.store import Database
from byline.vault import LocalKeyProvider, Vault
from byline.web import create_app

from factories import write_snapshot

START = dt.datetime(2023, 10, 25, 9, 0, 30, tzinfo=dt.UTC)
DISCLOSED = [f"acct-{i:02d}" for i in range(12)]
VERIFIED = {"logged_in": True, "identity_verified": True}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Site:
    db: Database
    programme: Programme
    clock: Clock
    secret: str

    def worker(self, **settings: Any) -> tuple[TestClient, Services]:
        """One server process: its own services (its own counter), over the same database."""
        services = Services.of(replace(self.programme.deps, clock=self.clock))
        settings.setdefault("display_flush_s", 0)
        app = create_app(services, ApiSettings(log_requests=False, **settings))
        served: Services = app.state.byline.services  # the app's own, with its folder
        return TestClient(app, raise_server_exceptions=False), served

    def key(self, role: Role = Role.LABEL) -> dict[str, str]:
        key = create_api_key(self.db, "weibo", role, actor="test", now=self.clock())
        return {"Authorization": f"Bearer {key}"}

    def creator(self, account_id: str) -> dict[str, str]:
        token = issue_creator_token(self.secret, "weibo", account_id, self.clock())
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def site(db: Database, tmp_path: Path) -> Site:
    clock = Clock()
    provider = LocalKeyProvider.ephemeral()
    programme = Programme(db, Vault(provider), clock, provider)
    rows = [
        {"account_id": a, "kind": "individual", "category": "finance", "followers": 2_000_000}
        for a in DISCLOSED
    ]
    run_cycle(db, write_snapshot(tmp_path / "s.parquet", rows), "weibo", START.date())
    for i, account in enumerate(DISCLOSED):
        programme.submit("weibo", account, f"Name {i}", consent=True, actor=Actor("creator"))
        programme.approve("weibo", account, actor=Actor("reviewer"))
    secret = register_creator_key(db, "weibo", actor="test", now=START)
    return Site(db, programme, clock, secret)


def audited(db: Database, action: str) -> list[Any]:
    with db.reading() as conn:
        return list(
            conn.execute(
                select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
            )
        )


def look(
    client: TestClient, key: dict[str, str], accounts: list[str], viewer: str = "v", **who: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/platforms/weibo/labels",
        headers=key,
        json={"viewer": {"id": viewer, **(who or VERIFIED)}, "account_ids": accounts},
    )
    assert response.status_code == 200, response.text
    labels: dict[str, Any] = response.json()["labels"]
    return labels


def test_displays_are_counted_per_day_and_class_and_shown_to_the_creator(site: Site) -> None:
    client, services = site.worker()
    key = site.key()
    look(client, key, ["acct-00", "acct-01", "unknown"])
    look(client, key, ["acct-00"], viewer="w")
    # Hidden from these viewers by the policy: nothing shown, nothing counted.
    assert not any(
        look(client, key, ["acct-00"], "anon", logged_in=False, identity_verified=False).values()
    )
    assert not any(look(client, key, ["acct-00"], "odd", **VERIFIED, flags=["sanctioned"]).values())
    assert services.displays.flush() == 3
    site.clock.advance(days=1)
    look(client, key, ["acct-00"])
    # A viewer flag the policy does not name (weibo hides from the sanctioned, not the banned).
    look(client, key, ["acct-00"], "b", **VERIFIED, flags=["banned"])
    assert services.displays.flush() == 2
    assert services.displays.flush() == 0  # nothing new

    mine = client.get("/v1/platforms/weibo/me/displays?days=3", headers=site.creator("acct-00"))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["days"] == [
        {"day": "2023-10-24", "shown": {}},
        {"day": "2023-10-25", "shown": {"verified": 2}},
        {"day": "2023-10-26", "shown": {"verified": 2}},
    ]
    assert body["total"] == 4 and body["classes"] == ["verified"]
    assert body["hidden_from"] == ["logged_out", "unverified", "abnormal", "sanctioned"]
    assert body["shown_to_hidden"] == dict.fromkeys(body["hidden_from"], 0)
    assert body["never_shown_to"] == body["hidden_from"]
    other = client.get("/v1/platforms/weibo/me/displays", headers=site.creator("acct-01"))
    assert other.json()["total"] == 1 and len(other.json()["days"]) == 30


def test_each_workers_counts_are_added_in_the_database(site: Site) -> None:
    (one, first), (two, second) = site.worker(), site.worker()
    key = site.key()
    for _ in range(3):
        look(one, key, ["acct-02"])
        look(two, key, ["acct-02"], viewer="w")
    assert first.displays.flush() == 3 and second.displays.flush() == 3
    look(one, key, ["acct-02"])  # the same minute, key, viewer and account again
    first.displays.flush()
    with site.db.reading() as conn:
        shown = conn.execute(
            select(display_counts.c.shown).where(display_counts.c.account_id == "acct-02")
        ).scalar_one()
        records = conn.execute(select(func.count()).select_from(display_records)).scalar_one()
    assert shown == 7
    assert records == 2  # (minute, key, v, acct-02) and (minute, key, w, acct-02)


def test_a_failed_write_keeps_its_displays_for_the_next(site: Site) -> None:
    client, services = site.worker()
    look(client, site.key(), ["acct-03", "acct-04"])
    with site.db.transaction() as conn:
        conn.execute(text("ALTER TABLE display_counts RENAME TO display_counts_away"))
    assert services.displays.flush_logged() == 0  # logged, not raised
    assert services.displays.failed_flushes == 1
    assert services.displays.counter.pending() == 2
    metrics = client.get("/metrics").text
    assert "byline_display_flush_failures 1.0" in metrics
    assert "byline_displays_pending 2.0" in metrics
    with site.db.transaction() as conn:
        conn.execute(text("ALTER TABLE display_counts_away RENAME TO display_counts"))
    assert services.displays.flush() == 2
    with site.db.reading() as conn:
        total = conn.execute(select(func.sum(display_counts.c.shown))).scalar_one()
        records = conn.execute(select(func.count()).select_from(display_records)).scalar_one()
    assert (total, records) == (2, 2)


def signals(client: TestClient, key: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/platforms/weibo/harvest-signals", headers=key)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_scraper_spread_under_the_limits_and_over_two_workers_is_flagged(site: Site) -> None:
    """One key, a new viewer id per request, three accounts a request, one request a minute,
    alternating between two workers: no rate limit or name budget is reached, each worker
    sees six accounts, and the platform's signal (every worker's records) sees all twelve."""
    workers = [site.worker(harvest_threshold=10), site.worker(harvest_threshold=10)]
    scraper, honest, lead = site.key(), site.key(), site.key(Role.PLATFORM)
    for i, start in enumerate(range(0, len(DISCLOSED), 3)):
        client, _ = workers[i % 2]
        shown = look(client, scraper, DISCLOSED[start : start + 3], viewer=f"anon-{i}")
        assert all(shown.values())  # never refused
        look(client, honest, DISCLOSED[:3], viewer="reader")  # a feed, again and again
        site.clock.advance(minutes=1)
    last = int(site.clock.now.timestamp()) // 60 - 1  # the minute of the last request
    for _, services in workers:
        services.displays.flush()
        here = services.displays.counter.over(6, last, "weibo")  # six accounts each...
        assert here == {} and services.displays.counter.over(5, last, "weibo")  # ...not seven
    scraper_id = scraper["Authorization"].split()[1].split(".")[0]
    found = signals(workers[0][0], lead)
    assert found["threshold"] == 10
    assert found["keys"] == [{"key_id": scraper_id, "accounts": 12}]
    assert found["viewers"] == []  # each viewer id saw three accounts
    assert signals(workers[1][0], lead) == found  # the same from either worker
    # The compliance lead's report for the day counts the key among the hours' flags.
    day = START.date()
    flags = workers[0][1].reports.build("weibo", day, day)["harvesting_flags"]
    assert (flags["keys"], flags["viewers"], flags["flagged_hours"]) == (1, 0, 1)
    earlier = (START - dt.timedelta(days=2), START - dt.timedelta(days=1))
    assert workers[0][1].displays.harvest_flags("weibo", *earlier).keys == 0  # none then

    # Below the threshold: nothing flagged.
    ((quiet, _),) = [site.worker(harvest_threshold=12)]
    assert signals(quiet, lead)["keys"] == []
    # The hour slides: the first request (minute 0) leaves the hour at minute 60.
    site.clock.now = START + dt.timedelta(minutes=59)
    assert signals(workers[0][0], lead)["keys"] == [{"key_id": scraper_id, "accounts": 12}]
    site.clock.now = START + dt.timedelta(minutes=60)  # nine accounts left in the hour
    assert signals(workers[0][0], lead)["keys"] == []


def test_the_policys_threshold_applies_without_a_server_setting(site: Site) -> None:
    client, services = site.worker()
    lead = site.key(Role.PLATFORM)
    assert signals(client, lead)["threshold"] == 200  # the default, no setting anywhere
    key = site.key()
    look(client, key, DISCLOSED, viewer="one")
    services.displays.flush()
    assert services.displays.threshold("weibo") == 200
    services.displays.harvest_threshold = 11  # as BYLINE_HARVEST_THRESHOLD sets it
    found = signals(client, lead)
    assert [v["viewer_id"] for v in found["viewers"]] == ["one"]


def test_records_past_the_retention_are_purged_and_newer_ones_kept(site: Site) -> None:
    client, services = site.worker()
    key = site.key()
    look(client, key, ["acct-05"], viewer="old")
    services.displays.flush()
    site.clock.advance(days=2)
    look(client, key, ["acct-06"], viewer="new")
    services.displays.flush()
    site.clock.advance(days=28, minutes=1)  # "old" is 30 days and a minute old, "new" 28 days
    assert [(p.platform, p.records) for p in services.displays.purge()] == [("weibo", 1)]
    with site.db.reading() as conn:
        left = conn.execute(select(display_records.c.viewer_id)).scalars().all()
    audit = audited(site.db, "displays:purged")
    assert left == ["new"]
    assert [e.detail["records"] for e in audit] == [1]
    assert audit[0].detail["retention_days"] == 30
    assert [p.records for p in services.displays.purge()] == [0]  # nothing more, no audit
    assert len(audited(site.db, "displays:purged")) == 1
    # The counts (no viewer in them) stay: the creator's view still has the old day.
    mine = client.get("/v1/platforms/weibo/me/displays?days=31", headers=site.creator("acct-05"))
    assert mine.json()["total"] == 1


def test_a_staff_read_names_a_reason_and_is_audited(site: Site) -> None:
    client, services = site.worker()
    key = site.key()
    look(client, key, ["acct-07", "acct-08"], viewer="suspect")
    look(client, key, ["acct-07"], viewer="bystander")
    services.displays.flush()
    displays = services.displays
    with pytest.raises(ValueError, match="StaffReadReason is one of"):
        displays.read("weibo", reason="because", actor="staff:ann", viewer_id="suspect")
    with pytest.raises(ValueError, match="name a viewer, an account or a key"):
        displays.read("weibo", reason="abuse_report", actor="staff:ann")
    found = displays.read("weibo", reason="abuse_report", actor="staff:ann", viewer_id="suspect")
    assert sorted(r.account_id for r in found) == ["acct-07", "acct-08"]
    assert {r.viewer_id for r in found} == {"suspect"}
    assert all(r.minute == START.replace(second=0) for r in found)
    by_account = displays.read("weibo", reason="complaint", actor="cli", account_id="acct-07")
    assert sorted(r.viewer_id for r in by_account) == ["bystander", "suspect"]
    audit = audited(site.db, "displays:read")
    assert [(e.actor, e.detail["reason"], e.detail["records"]) for e in audit] == [
        ("staff:ann", "abuse_report", 2),
        ("cli", "complaint", 2),
    ]
    assert audit[0].detail["viewer_id"] == "suspect" and audit[1].account_id == "acct-07"


READ = "/v1/platforms/weibo/displays/read"


def test_a_staff_read_over_http_answers_newest_first_and_is_audited(site: Site) -> None:
    client, services = site.worker()
    key = site.key()
    look(client, key, ["acct-07", "acct-08"], viewer="suspect")
    look(client, key, ["acct-07"], viewer="bystander")
    site.clock.advance(minutes=2)
    look(client, key, ["acct-09"], viewer="suspect")
    services.displays.flush()
    key_id = key["Authorization"].split()[1].split(".")[0]
    reviewer = site.key(Role.REVIEWER)
    reviewer_id = reviewer["Authorization"].split()[1].split(".")[0]

    answer = client.post(
        READ,
        headers={**reviewer, "x-request-id": "req-displays-1"},
        json={"reason": "abuse_report", "viewer_id": "suspect"},
    )
    assert answer.status_code == 200, answer.text
    first, later = START.replace(second=0), START.replace(second=0) + dt.timedelta(minutes=2)
    assert answer.json() == {
        "records": [
            {"minute": m.isoformat(), "key_id": key_id, "viewer_id": "suspect", "account_id": a}
            for m, a in ((later, "acct-09"), (first, "acct-07"), (first, "acct-08"))
        ]
    }
    assert "Name " not in answer.text  # ids only, never a name
    (entry,) = audited(site.db, "displays:read")
    assert (entry.actor, entry.request_id, entry.account_id) == (
        f"key:{reviewer_id}",
        "req-displays-1",
        None,
    )
    assert entry.detail == {
        "platform": "weibo",
        "reason": "abuse_report",
        "viewer_id": "suspect",
        "records": 3,
    }

    # An admin may read too; the filters combine, the limit cuts the oldest.
    answer = client.post(
        READ,
        headers={**site.key(Role.ADMIN), "x-request-id": "req-displays-2"},
        json={"reason": "complaint", "account_id": "acct-07", "key_id": key_id, "limit": 1},
    )
    assert answer.status_code == 200, answer.text
    assert [(r["viewer_id"], r["account_id"]) for r in answer.json()["records"]] == [
        ("bystander", "acct-07")
    ]
    entry = audited(site.db, "displays:read")[1]
    assert (entry.request_id, entry.account_id) == ("req-displays-2", "acct-07")
    assert entry.detail == {
        "platform": "weibo",
        "reason": "complaint",
        "key_id": key_id,
        "records": 1,
    }


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    return problem


def test_a_staff_read_over_http_is_refused_without_role_filter_or_reason(site: Site) -> None:
    client, _ = site.worker()
    reviewer = site.key(Role.REVIEWER)
    asked = {"reason": "abuse_report", "viewer_id": "suspect"}
    for role in (Role.LABEL, Role.PLATFORM):  # keys of the platform, not of staff
        problem = _problem(client.post(READ, headers=site.key(role), json=asked), 403)
        assert problem["detail"] == "this route needs a key with role reviewer or admin"
    _problem(client.post(READ, json=asked), 401)

    problem = _problem(client.post(READ, headers=reviewer, json={"reason": "abuse_report"}), 422)
    assert [e["field"] for e in problem["errors"]] == [
        "body.viewer_id",
        "body.account_id",
        "body.key_id",
    ]
    bad = {
        "body.reason": {**asked, "reason": "Zhang Wei asked"},
        "body.limit": {**asked, "limit": 1001},
        "body.viewer_id": {**asked, "viewer_id": "suspect\nforged line"},
        "body.account_id": {**asked, "account_id": ""},
    }
    for field, body in bad.items():
        answer = client.post(READ, headers=reviewer, json=body)
        assert [e["field"] for e in _problem(answer, 422)["errors"]] == [field]
        assert "Zhang" not in answer.text and "forged" not in answer.text
    assert audited(site.db, "displays:read") == []  # nothing read, nothing audited


def test_a_staff_read_of_an_unknown_platform_is_refused_as_elsewhere(site: Site) -> None:
    client, _ = site.worker()
    reviewer = site.key(Role.REVIEWER)
    asked = {"reason": "abuse_report", "viewer_id": "suspect"}
    # Another platform than the key's: the 403 of every platform route.
    read = client.post("/v1/platforms/nowhere/displays/read", headers=reviewer, json=asked)
    queue = client.get("/v1/platforms/nowhere/review/queue", headers=reviewer)
    assert _problem(read, 403)["detail"] == _problem(queue, 403)["detail"]
    # Not a platform id at all: the 422 naming the path's platform, as the signals give it.
    read = client.post("/v1/platforms/No%20Such/displays/read", headers=reviewer, json=asked)
    signals = client.get("/v1/platforms/No%20Such/harvest-signals", headers=site.key())
    assert {e["field"] for e in _problem(read, 422)["errors"]} == {"path.platform"}
    assert _problem(read, 422)["errors"] == _problem(signals, 422)["errors"]
    # A key of a platform without a policy in force: the 404 the harvesting signals give.
    staff = create_api_key(site.db, "nowhere", Role.ADMIN, actor="test", now=site.clock())
    headers = {"Authorization": f"Bearer {staff}"}
    read = client.post("/v1/platforms/nowhere/displays/read", headers=headers, json=asked)
    signals = client.get("/v1/platforms/nowhere/harvest-signals", headers=headers)
    assert _problem(read, 404)["detail"] == _problem(signals, 404)["detail"]
    assert audited(site.db, "displays:read") == []


def _writers() -> set[threading.Thread]:
    names = {"byline-displays", "byline-lookup-tallies"}
    return {t for t in threading.enumerate() if t.name in names and t.is_alive()}


@pytest.mark.parametrize("every_s", [0, 60])
def test_what_was_counted_is_written_when_the_server_stops(site: Site, every_s: float) -> None:
    """The API's lifespan starts the label lookup tallies' writer, and the displays' (its first
    write a minute away) unless its interval is 0; stopping the server stops them and writes
    what is left of both."""
    services = Services.of(replace(site.programme.deps, clock=site.clock))
    app = create_app(services, ApiSettings(log_requests=False, display_flush_s=every_s))
    served: Services = app.state.byline.services
    before = _writers()
    with TestClient(app, raise_server_exceptions=False) as client:  # starts and stops it
        started = {t.name for t in _writers() - before}
        look(client, site.key(), ["acct-09", "acct-10"])
        with site.db.reading() as conn:
            assert conn.execute(select(func.count()).select_from(display_counts)).scalar() == 0
    assert "byline-lookup-tallies" in started
    assert ("byline-displays" in started) == bool(every_s)
    assert not _writers() - before  # stopped
    with site.db.reading() as conn:
        total = conn.execute(select(func.sum(display_counts.c.shown))).scalar_one()
    assert total == 2
    day = site.clock().date()
    assert served.reports.build("weibo", day, day)["label_lookups"]["answered"] == 2
    assert served.lookups.flush() == 0  # nothing left in memory
