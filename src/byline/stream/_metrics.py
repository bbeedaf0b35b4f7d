"""The consumer's Prometheus metrics: progress (entries by outcome, crossings, cases) and lag."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


@dataclass
class StreamMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.entries = Counter(
            "byline_stream_entries_total",
            "Stream entries read, by outcome (applied, rejected, ignored: an older seq)",
            ["outcome"],
            registry=r,
        )
        self.rejected = Counter(
            "byline_stream_rejected_total",
            "Entries sent to the rejected stream",
            ["reason"],
            registry=r,
        )
        self.crossings = Counter(
            "byline_stream_crossings_total", "Accounts whose decision a batch changed", registry=r
        )
        self.cases = Counter(
            "byline_stream_case_actions_total",
            "What the crossings did to cases",
            ["action"],
            registry=r,
        )
        self.batch_seconds = Histogram(
            "byline_stream_batch_seconds",
            "Time to apply one batch and act on its crossings",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.checkpoint_seconds = Histogram(
            "byline_stream_checkpoint_seconds", "Time to write a checkpoint", registry=r
        )
        self.lag_seconds = Gauge(
            "byline_stream_lag_seconds",
            "Age of the newest applied entry when it was applied (Redis clock)",
            registry=r,
        )
        self.lag_entries = Gauge(
            "byline_stream_lag_entries",
            "Entries in the stream not yet read by the group",
            registry=r,
        )
        self.gaps = Counter(
            "byline_stream_gaps_total",
            "Times entries were found trimmed before they were read (counted on: --accept-gap)",
            registry=r,
        )
        self.gap_entries = Counter(
            "byline_stream_gap_entries_total",
            "Entries trimmed before they were read, never applied (--accept-gap)",
            registry=r,
        )
        self.position = Gauge(
            "byline_stream_checkpoint_ms", "Time part of the checkpointed stream id", registry=r
        )

    def serve(self, port: int) -> None:
        if port:
            start_http_server(port, registry=self.registry)
