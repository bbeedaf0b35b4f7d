"""The label route's fast path answers exactly what the documented FastAPI route answers: the
same statuses, problems, headers and bytes, in the same order of checks; it hands everything
it does not serve itself to that route; OpenAPI still describes the route completely."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from byline.api import ApiSettings, MemoryLimiter
from byline.api._label_path import LabelsFirst
from byline.api.routes.labels import PATH
from byline.service import Labels, Services
from byline.web import create_app
from conftest import World, call_app

URL = "/v1/platforms/weibo/labels"
VIEWER = {"id": "v1", "logged_in": True, "identity_verified": True, "flags": []}


def body(**changes: Any) -> dict[str, Any]:
    return {"viewer": VIEWER, "account_ids": ["star", "org", "quiet", "nobody"], **changes}


def reference(world: World, settings: ApiSettings, limiter: MemoryLimiter | None = None) -> FastAPI:
    """The same programme served by the documented FastAPI route alone."""
    documented = settings.model_copy(update={"label_fast_path": False})
    return create_app(Services.of(world.programme.deps), documented, limiter or MemoryLimiter())


@pytest.fixture
def pair(world: World) -> Iterator[tuple[World, TestClient]]:
    with TestClient(
        reference(world, ApiSettings(log_requests=False)), raise_server_exceptions=False
    ) as client:
        yield world, client


def cases(world: World) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(name, url, headers, body): valid lookups and every kind of mistake."""
    label = {**world.key("label"), "Content-Type": "application/json"}

    def js(value: object) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode()

    ok = js(body())
    return [
        ("ok", URL, label, ok),
        ("platform key", URL, {**world.key("platform"), "Content-Type": "application/json"}, ok),
        ("charset", URL, {**label, "Content-Type": "application/json; charset=utf-8"}, ok),
        ("duplicates", URL, label, js(body(account_ids=["star", "star", "x", "star"]))),
        ("odd ids", URL, label, js(body(account_ids=['a"b', "\\", "名字", "\u2028", " "]))),
        ("hidden", URL, label, js(body(viewer={**VIEWER, "logged_in": False}))),
        ("flags", URL, label, js(body(viewer={**VIEWER, "flags": ["banned", "abnormal"]}))),
        ("lax bool", URL, label, js(body(viewer={**VIEWER, "logged_in": "true"}))),
        (
            "no flags",
            URL,
            label,
            js(body(viewer={k: v for k, v in VIEWER.items() if k != "flags"})),
        ),
        (
            "duplicate key",
            URL,
            label,
            b'{"viewer":{"id":"a","id":"b","logged_in":true,'
            b'"identity_verified":true},"account_ids":["star"]}',
        ),
        ("101 ids", URL, label, js(body(account_ids=[f"a{i}" for i in range(101)]))),
        ("no ids", URL, label, js(body(account_ids=[]))),
        ("extra", URL, label, js(body(extra=1))),
        ("bad flag", URL, label, js(body(viewer={**VIEWER, "flags": ["nosy"]}))),
        ("long viewer", URL, label, js(body(viewer={**VIEWER, "id": "v" * 201}))),
        ("not bool", URL, label, js(body(viewer={**VIEWER, "logged_in": "perhaps"}))),
        ("empty object", URL, label, b"{}"),
        ("array", URL, label, b"[]"),
        ("bad json", URL, label, b'{"viewer": '),
        ("empty body", URL, label, b""),
        ("bom", URL, label, b"\xef\xbb\xbf" + ok),
        ("latin-1", URL, label, '{"viewer": "é"}'.encode("latin-1")),
        ("lone surrogate", URL, label, ok.replace(b'"v1"', b'"\\ud800"')),
        ("text/plain", URL, {**label, "Content-Type": "text/plain"}, ok),
        ("no content type", URL, world.key("label"), ok),
        ("+json", URL, {**label, "Content-Type": "application/merge-patch+json"}, ok),
        ("bad platform", "/v1/platforms/Weibo/labels", label, ok),
        ("bad platform, no key", "/v1/platforms/Weibo/labels", {}, b"{}"),
        ("no key", URL, {"Content-Type": "application/json"}, ok),
        ("no key, bad body", URL, {"Content-Type": "application/json"}, b"{}"),
        ("basic", URL, {"Authorization": "Basic abc", "Content-Type": "application/json"}, ok),
        ("bearer alone", URL, {"Authorization": "Bearer", "Content-Type": "application/json"}, ok),
        (
            "bearer spaces",
            URL,
            {"Authorization": "bearer   ", "Content-Type": "application/json"},
            ok,
        ),
        ("lower bearer", URL, {**label, "Authorization": label["Authorization"].lower()}, ok),
        (
            "unknown key",
            URL,
            {"Authorization": "Bearer byl_x", "Content-Type": "application/json"},
            ok,
        ),
        ("reviewer", URL, {**world.key("reviewer"), "Content-Type": "application/json"}, ok),
        (
            "other tenant",
            URL,
            {**world.key("label", "douyin"), "Content-Type": "application/json"},
            ok,
        ),
        ("creator", URL, {**world.creator("star"), "Content-Type": "application/json"}, ok),
    ]


def comparable(response: Any) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "type": response.headers.get("content-type"),
        "body": response.json() if response.content else None,
        "headers": {
            h: response.headers.get(h) for h in ("www-authenticate", "retry-after", "allow")
        },
    }


