"""Input built to break the API (issue #12): each answered with a problem, never a 500."""

from __future__ import annotations

import pytest

from conftest import World

DEEP = {
    "arrays": "a = " + "[" * 500 + "]" * 500,
    "inline-tables": "a = " + "{ b = " * 500 + "1" + " }" * 500,
}


@pytest.mark.parametrize("source", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_policy_is_a_422_problem(world: World, source: str) -> None:
    shadow = world.client.post(
        "/v1/platforms/weibo/policies/shadow",
        headers=world.key("platform"),
        json={"source": source, "snapshot": world.snapshot.name, "as_of": "2023-11-01"},
    )
    activation = world.client.post(
        "/v1/platforms/weibo/policies/activation",
        headers=world.key("admin"),
        json={"source": source},
    )
    for answer in (shadow, activation):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == (
            "uploaded policy:1: values nested more than 16 deep; a policy needs two or three"
        )


def test_cycle_on_a_csv_with_a_quoted_line_break_is_read(world: World) -> None:
    folder = world.snapshot.parent / "weibo"
    (folder / "s.csv").write_text(
        "account_id,kind,category,followers,handle\n"
        'star,individual,finance,3000000,"two\nlines"\n'
        "fresh,individual,finance,1300000,f\n"
    )
    answer = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": "s.csv", "as_of": "2023-10-30"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["evaluation"]["read"] == 2


def test_cycle_on_a_csv_the_reader_refuses_is_a_422_naming_the_file(world: World) -> None:
    folder = world.snapshot.parent / "weibo"
    rows = "".join(f"a{i:06d},individual,finance,600000\n" for i in range(60_000))
    (folder / "bad.csv").write_bytes(
        ("account_id,kind,category,followers\n" + rows).encode() + b"z\xff,individual,finance,1\n"
    )
    answer = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": "bad.csv", "as_of": "2023-10-30"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith(f"{folder / 'bad.csv'}: cannot be read: ")
