"""The label cache: what this process changes applies at once, what another process changes
within the configured time, and the cache never mixes platforms or keeps a stale read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, update

import byline.cases._labels as case_labels
import byline.service.labels as labels_module
from byline.cases import _tables as case_tables
from byline.cases._tables import label_versions
from byline.domain.labels import Viewer
from byline.domain.vocabulary import AccountKind, ErasureReason
from byline.policy import read_policy_source
from byline.service.cycle import run_cycle
from byline.service.labels import REREAD_S, LabelCache, lookup_labels
from byline.service.policies import PolicyText, activate
from byline.service.programme import Actor, Programme
from byline.store import Database
from byline.vault import LocalKeyProvider, Vault

from factories import write_snapshot

NOW = dt.datetime(2023, 10, 25, 9, 0, tzinfo=dt.UTC)
SEES = Viewer.of(True, True)
ACTOR = Actor("test")


class Ticks:
    """The cache's clock (monotonic seconds), moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Two:
    """Two programmes over the same data, as two processes would be: ``here`` serves labels
    through ``cache``; ``there`` is another worker (its commits do not reach ``cache``)."""

    here: Programme
    there: Programme
    cache: LabelCache
    ticks: Ticks

    def label(self, account_id: str, platform: str = "weibo") -> object:
        return lookup_labels(self.here, platform, SEES, [account_id], self.cache).labels[account_id]


@pytest.fixture
def two(engine: Engine, tmp_path: Path) -> Iterator[Two]:
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000},
        {"account_id": "quiet", "kind": "individual", "category": "law", "followers": 1_200_000},
        {"account_id": "small", "kind": "individual", "category": "law", "followers": 1_000},
    ]
    snapshot = write_snapshot(tmp_path / "snapshot.parquet", rows)
    provider = LocalKeyProvider.ephemeral()
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            here_db, there_db = Database(engine, conn), Database(engine, conn)
            here = Programme(here_db, Vault(provider), lambda: NOW, provider)
            there = Programme(there_db, Vault(provider), lambda: NOW, provider)
            for platform, start in (
                ("weibo", dt.date(2023, 10, 16)),
                ("douyin", dt.date(2023, 11, 1)),
            ):
                run_cycle(there_db, snapshot, platform, start)
            there.submit("weibo", "star", "王高飞", consent=True, actor=ACTOR)
            there.approve("weibo", "star", actor=ACTOR)
            ticks = Ticks()
            yield Two(here, there, LabelCache(1.0, clock=ticks).follow(here_db), ticks)
        finally:
            outer.rollback()


def test_a_label_erased_here_disappears_at_once(two: Two) -> None:
    assert two.label("star") == {"name": "王高飞", "kind": "individual", "since": NOW.isoformat()}
    two.here.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    assert two.label("star") is None  # same instant: no stale name from memory


def test_a_label_withdrawn_here_disappears_at_once(two: Two) -> None:
    assert two.label("small") is None
    two.here.volunteer("weibo", "small", "Liu Yang", AccountKind.INDIVIDUAL, actor=ACTOR)
    two.here.approve("weibo", "small", actor=ACTOR)
    assert two.label("small") == {
        "name": "Liu Yang",
        "kind": "individual",
        "since": NOW.isoformat(),
    }
    two.here.withdraw("weibo", "small", actor=ACTOR)
    assert two.label("small") is None


def test_a_change_made_elsewhere_shows_within_the_configured_time(two: Two) -> None:
    assert two.label("star") is not None
    assert two.label("quiet") is None  # not disclosed: the "none" answer is kept too
    two.there.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.there.approve("weibo", "quiet", actor=ACTOR)
    two.ticks.now += 0.9
    assert two.label("star") is not None and two.label("quiet") is None  # within the bound
    two.ticks.now += 0.2
    assert two.label("star") is None
    assert two.label("quiet") == {"name": "Sun Li", "kind": "individual", "since": NOW.isoformat()}


def test_an_answer_is_served_no_longer_than_the_configured_time_after_its_reading(
    two: Two,
) -> None:
    assert two.label("star") is not None  # the first period: 100.0 to 101.0
    two.ticks.now += 0.6
    assert two.label("quiet") is None  # read at 100.6
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.there.approve("weibo", "quiet", actor=ACTOR)
    two.ticks.now += 0.3  # 100.9: within the time, memory may answer
    assert two.label("quiet") is None
    two.ticks.now += 0.8  # 101.7: more than the time after the reading
    assert two.label("quiet") is not None


@pytest.fixture
def id_reads(engine: Engine) -> Iterator[list[str]]:
    """The statements that read a platform's disclosed account ids, as the database got them."""
    seen: list[str] = []

    wanted = str(case_labels._LIVE_IDS.compile(engine)).split()

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.split() == wanted:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


