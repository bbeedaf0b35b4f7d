"""The one import rule: imports point down the layer table of docs/architecture.md."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "byline"

# layer -> the byline layers it may import (itself always allowed)
STORE_LEVEL = {"domain", "store", "audit"}
ALLOWED = {
    "domain": set(),
    "policy": {"domain"},
    "engine": {"domain"},
    "synth": {"domain"},
    # the words (catalogues, the policy in plain words) for every front door
    "words": {"domain"},
    # persistence: each may use the store and the audit trail, nothing above
    "store": {"domain"},
    "audit": STORE_LEVEL,
    "cases": STORE_LEVEL,
    "vault": STORE_LEVEL,
    "outbox": STORE_LEVEL,
    "access": STORE_LEVEL,
    "service": {
        "access",
        "words",
        "domain",
        "engine",
        "policy",
        "synth",
        "store",
        "audit",
        "cases",
        "vault",
        "outbox",
    },
    # adapters reach the system through the service (and name domain and engine types)
    # the demo command composes the API app to serve it
    "cli": {"service", "domain", "engine", "policy", "api", "words"},
    "console": {"service", "domain", "words"},
    # the API app mounts the console beside its routes
    "api": {"service", "domain", "console", "words"},
}
# third-party packages the pure domain may use
DOMAIN_THIRD_PARTY = {"pydantic"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "byline":  # from byline import audit, cases
                names.update(f"byline.{a.name}" for a in node.names)
            else:
                names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules in byline.{layer}"
    for path in files:
        for name in imports(path):
            top = name.split(".")[0]
            if top == "byline":
                target = name.split(".")[1] if "." in name else ""
                assert target == layer or target in ALLOWED[layer], (
                    f"{path.relative_to(PACKAGE)} imports {name}"
                )
            elif layer == "domain":
                assert top in sys.stdlib_module_names or top in DOMAIN_THIRD_PARTY, (
                    f"{path.relative_to(PACKAGE)} imports {name}: the domain stays pure"
                )


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(ALLOWED)


def test_domain_reads_no_clock() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        text = path.read_text()
        for call in ("date.today(", "datetime.now(", "time.time(", "utcnow("):
            assert call not in text, f"{path.name} reads the clock ({call})"
