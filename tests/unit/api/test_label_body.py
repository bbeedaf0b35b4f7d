"""How the label fast path reads a body: whole in one message, in chunks, or cut short."""

from __future__ import annotations

import asyncio

from starlette.types import Message

from byline.api._label_path import _read_body


def read(*messages: Message) -> tuple[bytes, bool]:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    async def run() -> tuple[bytes, bool]:
        got = await _read_body(receive)
        assert not pending, "read past the end of the body"
        return got

    return asyncio.run(run())


def test_a_body_in_one_message() -> None:
    assert read({"type": "http.request", "body": b"{}"}) == (b"{}", True)
    assert read({"type": "http.request"}) == (b"", True)


def test_a_body_in_chunks_is_joined() -> None:
    chunks: list[Message] = [
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b":1}", "more_body": False},
    ]
    assert read(*chunks) == (b'{"a":1}', True)


def test_a_client_gone_before_the_end_is_reported() -> None:
    assert read({"type": "http.disconnect"}) == (b"", False)
    cut: list[Message] = [
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert read(*cut) == (b'{"a"', False)
