"""Where a console handler's work runs: a service called on the event loop blocks every other
request (a shadow run reads a whole snapshot twice), so the handlers hand it to the thread pool.
``watch`` wraps service functions to record, for each call, whether it ran on the loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import pytest


def on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def watch(monkeypatch: pytest.MonkeyPatch, owner: object, *names: str) -> dict[str, list[bool]]:
    """Wrap ``owner``'s functions ``names``; the answer maps each name to one entry per call:
    True when that call ran on the event loop."""
    calls: dict[str, list[bool]] = {name: [] for name in names}
    for name in names:
        original: Callable[..., Any] = getattr(owner, name)

        def wrapped(*args: Any, _name: str = name, _fn: Any = original, **kwargs: Any) -> Any:
            calls[_name].append(on_event_loop())
            return _fn(*args, **kwargs)

        monkeypatch.setattr(owner, name, functools.wraps(original)(wrapped))
    return calls
