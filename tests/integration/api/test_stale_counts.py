"""An older count never moves a case or a label, from any door: the attack that put a name back
on a profile below the floor, replayed through the API's counts route and its cycles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from byline import audit, cases
from byline.cases import _tables as case_tables
from conftest import NAMES, World


def push(world: World, as_of: str, *rows: tuple[str, int]) -> Any:
    response = world.client.post(
        "/v1/platforms/weibo/follower-counts",
        headers=world.key("platform"),
        json={
            "as_of": as_of,
            "counts": [
                {"account_id": a, "kind": "individual", "category": "finance", "followers": f}
                for a, f in rows
            ],
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def shown(world: World, account_id: str) -> str | None:
    response = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": "v-1", "logged_in": True, "identity_verified": True, "flags": []},
            "account_ids": [account_id],
        },
    )
    assert response.status_code == 200, response.text
    label = response.json()["labels"][account_id]
    return None if label is None else str(label["name"])


def state(world: World, account_id: str) -> str:
    with world.programme.db.reading() as conn:
        case = cases.open_case(conn, "weibo", account_id)
    assert case is not None
    return case.state.value


def stale_entries(world: World) -> list[dict[str, Any]]:
    with world.programme.db.reading() as conn:
        return [e for e in audit.entries_for(conn) if e["action"] == "observation:stale"]


def test_an_older_push_does_not_put_a_name_back_below_the_floor(world: World) -> None:
    assert shown(world, "star") == NAMES["star"]
    down = push(world, "2023-11-20", ("star", 300_000))
    assert down["stale"] == 0 and shown(world, "star") is None
    assert state(world, "star") == "verified"

    late = push(world, "2023-11-01", ("star", 3_000_000))

    assert late["stale"] == 1 and late["accepted"] == 1
    assert shown(world, "star") is None and state(world, "star") == "verified"
    [entry] = stale_entries(world)
    assert entry["detail"]["as_of"] == "2023-11-01"
    assert entry["detail"]["newest_on_file"] == "2023-11-20"
    with world.programme.db.reading() as conn:
        case = cases.open_case(conn, "weibo", "star")
    assert case is not None and case.metrics["followers"] == 300_000


def test_a_push_as_of_the_same_day_applies(world: World) -> None:
    push(world, "2023-11-20", ("star", 300_000))
    again = push(world, "2023-11-20", ("star", 3_000_000))
    assert again["stale"] == 0 and shown(world, "star") == NAMES["star"]


def test_a_push_older_than_the_newest_cycle_is_stale(world: World) -> None:
    # The fixture's cycle as of 2023-10-16 observed the whole platform.
    result = push(world, "2023-10-01", ("star", 100_000), ("newcomer", 9_000_000))
    assert result["stale"] == 2 and result.get("case:opened") is None
    assert shown(world, "star") == NAMES["star"]
    with world.programme.db.reading() as conn:
        assert cases.latest_case(conn, "weibo", "newcomer") is None


def test_an_older_cycle_is_refused_and_a_newer_one_leaves_newer_counts_alone(
    world: World,
) -> None:
    push(world, "2023-11-20", ("star", 300_000))
    older = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": world.snapshot.name, "as_of": "2023-10-10"},
    )
    assert older.status_code == 409
    assert "older than the platform's newest cycle" in older.json()["detail"]
    # Newer than the last cycle, older than the push: the snapshot says 3,000,000 again.
    between = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": world.snapshot.name, "as_of": "2023-10-30"},
    )
    assert between.status_code == 200, between.text
    assert between.json()["stale"] == 1
    assert shown(world, "star") is None and state(world, "star") == "verified"
    details = [e["detail"] for e in stale_entries(world)]
    assert {d.get("source") for d in details} >= {"cycle"}
    assert any(d.get("observed_on") == "2023-10-30" for d in details)  # the case's own entry


def test_rows_sharing_an_account_in_one_batch_are_all_rejected(world: World) -> None:
    result = push(
        world,
        "2023-11-20",
        ("star", 300_000),
        ("newcomer", 2_000_000),
        ("star", 3_000_000),
    )
    assert (result["read"], result["accepted"], result["rejected"]) == (3, 1, 2)
    assert [r["index"] for r in result["rejects"]] == [0, 2]
    assert all(r["field"].endswith(".account_id") for r in result["rejects"])
    assert "rows 0, 2" in result["rejects"][0]["reason"]
    assert shown(world, "star") == NAMES["star"]  # neither row applied
    assert result["case:opened"] == 1  # the rest were
    with world.programme.db.reading() as conn:
        rows = conn.execute(select(case_tables.observations.c.account_id)).scalars().all()
    assert rows == ["newcomer"]
