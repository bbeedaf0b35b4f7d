"""The one import rule: imports point down the layer table of docs/architecture.md."""

from __future__ import annotations

import ast
import re
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
    # the follower-counting engine: pure computation over files
    "graph": {"domain", "engine"},  # the snapshot formats
    # the engine on Apache Spark: the embedded engine's shared pieces (reasons, the summary)
    "spark": {"domain", "engine", "graph"},
    # the words (catalogues, the policy in plain words) for every front door
    "words": {"domain"},
    # persistence: each may use the store and the audit trail, nothing above
    "store": {"domain"},
    "audit": STORE_LEVEL,
    "cases": STORE_LEVEL,
    "vault": STORE_LEVEL,
    "outbox": STORE_LEVEL,
    "access": STORE_LEVEL,
    # the public log of disclosures (signed notes, checkpoints; its entries, to come)
    "translog": STORE_LEVEL,
    # name displays: counts per day and viewer class, display records
    "displays": STORE_LEVEL,
    "service": {
        "access",
        "words",
        "domain",
        "engine",
        "graph",
        "spark",
        "policy",
        "synth",
        "store",
        "audit",
        "cases",
        "vault",
        "outbox",
        "translog",
        "displays",
    },
    # front doors reach the system through the service floor's face (and name domain types,
    # and say them with the catalogue of words)
    "cli": {"service", "domain", "words", "web", "api", "stream"},  # serve, stream run
    "console": {"service", "domain", "words"},
    "api": {"service", "domain", "words"},
    "stream": {"service", "domain"},  # the stream consumer
    # the composition root of the web server: the API and the console side by side
    "web": {"service", "api", "console"},
}
FRONT_DOORS = ("api", "console", "cli", "stream")
# A front door that lives in an engine's package so that ``python -m`` names it: the Spark job
# (``python -m byline.spark``) is ``byline evaluate --engine spark``; it may call the CLI.
JOB_ENTRIES = {PACKAGE / "spark" / "__main__.py": {"cli"}}
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


def _modules(layer: str) -> list[Path]:
    single = PACKAGE / f"{layer}.py"
    return [single] if single.exists() else sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = _modules(layer)
    assert files, f"no modules in byline.{layer}"
    for path in files:
        for name in imports(path):
            top = name.split(".")[0]
            if top == "byline":
                target = name.split(".")[1] if "." in name else ""
                allowed = ALLOWED[layer] | JOB_ENTRIES.get(path, set())
                assert target == layer or target in allowed, (
                    f"{path.relative_to(PACKAGE)} imports {name}"
                )
            elif layer == "domain":
                assert top in sys.stdlib_module_names or top in DOMAIN_THIRD_PARTY, (
                    f"{path.relative_to(PACKAGE)} imports {name}: the domain stays pure"
                )


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert packages | modules == set(ALLOWED)


def test_domain_reads_no_clock() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        text = path.read_text()
        for call in ("date.today(", "datetime.now(", "time.time(", "utcnow("):
            assert call not in text, f"{path.name} reads the clock ({call})"


@pytest.mark.parametrize("door", FRONT_DOORS)
def test_front_doors_use_only_the_service_floors_face(door: str) -> None:
    """A front door imports ``byline.service`` itself (its sorted ``__all__``), never one of
    its modules: the floor's face is the whole of what a door may call."""
    for path in _modules(door):
        for name in imports(path):
            if name.startswith("byline.service."):
                pytest.fail(f"{path.relative_to(PACKAGE)} imports {name}: use byline.service")


@pytest.mark.parametrize("door", FRONT_DOORS)
def test_front_doors_never_touch_the_database_the_clock_or_a_secret(door: str) -> None:
    """Adapters parse, authorise, call one service method and render: no database, no
    connection, no SQL, no clock, no secret generator."""
    # (``time`` stays allowed: a process's own monotonic timers, for caches and throttles)
    banned = {"sqlalchemy", "duckdb", "secrets"}
    for path in _modules(door):
        for name in imports(path):
            assert name.split(".")[0] not in banned, f"{path.relative_to(PACKAGE)} imports {name}"
        text = path.read_text()
        for needle in (r"\w\.db\b(?!\")", r"datetime\.now\(", r"\.transaction\(", r"\.reading\("):
            found = re.search(needle, text.replace("byline.db", ""))
            assert found is None, f"{path.relative_to(PACKAGE)} holds {found.group()!r}"


