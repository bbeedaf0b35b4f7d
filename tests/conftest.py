"""Shared fixtures: real SQLite and real PostgreSQL databases for every store test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

# Make ``factories`` and ``support`` importable from any test module.
sys.path.insert(0, str(Path(__file__).parent))

from byline.store import Database, make_engine
from support.postgres import postgres_server, scratch_database

_skips: list[str] = []


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as (admin_url, how):
        if admin_url is None:
            if os.environ.get("CI") or os.environ.get("BYLINE_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required here: {how}")
            _skips.append(how)
            pytest.skip(how)
        with scratch_database(admin_url) as url:
            yield url


def _prepared_engine(url: str) -> Engine:
    from byline.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _prepared_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'byline.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = _prepared_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if backend == "sqlite" else "postgres_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database whose every transaction is a SAVEPOINT inside one rolled-back transaction."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield Database(engine, conn)
        finally:
            outer.rollback()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for every Spark test (its JVM starts once per run): two cores,
    few shuffle partitions, no UI. The engine's own ``session`` finds it (``getOrCreate``)."""
    from byline.spark import SparkSettings, session

    conf = {
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.driver.memory": "1g",
    }
    s = session(SparkSettings("local[2]", conf))
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in dict.fromkeys(_skips):
        terminalreporter.write_line(f"PostgreSQL tests skipped: {reason}", yellow=True)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """scrypt at the production cost takes ~50 ms per hash and the console's tests hash
    hundreds of passwords; the same code at a lower cost (each hash records its own)."""
    from byline.access import _staff

    saved, _staff.COST = _staff.COST, 2**10
    yield
    _staff.COST = saved