def test_every_request_gets_what_the_documented_route_answers(
    pair: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, documented = pair
    answered: list[str] = []
    answer = LabelsFirst._answer

    def counting(self: LabelsFirst, platform: str, *args: Any) -> bytes:
        answered.append(platform)
        return answer(self, platform, *args)

    monkeypatch.setattr(LabelsFirst, "_answer", counting)
    served_fast = handed_on = 0
    for name, url, headers, content in cases(world):
        before = len(answered)
        fast = world.client.post(url, headers=headers, content=content)
        slow = documented.post(url, headers=headers, content=content)
        assert comparable(fast) == comparable(slow), name
        assert fast.headers["x-request-id"] and slow.headers["x-request-id"]
        if fast.status_code == 200:
            assert fast.content == slow.content, name  # the same bytes
            assert fast.headers["content-length"] == slow.headers["content-length"]
        served_fast += len(answered) > before
        handed_on += len(answered) == before
    # valid lookups and auth failures on the fast path; the rest handed on to FastAPI
    assert served_fast >= 15
    assert handed_on >= 15


def test_a_bad_body_is_refused_naming_the_field(world: World) -> None:
    response = world.client.post(URL, headers=world.key("label"), json=body(account_ids=[]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body.account_ids"


def test_other_methods_and_paths_are_untouched(pair: tuple[World, TestClient]) -> None:
    world, documented = pair
    for method, url in (("GET", URL), ("PUT", URL), ("POST", URL + "/"), ("POST", URL + "x")):
        fast = world.client.request(method, url, headers=world.key("label"))
        slow = documented.request(method, url, headers=world.key("label"))
        assert comparable(fast) == comparable(slow), (method, url)


@pytest.mark.parametrize("limit", ["key_limit_per_minute", "viewer_limit_per_minute"])
def test_rate_limits_answer_like_the_documented_route(world: World, limit: str) -> None:
    settings = ApiSettings(log_requests=False, **{limit: 2})  # type: ignore[arg-type]

    # Limits are counted per clock minute: on the wall clock the three requests could straddle
    # two minutes, so both limiters read a clock that stays 30 s into one.
    def mid_minute() -> float:
        return 1_700_000_010.0

    fast_app = create_app(
        Services.of(world.programme.deps), settings, MemoryLimiter(clock=mid_minute)
    )
    answers = []
    for app in (fast_app, reference(world, settings, MemoryLimiter(clock=mid_minute))):
        with TestClient(app) as client:
            answers.append(
                [
                    comparable(client.post(URL, headers=world.key("label"), json=body()))
                    for _ in range(3)
                ]
            )
    waits = [int(a[2]["headers"].pop("retry-after")) for a in answers]
    assert answers[0] == answers[1]
    assert [a["status"] for a in answers[0]] == [200, 200, 429]
    assert waits == [30, 30]  # to the next minute


def test_lookups_are_counted_by_result_and_route(world: World) -> None:
    world.client.post(URL, headers=world.key("label"), json=body())
    world.client.post(
        URL, headers=world.key("label"), json=body(viewer={**VIEWER, "identity_verified": False})
    )
    metrics = world.client.get("/metrics").text
    assert 'byline_label_lookups_total{result="shown",rule=""} 2.0' in metrics
    assert 'byline_label_lookups_total{result="none",rule=""} 2.0' in metrics
    assert 'byline_label_lookups_total{result="hidden",rule="unverified"} 4.0' in metrics
    assert (
        'byline_http_requests_total{method="POST",route="/v1/platforms/{platform}/labels",'
        'status="200"} 2.0'
    ) in metrics


def test_openapi_still_describes_the_route_completely(pair: tuple[World, TestClient]) -> None:
    world, documented = pair
    operation = world.app.openapi()["paths"][PATH]["post"]
    assert operation == documented.app.openapi()["paths"][PATH]["post"]  # type: ignore[attr-defined]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LabelsIn"
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/LabelsOut"}
    for status in ("401", "403", "422", "429"):
        problem = operation["responses"][status]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/ProblemOut"}
    assert operation["security"] == [{"HTTPBearer": []}]
    assert "BYLINE_LABEL_CACHE_SECONDS" in operation["description"]
    assert [p["name"] for p in operation["parameters"]] == ["platform"]


def test_an_unexpected_error_is_answered_like_the_documented_route(
    pair: tuple[World, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected into the lookup (the database gone, say): a 500 problem that says
    nothing of the request, the same from both routes, and the error still reaches the server
    (which logs it)."""
    world, documented = pair

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away (name: 王高飞)")

    monkeypatch.setattr(Labels, "lookup", broken)
    headers = {**world.key("label"), "Content-Type": "application/json"}
    content = json.dumps(body()).encode()
    fast = world.client.post(URL, headers=headers, content=content)
    slow = documented.post(URL, headers=headers, content=content)
    assert fast.status_code == slow.status_code == 500
    fast_problem, slow_problem = fast.json(), slow.json()
    assert fast_problem.pop("request_id") and "request_id" in slow_problem
    slow_problem.pop("request_id")
    assert fast_problem == slow_problem
    assert "王高飞" not in fast.text and "database" not in fast.text
    strict = TestClient(world.app, raise_server_exceptions=True)
    with pytest.raises(RuntimeError, match="went away"):
        strict.post(URL, headers=headers, content=content)


def test_a_client_gone_before_the_end_of_its_body_is_handed_to_the_documented_route(
    world: World,
) -> None:
    messages: list[dict[str, object]] = [
        {"type": "http.request", "body": b'{"viewer": {"id": "v1", ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    headers = [
        (b"content-type", b"application/json"),
        *[(k.lower().encode(), v.encode()) for k, v in world.key("label").items()],
    ]
    sent = call_app(world.app, "POST", URL, headers, messages)  # nothing escapes to the server
    assert not messages  # the body so far and the disconnect were both read
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] in ([], [400])  # nobody is left to answer, or 400
