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
