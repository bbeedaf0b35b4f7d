"""API configuration: environment variables, optionally a TOML file (``BYLINE_CONFIG``)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field


class ApiSettings(BaseModel):
    db_url: str | None = None  # default: BYLINE_DB or ./byline.db
    redis_url: str | None = None  # shared rate limits across workers; None: in memory
    # The server's worker processes (``byline serve --workers`` sets it): while Redis cannot
    # be reached, each worker allows this share of every limit, counted in its own memory.
    workers: int = Field(default=1, ge=1)
    viewer_limit_per_minute: int = Field(default=600, ge=1)  # label lookups per viewer
    key_limit_per_minute: int = Field(default=60_000, ge=1)  # requests per API key
    creator_limit_per_minute: int = Field(default=60, ge=1)  # requests per creator
    # Distinct disclosed names shown per hour: per key (the hard cap, whatever viewer ids the
    # key claims; a key may carry its own) and per viewer id.
    key_name_budget_per_hour: int = Field(default=20_000, ge=1)
    viewer_name_budget_per_hour: int = Field(default=300, ge=1)
    log_requests: bool = True
    # The largest request body read (bytes); a larger one is refused with 413 before it is read.
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    # How long a worker may answer a label lookup from memory (seconds; 0: always read the
    # database). Changes made in this worker apply at once; changes made elsewhere (another
    # worker, a cycle from the command line) within this time.
    label_cache_s: float = Field(default=1.0, ge=0, le=60)
    # Well-formed label lookups are answered before FastAPI's middleware and routing (the same
    # answers); false: every lookup goes through the documented route (to compare, or debug).
    label_fast_path: bool = True
    # Harvesting: a key or viewer shown more than this many distinct disclosed accounts in a
    # sliding hour is flagged (None: each policy's ``[displays] harvest_threshold``, else 200).
    harvest_threshold: int | None = Field(default=None, ge=1)
    # Memory bounds of the hour-long structures each worker keeps (a long-running worker grows
    # for an hour, then holds at most these): accounts in the harvesting signal's sliding hour
    # (past it a minute's new accounts are not kept, counted as dropped), and names in the
    # viewers' hourly name budgets (past it the least recently used viewers' are forgotten).
    # None: 2,000,000 and 1,000,000 (the counters' own defaults).
    harvest_window_max: int | None = Field(default=None, ge=1000)
    names_held_max: int | None = Field(default=None, ge=1000)
    # How often each worker writes the name displays it counted (seconds; 0: only when the
    # server stops, or when asked).
    display_flush_s: float = Field(default=5.0, ge=0, le=300)
    # Cycles and shadow runs through the API read snapshots from this folder only.
    snapshot_dir: Path = Field(default_factory=lambda: Path.cwd() / "snapshots")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ApiSettings:
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        config = env.get("BYLINE_CONFIG")
        if config:
            with Path(config).open("rb") as f:
                values.update(tomllib.load(f).get("api", {}))
        mapping = {
            "BYLINE_DB": "db_url",
            "BYLINE_REDIS_URL": "redis_url",
            "BYLINE_WORKERS": "workers",
            "BYLINE_VIEWER_LIMIT_PER_MINUTE": "viewer_limit_per_minute",
            "BYLINE_KEY_LIMIT_PER_MINUTE": "key_limit_per_minute",
            "BYLINE_CREATOR_LIMIT_PER_MINUTE": "creator_limit_per_minute",
            "BYLINE_KEY_NAME_BUDGET_PER_HOUR": "key_name_budget_per_hour",
            "BYLINE_VIEWER_NAME_BUDGET_PER_HOUR": "viewer_name_budget_per_hour",
            "BYLINE_LOG_REQUESTS": "log_requests",
            "BYLINE_MAX_BODY_BYTES": "max_body_bytes",
            "BYLINE_LABEL_CACHE_SECONDS": "label_cache_s",
            "BYLINE_LABEL_FAST_PATH": "label_fast_path",
            "BYLINE_SNAPSHOT_DIR": "snapshot_dir",
            "BYLINE_HARVEST_THRESHOLD": "harvest_threshold",
            "BYLINE_HARVEST_WINDOW_MAX": "harvest_window_max",
            "BYLINE_NAMES_HELD_MAX": "names_held_max",
            "BYLINE_DISPLAY_FLUSH_SECONDS": "display_flush_s",
        }
        for var, field in mapping.items():
            if env.get(var):
                values[field] = env[var]
        return cls.model_validate(values)
