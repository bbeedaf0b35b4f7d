"""The tables of name displays: how many times each disclosed name was shown per day and per
class of viewer, and the display records (key, viewer, account, minute; never a name)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, String, Table

from byline.store import UtcDateTime, metadata

# Per platform, account, day (UTC) and viewer class: how many times the name was shown. Each
# worker adds its own counts (an upsert adding to ``shown``), so the rows are the sum of all.
display_counts = Table(
    "display_counts",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("viewer_class", String(120), primary_key=True),
    Column("shown", BigInteger, nullable=False),
)

# One row per (platform, minute, key, viewer, account) whose name was shown in that minute: the
# records abuse reports are answered from (kept for the policy's retention days), and what the
# harvesting signal is computed from (every worker's rows, so requests spread over workers
# still add up).
display_records = Table(
    "display_records",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("minute", UtcDateTime, primary_key=True),
    Column("key_id", String(24), primary_key=True),
    Column("viewer_id", String(200), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Index("ix_display_records_platform_viewer_id", "platform", "viewer_id"),
    Index("ix_display_records_platform_account_id", "platform", "account_id"),
)
