"""Tables of the disclosure programme: cases, enforcement in force and its changes, labels,
cycles and policy activations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from byline.store import SEQUENCE, JSONValue, UtcDateTime, metadata

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("account_id", String(200), nullable=False, index=True),
    # Set while the case is open, NULL once closed: at most one open case per account of a
    # platform (every platform is a tenant; its id is its policy's id).
    Column("open_account_id", String(200)),
    Column("platform", String(80), nullable=False),
    Column("policy_version", String(40), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("tier", String(80)),
    Column("voluntary", Boolean, nullable=False, default=False),
    Column("kind", String(20), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("opened_cycle", String(64)),
    Column("notified_at", UtcDateTime),
    Column("notified_cycle", String(64), index=True),
    Column("deadline", UtcDateTime, index=True),
    Column("paused_remaining_s", BigInteger),
    Column("appeal_from", String(20)),
    Column("metrics", JSONValue, nullable=False),
    Column("observed_on", Date),
    Column("below_since", Date),
    Column("name_id", String(36)),
    Column("pending_name_id", String(36)),
    Column("penalised_for", String(20)),
    Column("lingering", JSONValue, nullable=False),
    Column("flags", JSONValue, nullable=False),
    Column("restricted_since", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("platform", "open_account_id"),
)

enforcement = Table(
    "enforcement",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("case_id", String(36)),
    Column("restrictions", JSONValue, nullable=False),
    Column("incentives", JSONValue, nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("change_seq", BigInteger, nullable=False),
)

enforcement_changes = Table(
    "enforcement_changes",
    metadata,
    Column("seq", SEQUENCE, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("account_id", String(200), nullable=False, index=True),
    Column("case_id", String(36)),
    Column("platform", String(80), nullable=False, index=True),
    Column("restrictions", JSONValue, nullable=False),
    Column("incentives", JSONValue, nullable=False),
    Column("reason", String(200), nullable=False),
)

labels = Table(
    "labels",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("live", Boolean, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("fields", JSONValue, nullable=False),
    Column("name_id", String(36)),
    Column("since", UtcDateTime, nullable=False),
)

# One counter per platform, raised by every transaction that changes what its label lookups may
# answer (a label up or down, a name erased, a policy activated): a server process keeps the
# platform's disclosed account ids in memory and reads them again only when this has moved.
label_versions = Table(
    "label_versions",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

cycles = Table(
    "cycles",
    metadata,
    Column("cycle_id", String(64), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("platform", String(80), nullable=False),
    Column("policy_version", String(40), nullable=False),
    Column("snapshot", Text, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(20), nullable=False),
    Column("summary", JSONValue),
)

policy_activations = Table(
    "policy_activations",
    metadata,
    Column("seq", SEQUENCE, primary_key=True),
    Column("platform", String(80), nullable=False),
    Column("version", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("activated_at", UtcDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("source", Text, nullable=False),
)

# The newest count on file for each account that the platform pushed between cycles (the API's
# follower counts, the stream): an observation older than it moves nothing. A cycle's snapshot
# observes the whole platform at once; its date is the cycle's ``as_of``.
observations = Table(
    "observations",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("observed_on", Date, nullable=False),
    Column("source", String(40), nullable=False),
)

case_assignments = Table(
    "case_assignments",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("platform", String(80), nullable=False),
    Column("reviewer", String(120), nullable=False, index=True),
    Column("assigned_at", UtcDateTime, nullable=False),
)

# A statement of reasons for every enforcement change that applies a restriction to an account,
# written in the change's transaction (``domain.statements``); never a name.
statements = Table(
    "statements",
    metadata,
    Column("statement_id", String(36), primary_key=True),
    Column("platform", String(80), nullable=False),
    Column("account_id", String(200), nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("change_seq", BigInteger, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("body", JSONValue, nullable=False),
    UniqueConstraint("platform", "change_seq"),
    Index("ix_statements_platform_account", "platform", "account_id"),
    Index("ix_statements_platform_issued", "platform", "issued_at"),
)

# Label lookups per day, result and viewer rule, as the API tallied them: added to in batches
# (a process flushes what it counted every few seconds), never a write per lookup.
label_lookups = Table(
    "label_lookups",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("result", String(20), primary_key=True),  # shown | none | hidden
    Column("rule", String(40), primary_key=True),  # the viewer rule that hid it ("" otherwise)
    Column("lookups", BigInteger, nullable=False),
)
