"""Work only one process may do at a time (a cycle), held for as long as the work takes and
released when the process ends, however it ends.

PostgreSQL: a session advisory lock, on a connection of its own. SQLite: a byte-range lock
on a file beside the database (``<database>.locks``), one byte per name; within one process a
set of held names stands in for it (POSIX record locks do not exclude threads of the process
that holds them). Without ``fcntl`` (or for a database in memory), within the process only.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, text

from byline.store._db import Database

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]


class Held(Exception):
    """Someone else holds the lock."""


_guard = threading.Lock()
_held_here: set[tuple[str, str]] = set()  # (lock file or database, name) held by this process
_files: dict[str, IO[bytes]] = {}  # one descriptor per lock file, kept while a lock is held


def _number(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"byline:{name}".encode()).digest()[:8], signed=True)


class Exclusive:
    """Holds named locks on one database until ``release``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._releases: list[Any] = []

    def take(self, name: str) -> None:
        """Hold ``name``, or raise ``Held`` at once (never waits)."""
        if self._db.dialect == "postgresql":
            self._take_postgres(name)
        else:
            self._take_file(name)

    def _take_postgres(self, name: str) -> None:
        conn: Connection = self._db.engine.connect()
        key = _number(name)
        try:
            taken = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not taken:
            conn.close()
            raise Held(name)

        def release() -> None:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            finally:
                conn.close()  # a session lock also ends with its session

        self._releases.append(release)

    def _take_file(self, name: str) -> None:
        database = self._db.engine.url.database or ""
        on_disk = database not in ("", ":memory:") and fcntl is not None
        path = f"{database}.locks" if on_disk else f"memory:{id(self._db.engine)}"
        key = (path, name)
        offset = _number(name) & 0xFFFF_FFFF_FFFF  # one byte per name, anywhere in the file
        with _guard:
            if key in _held_here:
                raise Held(name)
            if on_disk:
                lock_file = _files.get(path)
                if lock_file is None:
                    lock_file = _files[path] = Path(path).open("ab")  # noqa: SIM115 - kept open
                try:
                    fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
                except OSError:
                    if not any(p == path for p, _ in _held_here):
                        _files.pop(path).close()
                    raise Held(name) from None
            _held_here.add(key)

        def release() -> None:
            with _guard:
                _held_here.discard(key)
                if on_disk:
                    fcntl.lockf(_files[path], fcntl.LOCK_UN, 1, offset)
                    if not any(p == path for p, _ in _held_here):
                        # Nothing else held on the file: closing it releases nothing more.
                        _files.pop(path).close()

        self._releases.append(release)

    def release(self) -> None:
        while self._releases:
            self._releases.pop()()

    def __enter__(self) -> Exclusive:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
