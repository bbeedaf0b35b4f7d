"""Input built to break the API (issue #12): each answered with a problem, never a 500."""

from __future__ import annotations

import pytest

from conftest import World, call_app

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


VIEWER = {"id": "v1", "logged_in": True, "identity_verified": True}


def _problem(answer: object, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    return answer.json()  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
def test_a_body_over_the_limit_is_413_before_it_is_read(world_factory, fast_path: bool) -> None:  # type: ignore[no-untyped-def]
    from byline.api import ApiSettings

    world = world_factory(ApiSettings(log_requests=False, label_fast_path=fast_path))
    huge = b'{"viewer": {}, "account_ids": ["' + b"x" * (2 << 20) + b'"]}'
    for path, key in (
        ("/v1/platforms/weibo/labels", "label"),
        ("/v1/platforms/weibo/cycles", "platform"),
    ):
        answer = world.client.post(
            path, headers={**world.key(key), "content-type": "application/json"}, content=huge
        )
        assert _problem(answer, 413)["detail"] == (
            "the request body is larger than 1048576 bytes, the most this API reads"
        )
    # Declared 60 MB: refused before a byte of the body is asked for.
    headers = [
        (b"authorization", world.key("label")["Authorization"].encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(60 << 20).encode()),
    ]
    sent = call_app(world.app, "POST", "/v1/platforms/weibo/labels", headers, [])
    assert sent[0]["status"] == 413
    # Chunked (no length): counted as it arrives, refused once past the limit, the rest unread.
    chunk = b"x" * (256 << 10)
    stream = [{"type": "http.request", "body": b'{"account_ids": ["', "more_body": True}]
    stream += [{"type": "http.request", "body": chunk, "more_body": True} for _ in range(240)]
    headers = headers[:2]
    sent = call_app(world.app, "POST", "/v1/platforms/weibo/labels", headers, stream)
    assert sent[0]["status"] == 413
    assert len(stream) > 200  # most of the 60 MB was never read


def test_the_body_limit_is_configurable(world_factory) -> None:  # type: ignore[no-untyped-def]
    from byline.api import ApiSettings

    assert ApiSettings.from_env({"BYLINE_MAX_BODY_BYTES": "4096"}).max_body_bytes == 4096
    world = world_factory(ApiSettings(log_requests=False, max_body_bytes=4096))
    body = {"viewer": VIEWER, "account_ids": [f"id-{i:0100d}" for i in range(50)]}
    answer = world.client.post("/v1/platforms/weibo/labels", headers=world.key("label"), json=body)
    assert _problem(answer, 413)["detail"].startswith("the request body is larger than 4096 bytes")


BAD_IDS = {
    "empty": "",
    "too-long": "x" * 200_000,
    "nul": "star\x00",
    "newline": "star\nfake",
    "c1": "star\x85",
}


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
@pytest.mark.parametrize("bad", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_a_bad_account_id_is_422_naming_the_field_never_echoed(
    world_factory, bad: str, fast_path: bool
) -> None:  # type: ignore[no-untyped-def]
    from byline.api import ApiSettings

    world = world_factory(ApiSettings(log_requests=False, label_fast_path=fast_path))
    answers = {
        "body.account_ids.1": world.client.post(
            "/v1/platforms/weibo/labels",
            headers=world.key("label"),
            json={"viewer": VIEWER, "account_ids": ["star", bad]},
        ),
        "body.counts.0.account_id": world.client.post(
            "/v1/platforms/weibo/follower-counts",
            headers=world.key("platform"),
            json={
                "as_of": "2023-10-30",
                "counts": [{"account_id": bad, "kind": "individual", "category": "law"}],
            },
        ),
        "body.account_ids.0": world.client.post(
            "/v1/platforms/weibo/review/bulk",
            headers=world.key("reviewer"),
            json={"action": "approve", "account_ids": [bad]},
        ),
    }
    for field, answer in answers.items():
        problem = _problem(answer, 422)
        assert [e["field"] for e in problem["errors"]] == [field]  # type: ignore[union-attr]
        if bad:
            assert bad not in answer.text and bad[:50] not in answer.text


@pytest.mark.parametrize("bad", ["star%00", "star%1Bfake", "x" * 201])
def test_a_bad_account_id_in_a_path_is_422(world: World, bad: str) -> None:
    for path, key in (
        (f"/v1/platforms/weibo/enforcement/{bad}", "platform"),
        (f"/v1/platforms/weibo/review/cases/{bad}", "reviewer"),
    ):
        problem = _problem(world.client.get(path, headers=world.key(key)), 422)
        assert [e["field"] for e in problem["errors"]] == ["path.account_id"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "count, field",
    [
        ({"followers": 10**23}, "body.counts.0.followers"),
        ({"metrics": {"followers": 10**23}}, "body.counts.0.metrics.followers"),
        ({"metrics": {"sales_12m": 10**12 + 1}}, "body.counts.0.metrics.sales_12m"),
        ({"metrics": {"sales_12m": -1}}, "body.counts.0.metrics.sales_12m"),
    ],
)
def test_counts_out_of_range_are_422_naming_the_field(
    world: World, count: dict[str, object], field: str
) -> None:
    answer = world.client.post(
        "/v1/platforms/weibo/follower-counts",
        headers=world.key("platform"),
        json={
            "as_of": "2023-10-30",
            "counts": [{"account_id": "star", "kind": "individual", "category": "law", **count}],
        },
    )
    problem = _problem(answer, 422)
    assert [e["field"] for e in problem["errors"]] == [field]  # type: ignore[union-attr]
