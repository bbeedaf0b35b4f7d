"""Bulk decisions on Apache Spark, output for output what the embedded engine (``byline.engine``)
writes, from the same policy model; held to it and to the domain's ``decide`` by the tests."""

from byline.spark._evaluate import evaluate
from byline.spark._graph import count_graph
from byline.spark._session import SparkSettings, session
from byline.spark._where import Uri, Where, is_uri

__all__ = ["SparkSettings", "Uri", "Where", "count_graph", "evaluate", "is_uri", "session"]
