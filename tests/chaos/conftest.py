"""The fault and abuse suite (issue #12): real processes killed, real servers stopped, real
receivers failing. Every test here is marked ``chaos``; how hard it pushes comes from the
knobs in ``support.chaos`` (``BYLINE_CHAOS_SEEDS``, ``BYLINE_CHAOS_SECONDS``, ...), small in
the default run and raised by ``make chaos``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.chaos import HALF_SEEDS, SEEDS, RedisServer
from support.postgres import PrivateServer, scratch_database

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.chaos)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``seed`` runs once per seed: 0 .. BYLINE_CHAOS_SEEDS - 1; one that
    takes ``slow_seed`` (a slow scenario) on half of them."""
    if "seed" in metafunc.fixturenames:
        metafunc.parametrize("seed", range(SEEDS))
    if "slow_seed" in metafunc.fixturenames:
        metafunc.parametrize("slow_seed", range(HALF_SEEDS))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the backend (a file, or a scratch database on the server)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'byline.db'}"
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivateServer]:
    """A PostgreSQL of the test's own, which it may stop and start."""
    try:
        server = PrivateServer()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        why = f"cannot start a private PostgreSQL: {exc}"
        if os.environ.get("CI") or os.environ.get("BYLINE_REQUIRE_POSTGRES"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    try:
        server = RedisServer(tmp_path)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()
