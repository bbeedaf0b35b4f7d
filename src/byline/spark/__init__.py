"""Bulk decisions on Apache Spark, output for output what the embedded engine (``byline.engine``)
writes, from the same policy model; held to it and to the domain's ``decide`` by the tests."""

from byline.spark._evaluate import evaluate
from byline.spark._session import SparkSettingError, SparkSettings, session

__all__ = ["SparkSettingError", "SparkSettings", "evaluate", "session"]
