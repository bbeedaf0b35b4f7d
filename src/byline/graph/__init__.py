"""Counting followers from the follow graph: an engine over files (numpy and Arrow).

``count_graph`` reads an edge list (Parquet, CSV or JSON Lines), with optional flags and owners,
and writes each followed account's distinct and effective followers, each owner's distinct
audience, the rejected rows and a summary whose row tallies reconcile. It is the reference
engine that another (Spark, say) is held to.
"""

from byline.engine import FORMATS
from byline.graph._files import GraphFileError, file_format
from byline.graph._outputs import (
    ACCOUNTS,
    COUNTS,
    NOT_A_VALUE,
    ONE_KIND,
    OWNERS,
    REJECTS,
    SUMMARY,
    GraphOutputError,
    ValueKind,
)
from byline.graph._run import DEFAULT_FLAGGED, CountReport, count_graph

__all__ = [
    "ACCOUNTS",
    "COUNTS",
    "DEFAULT_FLAGGED",
    "FORMATS",
    "NOT_A_VALUE",
    "ONE_KIND",
    "OWNERS",
    "REJECTS",
    "SUMMARY",
    "CountReport",
    "GraphFileError",
    "GraphOutputError",
    "ValueKind",
    "count_graph",
    "file_format",
]