def test_accounts_not_disclosed_are_answered_without_reading_their_labels(
    two: Two, monkeypatch: pytest.MonkeyPatch, id_reads: list[str]
) -> None:
    read = labels_module._read_labels
    asked: list[list[str]] = []

    def counted(programme: Programme, conn: object, platform: str, ids: list[str]) -> object:
        asked.append(list(ids))
        return read(programme, conn, platform, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(labels_module, "_read_labels", counted)
    feed = ["quiet", "small", "never-seen", "star"]
    looked = lookup_labels(two.here, "weibo", SEES, feed, two.cache)
    assert [a for a, label in looked.labels.items() if label] == ["star"]
    assert asked == [["star"]]  # only the disclosed account's label and name were read
    assert len(id_reads) == 1
    for step in range(3):  # the version is checked each period; nothing moved: nothing read
        two.ticks.now += 1.1
        again = lookup_labels(two.here, "weibo", SEES, ["quiet", f"new-{step}"], two.cache)
        assert set(again.labels.values()) == {None}
    assert asked == [["star"]] and len(id_reads) == 1
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.there.approve("weibo", "quiet", actor=ACTOR)
    two.ticks.now += 1.1  # the version moved: the ids are read again, then the new label
    assert two.label("quiet") == {"name": "Sun Li", "kind": "individual", "since": NOW.isoformat()}
    assert asked == [["star"], ["quiet"]] and len(id_reads) == 2


def test_a_change_that_did_not_raise_the_version_shows_after_the_reread_time(
    two: Two, id_reads: list[str]
) -> None:
    assert two.label("star") is not None
    # As a process running code from before label versions would: the label comes down, the
    # version stays where it was.
    with two.there.db.transaction() as conn:
        conn.execute(
            update(case_tables.labels)
            .where(case_tables.labels.c.account_id == "star")
            .values(live=False)
        )
    # Answers expire; the ids, and the labels read with them (names sealed), are still
    # trusted while the version stands, for at most REREAD_S.
    two.ticks.now += REREAD_S - 1
    two.label("star")
    assert len(id_reads) == 1
    two.ticks.now += 2
    assert two.label("star") is None and len(id_reads) == 2


def test_disclosed_labels_read_once_are_answered_from_their_sealed_names(
    two: Two, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the answers' time, a label read before is answered without reading it again while
    the version stands: the vault opens its sealed name each time; no decrypted name is kept."""
    read = labels_module._read_labels
    asked: list[list[str]] = []

    def counted(programme: Programme, conn: object, platform: str, ids: list[str]) -> object:
        asked.append(list(ids))
        return read(programme, conn, platform, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(labels_module, "_read_labels", counted)
    star = {"name": "王高飞", "kind": "individual", "since": NOW.isoformat()}
    assert two.label("star") == star
    for _ in range(3):
        two.ticks.now += 2.5  # every answer expired and dropped
        assert two.label("star") == star
    assert asked == [["star"]]
    held = repr(two.cache._live["weibo"])
    assert "王高飞" not in held and "王高飞".encode() not in held.encode()
    two.there.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    two.ticks.now += 1.1  # the version moved: nothing read before it is served
    assert two.label("star") is None
    two.here.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.here.approve("weibo", "quiet", actor=ACTOR)
    assert two.label("quiet") is not None
    two.here.erase("weibo", "quiet", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    assert not two.cache._live  # here: at once, sealed names too
    assert two.label("quiet") is None


def test_too_many_disclosed_accounts_to_hold_are_looked_up_one_by_one(
    two: Two, id_reads: list[str]
) -> None:
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.there.approve("weibo", "quiet", actor=ACTOR)
    small = LabelCache(1.0, max_items=1, clock=two.ticks)  # two disclosed: more than it holds
    looked = lookup_labels(two.here, "weibo", SEES, ["quiet", "star", "small"], small)
    assert {a for a, label in looked.labels.items() if label} == {"quiet", "star"}
    for _ in range(3):  # nothing moved: the ids are not read again, every answer still right
        two.ticks.now += 1.1
        looked = lookup_labels(two.here, "weibo", SEES, ["quiet", "star", "small"], small)
        assert {a for a, label in looked.labels.items() if label} == {"quiet", "star"}
    assert len(id_reads) == 1
    two.there.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    two.ticks.now += 1.1
    looked = lookup_labels(two.here, "weibo", SEES, ["quiet", "star", "small"], small)
    assert {a for a, label in looked.labels.items() if label} == {"quiet"}
    assert len(id_reads) == 2


def test_every_label_change_raises_its_platform_version_once_per_transaction(
    two: Two, engine: Engine
) -> None:
    def versions() -> dict[str, int]:
        with two.here.db.reading() as conn:
            rows = conn.execute(select(label_versions.c.platform, label_versions.c.version))
            return {platform: version for platform, version in rows}

    before = versions()
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    assert versions() == before  # a name submitted changes no label
    two.there.approve("weibo", "quiet", actor=ACTOR)  # the label goes up: one raise
    assert versions() == {**before, "weibo": before["weibo"] + 1}
    two.there.erase(
        "weibo", "quiet", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST
    )  # erase and down
    assert versions() == {**before, "weibo": before["weibo"] + 2}
    source, _ = read_policy_source("douyin")
    with two.there.db.transaction() as conn:
        newer = source.replace('version = "2023.12"', 'version = "2023.12-b"')
        activate(conn, PolicyText(newer, "test"), actor="test", now=NOW)
    assert versions() == {
        **before,
        "weibo": before["weibo"] + 2,
        "douyin": before.get("douyin", 0) + 1,
    }


def test_viewer_rules_activated_here_apply_at_once_and_elsewhere_within_the_time(
    two: Two,
) -> None:
    banned = Viewer.of(True, True, ["banned"])  # Weibo named no banned rule
    assert lookup_labels(two.here, "weibo", banned, ["star"], two.cache).labels["star"]
    source, _ = read_policy_source("weibo")
    stricter = source.replace('"sanctioned"]', '"sanctioned", "banned"]').replace(
        'version = "2023.12"', 'version = "2023.12-b"'
    )
    assert stricter != source
    with two.there.db.transaction() as conn:
        activate(conn, PolicyText(stricter, "test"), actor="test", now=NOW)
    assert lookup_labels(two.here, "weibo", banned, ["star"], two.cache).labels["star"]
    two.ticks.now += 1.1
    hidden = lookup_labels(two.here, "weibo", banned, ["star"], two.cache)
    assert hidden.labels["star"] is None and hidden.hidden_by == ("banned",)
    with two.here.db.transaction() as conn:
        activate(conn, PolicyText(source, "test"), actor="test", now=NOW)
    assert lookup_labels(two.here, "weibo", banned, ["star"], two.cache).labels["star"]


def test_one_platform_label_is_never_served_on_another(two: Two) -> None:
    assert two.label("star", "weibo") is not None
    assert two.label("star", "douyin") is None  # same account id, not disclosed on Douyin
    two.here.submit("douyin", "star", "Wang G.", consent=True, actor=ACTOR)
    two.here.approve("douyin", "star", actor=ACTOR)
    assert two.label("star", "douyin")["name"] == "Wang G."  # type: ignore[index]
    assert two.label("star", "weibo")["name"] == "王高飞"  # type: ignore[index]


def test_an_answer_read_before_a_change_here_is_not_kept(
    two: Two, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = labels_module._read_labels

    def erased_while_reading(*args: object) -> object:
        answer = read(*args)  # type: ignore[arg-type]
        two.here.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
        return answer

    monkeypatch.setattr(labels_module, "_read_labels", erased_while_reading)
    assert two.label("star") is not None  # read before the erasure committed
    monkeypatch.setattr(labels_module, "_read_labels", read)
    assert two.label("star") is None  # ...and not kept after it


def test_zero_seconds_keeps_nothing(two: Two) -> None:
    uncached = LabelCache(0).follow(two.here.db)
    assert lookup_labels(two.here, "weibo", SEES, ["star"], uncached).labels["star"]
    two.there.erase("weibo", "star", actor=ACTOR, reason=ErasureReason.ERASURE_REQUEST)
    assert lookup_labels(two.here, "weibo", SEES, ["star"], uncached).labels["star"] is None
    assert len(uncached) == 0


def test_the_cache_is_bounded_and_drops_what_expired(two: Two) -> None:
    two.there.submit("weibo", "quiet", "Sun Li", consent=True, actor=ACTOR)
    two.there.approve("weibo", "quiet", actor=ACTOR)
    small = LabelCache(1.0, max_items=1, clock=two.ticks)  # too small for the disclosed ids
    looked = lookup_labels(two.here, "weibo", SEES, ["star", "quiet", "a"], small)
    assert looked.shown == 2 and looked.labels["a"] is None
    assert len(small) == 0  # a batch larger than the cache is answered, not kept
    lookup_labels(two.here, "weibo", SEES, ["star"], small)
    assert len(small) == 1
    lookup_labels(two.here, "weibo", SEES, ["c"], small)
    assert len(small) == 1  # full of fresh answers: started again
    hidden = Viewer.of(False, True)  # reads nothing, keeps nothing
    two.ticks.now += 1.5
    lookup_labels(two.here, "weibo", hidden, ["star"], small)
    assert len(small) == 1  # expired, no longer served, held until the next period ends
    two.ticks.now += 1.0
    lookup_labels(two.here, "weibo", hidden, ["star"], small)
    assert len(small) == 0  # dropped within twice the time, names and all


def test_hidden_viewers_and_batches_count_like_before(two: Two) -> None:
    hidden = lookup_labels(two.here, "weibo", Viewer.of(False, False), ["star", "x"], two.cache)
    assert hidden.labels == {"star": None, "x": None}
    assert hidden.hidden_by == ("logged_out", "unverified") and hidden.shown == 0
    seen = lookup_labels(two.here, "weibo", SEES, ["star", "star", "x"], two.cache)
    assert list(seen.labels) == ["star", "x"] and seen.shown == 1
    again = lookup_labels(two.here, "weibo", SEES, ["x", "star"], two.cache)  # from memory
    assert list(again.labels) == ["x", "star"] and again.shown == 1
    again.labels["star"]["name"] = "changed"  # type: ignore[index]
    assert two.label("star")["name"] == "王高飞"  # type: ignore[index]
    with pytest.raises(ValueError, match="at most 100"):
        lookup_labels(two.here, "weibo", SEES, [str(i) for i in range(101)], two.cache)
