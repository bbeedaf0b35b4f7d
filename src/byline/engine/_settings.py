"""How DuckDB may use the machine: memory, threads, a spill folder, how duplicates are found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

import duckdb

DuplicateCheck = Literal["auto", "order", "hash"]


_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


class SettingError(ValueError):
    """An ``EngineSettings`` value that cannot be used: which field, and why."""

    def __init__(self, field_name: str, why: str) -> None:
        super().__init__(f"EngineSettings.{field_name}: {why}")
        self.field, self.why = field_name, why


@dataclass
class EngineSettings:
    """How DuckDB may use the machine. Spills to ``temp_directory`` past ``memory_limit``.

    ``duplicates`` picks how duplicated ids are found: ``auto`` tries the order on CSV and JSONL
    files and on a Parquet file whose statistics say its ids ascend, ``order`` tries it on any
    file, ``hash`` always hashes. Every choice finds the same duplicates; only the time differs.
    """

    memory_limit: str = "4GB"
    threads: int | None = None
    temp_directory: str | None = None
    duplicates: DuplicateCheck = "auto"

    def __post_init__(self) -> None:
        allowed = get_args(DuplicateCheck)
        if self.duplicates not in allowed:
            raise SettingError(
                "duplicates", f"{self.duplicates!r} is not one of {', '.join(allowed)}"
            )
        if not _MEMORY.fullmatch(self.memory_limit):
            raise SettingError(
                "memory_limit",
                f"{self.memory_limit!r} is not an amount of memory such as 4GB, 512MB or 2GiB",
            )
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise SettingError("threads", f"{self.threads!r} is not a whole number >= 1")


def connect(settings: EngineSettings | None = None) -> duckdb.DuckDBPyConnection:
    settings = settings or EngineSettings()
    # Insertion order is not kept: every output is sorted when written, and the ordered
    # streams run in parallel only when their rows may reach the table in any order.
    con = duckdb.connect(
        config={"memory_limit": settings.memory_limit, "preserve_insertion_order": False}
    )
    con.execute("SET enable_progress_bar = false")
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    if settings.temp_directory:
        con.execute("SET temp_directory = ?", [settings.temp_directory])
    return con


def threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