def test_the_floors_face_is_sorted_and_complete() -> None:
    import byline.service as face

    assert face.__all__ == sorted(face.__all__, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(face, n) for n in face.__all__)


PERSISTENCE = ("audit", "cases", "vault", "outbox", "access")
# What writes SQL: a statement builder (a bare call: ``Counter.update`` is no statement), a
# statement run on a connection, a table's columns, SQL words in a string.
SQL_WRITING = (
    r"(?<![.\w])(select|insert|update|delete|text|bindparam)\(",
    r"\.execute\(",
    r"exec_driver_sql",
    r"\.c\.\w",
    r"[\"'](SELECT|INSERT INTO|UPDATE|DELETE FROM) ",
)


def test_the_service_floor_writes_no_sql() -> None:
    """``service`` calls the persistence packages' query functions with the connection of its
    transaction; it imports no SQLAlchemy and no DuckDB, names no table, and builds no
    statement (the persistence packages own their SQL, the engine its DuckDB)."""
    for path in _modules("service"):
        where = path.relative_to(PACKAGE)
        for name in imports(path):
            assert name.split(".")[0] not in {"sqlalchemy", "duckdb"}, f"{where} imports {name}"
            assert not name.endswith("._tables"), f"{where} imports {name}: use its functions"
        text = path.read_text()
        for needle in SQL_WRITING:
            found = re.search(needle, text)
            assert found is None, f"{where} writes SQL ({found.group()!r})"


@pytest.mark.parametrize("package", PERSISTENCE)
def test_persistence_packages_export_functions_not_tables(package: str) -> None:
    """A package's tables are its own (``_tables``); its face offers query functions."""
    import importlib

    from sqlalchemy import Table

    face = importlib.import_module(f"byline.{package}")
    tables = [n for n in face.__all__ if isinstance(getattr(face, n), Table)]
    assert tables == [], f"byline.{package} exports tables: {tables}"
    assert (PACKAGE / package / "_tables.py").exists(), f"byline.{package} has no _tables.py"


def test_only_the_store_knows_the_sql_dialect() -> None:
    """Insert-or-ignore, upserts, sequence types, SQLite URLs and pragmas live in ``store``;
    no module elsewhere imports ``sqlalchemy.dialects``, reads a dialect's name, makes a type
    vary by dialect or spells a SQLite URL."""
    needles = (
        r"dialect\.name",
        r"\.dialect\s*==",
        r"get_backend_name\(",
        r"with_variant\(",
        r"on_conflict_do_",
        r"sqlite:///",
        r"PRAGMA",
    )
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "store"):
            continue
        where = path.relative_to(PACKAGE)
        for name in imports(path):
            assert not name.startswith("sqlalchemy.dialects"), f"{where} imports {name}"
        text = path.read_text()
        for needle in needles:
            found = re.search(needle, text)
            assert found is None, f"{where} knows the SQL dialect ({found.group()!r})"


def test_the_layer_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The needles above find what they are meant to (a check that never fails checks nothing)."""
    source = (
        "from sqlalchemy.dialects import postgresql\n"
        "rows = conn.execute(select(cases.c.platform))\n"
        "if conn.dialect.name == 'sqlite': pass\n"
    )
    module = tmp_path / "m.py"
    module.write_text(source)
    assert "sqlalchemy.dialects" in imports(module)
    assert all(re.search(n, source) for n in SQL_WRITING[:2] + SQL_WRITING[3:4])
    assert re.search(SQL_WRITING[4], "q = 'SELECT 1'")
    assert not re.search(SQL_WRITING[0], "self.actions.update(counts)")
    assert re.search(r"dialect\.name", source)
