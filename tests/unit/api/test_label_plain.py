"""The label fast path's plain reading of a lookup is held to ``LabelsIn``: whatever it accepts,
pydantic accepts with the same values; what it leaves to pydantic is only ever a body in
another shape, never a plain one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from byline.api._label_path import Asked, _plain
from byline.api._schemas import LabelsIn
from byline.domain.vocabulary import ViewerCondition

_edges = st.sampled_from(
    ["", "a\nb", "\x00", "\x1f", "\x7f", "\x9f", "\xa0", "é", "王", " x ", "x" * 200, "x" * 201]
)
_texts = st.one_of(st.text(max_size=4), _edges)
_others = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.floats(0, 1), st.builds(list), st.builds(dict)
)
_any = st.one_of(_texts, _others)
_conditions = [c.value for c in ViewerCondition]
_not_conditions = st.sampled_from(["", "x", "LOGGED_OUT", "logged_out ", "Risky"])
_ok = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=8)


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    """A well-formed lookup with a few of its parts changed: each to a value at or past a limit
    of ``LabelsIn``, of another type, or left out, or a field added."""
    viewer: dict[str, Any] = {
        "id": draw(_ok),
        "logged_in": draw(st.booleans()),
        "identity_verified": draw(st.booleans()),
    }
    if draw(st.booleans()):
        viewer["flags"] = draw(st.lists(st.sampled_from(_conditions), max_size=6))
    body: dict[str, Any] = {
        "viewer": viewer,
        "account_ids": draw(st.lists(_ok, min_size=1, max_size=3)),
    }
    for _ in range(draw(st.integers(0, 3))):
        change = draw(st.integers(0, 9))
        if change == 0:
            body[draw(st.sampled_from(["viewer", "account_ids", "extra"]))] = draw(_any)
        elif change == 1:
            body.pop(draw(st.sampled_from(["viewer", "account_ids"])), None)
        elif change in (2, 3) and isinstance(body.get("viewer"), dict):
            field = draw(st.sampled_from(["id", "logged_in", "identity_verified", "flags", "x"]))
            if draw(st.integers(0, 4)) == 0:
                body["viewer"].pop(field, None)
            else:
                body["viewer"][field] = draw(_any)
        elif change == 4 and isinstance(body.get("viewer"), dict):
            flag = st.one_of(st.sampled_from(_conditions), _not_conditions, _any)
            flags = draw(st.lists(flag, max_size=8))
            body["viewer"]["flags"] = flags
        elif change == 5:
            body["account_ids"] = draw(st.sampled_from([[], ["a"] * 100, ["a"] * 101]))
        elif change in (6, 7) and isinstance(body.get("account_ids"), list):
            body["account_ids"] = [*body["account_ids"], draw(_any)]
        elif change == 8 and isinstance(body.get("viewer"), dict):
            body["viewer"]["id"] = draw(_edges)
        elif change == 9:  # not an object at all
            return json.dumps(draw(st.sampled_from([[], "x", 1, None]))).encode()
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode()


def _pydantic(body: bytes) -> Asked | None:
    try:
        return Asked.of(LabelsIn.model_validate_json(body))
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None)
@given(_bodies())
def test_what_the_plain_reading_accepts_pydantic_accepts_alike(body: bytes) -> None:
    plain = _plain(body)
    if plain is not None:
        assert _pydantic(body) == plain


@settings(max_examples=200, deadline=None)
@given(
    viewer_id=st.text(min_size=1, max_size=200).filter(lambda t: t.isprintable()),
    logged_in=st.booleans(),
    verified=st.booleans(),
    flags=st.lists(st.sampled_from([c.value for c in ViewerCondition]), max_size=6),
    account_ids=st.lists(
        st.text(min_size=1, max_size=200).filter(lambda t: t.isprintable()),
        min_size=1,
        max_size=100,
    ),
)
def test_a_plain_lookup_is_read_without_pydantic(
    viewer_id: str, logged_in: bool, verified: bool, flags: list[str], account_ids: list[str]
) -> None:
    viewer = {"id": viewer_id, "logged_in": logged_in, "identity_verified": verified}
    if flags:
        viewer["flags"] = flags
    body = json.dumps({"viewer": viewer, "account_ids": account_ids}).encode()
    expected = _pydantic(body)
    assert expected is not None
    assert _plain(body) == expected


def test_lenient_values_are_left_to_pydantic() -> None:
    lenient = {
        "viewer": {"id": "v", "logged_in": "true", "identity_verified": 1},
        "account_ids": ["a"],
    }
    body = json.dumps(lenient).encode()
    assert _plain(body) is None
    assert _pydantic(body) == Asked("v", True, True, (), ["a"])


_V = {"id": "v", "logged_in": True, "identity_verified": False}


@pytest.mark.parametrize(
    "body",
    [
        {"viewer": {**_V, "id": "x" * 200}, "account_ids": ["a"]},
        {"viewer": {**_V, "id": "x" * 201}, "account_ids": ["a"]},
        {"viewer": {**_V, "id": ""}, "account_ids": ["a"]},
        {"viewer": {**_V, "flags": ["risky"] * 6}, "account_ids": ["a"]},
        {"viewer": {**_V, "flags": ["risky"] * 7}, "account_ids": ["a"]},
        {"viewer": _V, "account_ids": ["a"] * 100},
        {"viewer": _V, "account_ids": ["a"] * 101},
        {"viewer": _V, "account_ids": []},
        {"viewer": _V, "account_ids": ["x" * 200]},
        {"viewer": _V, "account_ids": ["x" * 201]},
        {"viewer": _V, "account_ids": ["a\x85"]},
        {"viewer": _V, "account_ids": ["a\xa0"]},
    ],
)
def test_at_each_limit_the_plain_reading_agrees(body: dict[str, object]) -> None:
    raw = json.dumps(body).encode()
    expected = _pydantic(raw)
    assert _plain(raw) == expected
