"""Why a row is rejected, in the words every engine writes into ``rejects.csv``.

One place for the texts and their limits: DuckDB's SQL (``engine._snapshot``, ``engine._kept``)
and Spark's expressions (``byline.spark``) build their reasons from these, so the two engines
reject the same rows with the same words.
"""

from __future__ import annotations

from byline.domain.vocabulary import AccountKind, Category

SEPARATOR = "; "  # between the problems of one row
SHOWN = 40  # characters of a bad value quoted in a reason
DUPLICATE_ROWS_SHOWN = 5  # rows named in a duplicate's reason, then ", ..."
NOT_AN_OBJECT = "line: not a JSON object"  # a JSONL line that is not a JSON object
TOO_MANY_FIELDS = "line: more fields than the header"  # a CSV record longer than its header
# The vocabulary a text column must be one of.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "kind": tuple(k.value for k in AccountKind),
    "category": tuple(c.value for c in Category),
}


def missing(field: str) -> str:
    return f"{field}: missing"


def unknown_value(field: str) -> tuple[str, str]:
    """The words before and after the quoted value (at most ``SHOWN`` characters)."""
    return f"{field}: unknown value '", f"' (allowed: {', '.join(VOCABULARIES[field])})"


def not_whole(metric: str) -> str:
    """Before the value shown (at most ``SHOWN`` characters), then ``)``."""
    return f"{metric}: not a whole number in range ("


def negative(metric: str) -> str:
    """Before the value shown (at most ``SHOWN`` characters), then ``)``."""
    return f"{metric}: negative ("


DUPLICATE = "account_id: duplicate (rows "  # then the first rows, ', '-joined, ', ...' if more, ')'
MORE_ROWS = ", ..."
WHOLE_NUMBER = "[+-]?[0-9]+"  # the text of a whole number (after trimming spaces)
