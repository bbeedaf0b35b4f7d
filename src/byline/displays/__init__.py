"""Name displays: counts per day and viewer class, and display records (no name in either)."""

from byline.displays._queries import (
    DayCount,
    DisplayRecord,
    add_counts,
    add_records,
    day_counts,
    distinct_over,
    distinct_over_per_hour,
    first_record,
    purge_records,
    record_platforms,
    records,
)
from byline.displays._tables import display_counts, display_records

__all__ = [
    "DayCount",
    "DisplayRecord",
    "add_counts",
    "add_records",
    "day_counts",
    "display_counts",
    "display_records",
    "distinct_over",
    "distinct_over_per_hour",
    "first_record",
    "purge_records",
    "record_platforms",
    "records",
]
