"""The floor's services answer with typed results: no public method of a service on the face
returns a ``dict``, a ``Mapping``, a list of them, ``Any`` or ``object``, and the result types
hold no untyped record either, apart from the few justified below."""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
import typing
from typing import Any

import byline.service as face
from byline.service._base import Service

# (class, method): why a mapping is the honest answer there.
JUSTIFIED_RETURNS = {
    ("Cases", "funnel"): "every case state with its count: keyed by the CaseState enum, complete",
    ("Reports", "build"): "the report as its shipped JSON Schema defines it (report.schema.json)",
    ("Creators", "statements"): "statements as stored and exported (statement.schema.json)",
}
# (result type, field): JSON kept as the platform is sent it, or as an audit entry holds it.
JUSTIFIED_FIELDS = {
    ("ChainReport", "seals"): "the audit package's own report (what the seals said); typed there",
    ("DeliveryLog", "messages"): "outbox messages as the outbox lists them (JSON to a door)",
    ("Enforcement", "restrictions"): "the restrictions as stored and sent to the platform",
    ("EnforcementChange", "restrictions"): "the restrictions as stored and sent to the platform",
    ("HistoryEntry", "detail"): "an audit entry's facts, whatever its action recorded",
}
MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Iterable)


def services() -> list[type[Service]]:
    found = [getattr(face, name) for name in face.__all__]
    return [c for c in found if inspect.isclass(c) and issubclass(c, Service)]


def public_methods(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]


def untyped(tp: Any, *, mappings_allowed: bool) -> str | None:
    """Why ``tp`` is not a typed answer (None when it is)."""
    if tp is Any or tp is object:
        return f"{tp!r} says nothing"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return next((w for a in args if (w := untyped(a, mappings_allowed=mappings_allowed))), None)
    if tp in MAPPINGS or origin in MAPPINGS:
        if not mappings_allowed:
            return f"{tp!r} is a mapping, not a result type"
        if not args or any(a is Any or a is object for a in args):
            return f"{tp!r} is a record without a type"
        return untyped(args[1], mappings_allowed=True)
    if origin in SEQUENCES:
        return next(
            (w for a in args if a is not Ellipsis and (w := untyped(a, mappings_allowed=False))),
            None,
        )
    return None


def result_types(tp: Any) -> list[type]:
    """The dataclasses of the face a return type names (also inside unions and sequences)."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return [tp]
    return [t for a in typing.get_args(tp) for t in result_types(a)]


def test_the_face_has_the_services() -> None:
    names = {c.__name__ for c in services()}
    assert {"Access", "Cases", "Creators", "Operations", "Policies", "Reviews", "Webhooks"} <= names


def test_no_service_method_returns_a_dict_or_any() -> None:
    problems = []
    for cls in services():
        for name, fn in public_methods(cls):
            if (cls.__name__, name) in JUSTIFIED_RETURNS:
                continue
            returned = typing.get_type_hints(fn).get("return")
            why = untyped(returned, mappings_allowed=False)
            if why:
                problems.append(f"{cls.__name__}.{name}: {why}")
    assert not problems, "\n".join(problems)


def test_the_results_hold_no_untyped_records() -> None:
    seen: set[type] = set()
    todo = [
        t
        for cls in services()
        for _, fn in public_methods(cls)
        for t in result_types(typing.get_type_hints(fn).get("return"))
    ]
    problems = []
    while todo:
        result = todo.pop()
        if result in seen:
            continue
        seen.add(result)
        hints = typing.get_type_hints(result)
        for f in dataclasses.fields(result):
            if (result.__name__, f.name) in JUSTIFIED_FIELDS:
                continue
            why = untyped(hints[f.name], mappings_allowed=True)
            if why:
                problems.append(f"{result.__name__}.{f.name}: {why}")
            todo += result_types(hints[f.name])
    assert len(seen) > 10  # the walk reached the results
    assert not problems, "\n".join(problems)


def test_the_check_catches_an_untyped_answer() -> None:
    assert untyped(dict[str, Any], mappings_allowed=False)
    assert untyped(list[dict[str, object]], mappings_allowed=False)
    assert untyped(Any, mappings_allowed=False)
    assert untyped(dict[str, Any] | None, mappings_allowed=True)
    assert untyped(face.CaseView, mappings_allowed=False) is None
    assert untyped(list[face.TrailEntry], mappings_allowed=False) is None
    assert untyped(dict[str, int], mappings_allowed=True) is None
