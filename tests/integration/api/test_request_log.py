"""The JSON line each request writes: valid JSON whatever the client sends as its request id,
the route template rather than the path, and never an account id, a name or a body."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from byline.api import ApiSettings
from conftest import NAMES, World, call_app

HOSTILE_IDS = [
    'a"b\\c',  # quotes and backslashes
    "line\nbreak\ttab\x01\x7f",  # control characters
    "}{" * 32,  # 64 characters, the most kept
]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged(world_factory: object) -> Iterator[tuple[World, list[str]]]:
    world: World = world_factory(ApiSettings(log_requests=True))  # type: ignore[operator]
    log = logging.getLogger("byline.api")
    handler, level = Lines(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield world, handler.lines
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


@pytest.mark.parametrize("request_id", HOSTILE_IDS)
def test_each_request_writes_one_json_line_whatever_its_request_id(
    logged: tuple[World, list[str]], request_id: str
) -> None:
    world, lines = logged
    body = {
        "viewer": {"id": "v1", "logged_in": True, "identity_verified": True, "flags": []},
        "account_ids": ["star", "org", "small"],
    }
    headers = {**world.key("label"), "X-Request-Id": request_id.encode("latin-1")}
    response = world.client.post("/v1/platforms/weibo/labels", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["labels"]["star"]["name"] == NAMES["star"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry == {
        "event": "request",
        "request_id": request_id,
        "method": "POST",
        "route": "/v1/platforms/{platform}/labels",
        "status": 200,
        "ms": entry["ms"],
    }
    assert isinstance(entry["ms"], float) and entry["ms"] >= 0
    assert response.headers.raw[-1] == (b"x-request-id", request_id.encode("latin-1"))
    for private in ("star", "small", *NAMES.values()):
        assert private not in lines[0]


def test_a_request_id_beyond_ascii_is_escaped_in_the_line(
    logged: tuple[World, list[str]],
) -> None:
    """Sent to the app directly: the test client cannot carry latin-1 headers back."""
    world, lines = logged
    request_id = "café-ü-\xa0-\xff"
    request = {"type": "http.request", "body": b"", "more_body": False}
    headers = [(b"x-request-id", request_id.encode("latin-1"))]
    sent = call_app(world.app, "GET", "/healthz", headers, [request])
    assert sent[0]["status"] == 200
    assert (b"x-request-id", request_id.encode("latin-1")) in sent[0]["headers"]  # type: ignore[operator]
    assert lines[-1].isascii()
    assert json.loads(lines[-1])["request_id"] == request_id


def test_errors_and_unknown_paths_log_templates_not_paths(
    logged: tuple[World, list[str]],
) -> None:
    world, lines = logged
    world.client.get("/v1/platforms/weibo/review/cases/star", headers=world.key("reviewer"))
    world.client.get("/no/such/star-path")
    world.client.post("/v1/platforms/weibo/labels", content=b"{", headers=world.key("label"))
    entries = [json.loads(line) for line in lines]
    assert [e["status"] for e in entries] == [200, 404, 422]
    assert entries[1]["route"] == "unmatched"
    assert all(len(e["request_id"]) == 32 for e in entries)  # generated: 128 random bits
    assert len({e["request_id"] for e in entries}) == 3
    assert not any("star" in line for line in lines)
