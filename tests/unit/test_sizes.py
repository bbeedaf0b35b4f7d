"""Rooms that hold one idea: no module of ``src/byline`` over 500 lines, no function over 80.

A module past a few hundred lines, or a function past a screen, usually holds more than one idea;
split it where the ideas part. Migrations are generated history and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "byline"
EXCLUDED = ("store/migrations/versions",)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if not any(part in path.relative_to(PACKAGE).as_posix() for part in EXCLUDED)
    )


def name_of(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def functions(path: Path) -> list[tuple[str, int]]:
    """Every function and method in ``path`` (nested ones too), with its length in lines from
    its ``def`` to its last line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            found.append((node.name, node.end_lineno - node.lineno + 1))
    return found


def test_the_limits_see_every_module() -> None:
    names = {name_of(path) for path in modules()}
    assert "domain/cases/__init__.py" in names and len(names) > 50
    assert not any(name.startswith("store/migrations/versions/") for name in names)


def test_no_module_over_the_limit() -> None:
    too_long = []
    for path in modules():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{name_of(path)}: {lines} lines")
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: " + "; ".join(too_long)


def test_no_function_over_the_limit() -> None:
    too_long = []
    for path in modules():
        for function, lines in functions(path):
            if lines > MAX_FUNCTION_LINES:
                too_long.append(f"{name_of(path)}: {function}() {lines} lines")
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: " + "; ".join(too_long)
