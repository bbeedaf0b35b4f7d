"""A real PostgreSQL for the tests: ``BYLINE_TEST_POSTGRES_URL``, else a server on localhost,
else one started from the machine's binaries in a temp dir. ``None`` (with a reason) only when
none of these can be had."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

LOCAL_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateServer:
    """A PostgreSQL of our own, from the machine's binaries, in a temp dir: one a test may stop
    and start (``stop(mode)``, ``start()``) while clients are connected. Same port throughout."""

    def __init__(self) -> None:
        initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
        if not (initdb and pg_ctl):
            raise RuntimeError("no initdb/pg_ctl on this machine")
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="byline-pg-"))
        self.data = self.root / "data"
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use a system user
            self.run_as = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
            shutil.chown(self.root, "postgres")
        subprocess.run(
            [*self.run_as, initdb, "-D", str(self.data), "-A", "trust", "--username", "postgres",
             "-E", "UTF8"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-o", options,
             "-l", str(self.root / "log"), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"],
            capture_output=True,
            check=False,
        )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def _own_server() -> Iterator[str]:
    server = PrivateServer()
    try:
        server.start()
        yield server.url
    finally:
        server.remove()


@contextmanager
def postgres_server() -> Iterator[tuple[str | None, str]]:
    """Yield (admin URL or None, how it was found or why not)."""
    url = os.environ.get("BYLINE_TEST_POSTGRES_URL")
    if url:
        yield url, "BYLINE_TEST_POSTGRES_URL"
        return
    for candidate in LOCAL_CANDIDATES:
        if _answers(candidate):
            yield candidate, f"local server ({candidate})"
            return
    try:
        with _own_server() as own:
            yield own, "started from the machine's binaries"
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        yield None, f"no PostgreSQL: none on localhost and none could be started ({exc})"


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    name = f"byline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for _ in range(20):
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except psycopg.Error:
                    time.sleep(0.2)
