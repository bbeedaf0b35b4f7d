"""The Spark session an evaluation runs in: the master and settings the caller gives, on top of
what ``spark-submit`` (or ``spark-defaults.conf``) already says."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

# Quiet and small unless told otherwise: no console progress bars over the CLI's own output.
_DEFAULTS = {"spark.ui.showConsoleProgress": "false"}


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs: ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``, ...; None:
    what ``spark-submit`` says, else every core of this machine) and further ``conf``."""

    master: str | None = None
    conf: Mapping[str, str] = field(default_factory=dict)


def session(settings: SparkSettings | None = None) -> SparkSession:
    """The process's Spark session, made with ``settings`` if there is none yet."""
    settings = settings or SparkSettings()
    # PySpark's ``lit`` imports its test helpers, which warn about pandas 3 on every run (on the
    # job's output, before its JSON); Byline hands PySpark no pandas.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    builder = SparkSession.builder.appName("byline")
    master = settings.master
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit
        master = os.environ.get("BYLINE_SPARK_MASTER", "local[*]")
    if master is not None:
        builder = builder.master(master)
    for key, value in {**_DEFAULTS, **settings.conf}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
