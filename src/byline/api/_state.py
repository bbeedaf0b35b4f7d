"""What every request handler may use: the programme, the limiter, the settings, metrics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge

from byline.api._cache import TtlCache
from byline.api._ratelimit import RateLimiter
from byline.api._settings import ApiSettings
from byline.api._tally import Counts, Tally, Timings
from byline.service import Displays, LabelCache, Principal, Services


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        # Counted on every request: tallies (one lock each), not prometheus_client's metrics.
        per_request = threading.Lock()  # a request is counted and timed in one step
        self.requests = Counts(
            "byline_http_requests", "HTTP requests", ["route", "method", "status"], per_request
        )
        self.latency = Timings(
            "byline_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            per_request,
        )
        self.label_hits = Counts(
            "byline_label_lookups", "Label lookups by result", ["result", "rule"]
        )
        Tally(r, self.requests, self.latency, self.label_hits)
        self.rate_limited = Counter(
            "byline_rate_limited_total", "Requests refused for rate", ["bucket"], registry=r
        )
        self.over_budget = Counter(
            "byline_name_budget_exceeded_total",
            "Label lookups refused because a key or viewer was shown its hour's budget of names",
            ["scope"],
            registry=r,
        )
        self.limited_in_memory = Counter(
            "byline_rate_limit_in_memory_total",
            "Requests rate-limited in this process's memory because Redis could not be reached",
            registry=r,
        )
        self.queue = Gauge(
            "byline_review_queue", "Cases waiting for review", ["platform"], registry=r
        )
        self.outbox_backlog = Gauge("byline_outbox_pending", "Outbox messages pending", registry=r)
        self.flagged_owners = Gauge(
            "byline_flagged_owners",
            "Owners the latest finished cycle flagged: an audience reaching a tier across"
            " accounts each below the floor",
            ["platform"],
            registry=r,
        )

    def watch_displays(self, displays: Displays) -> None:
        """Gauges read from the name displays' counter when /metrics is read."""
        r = self.registry
        Gauge(
            "byline_displays_pending",
            "Name displays counted in memory and not yet written to the database",
            registry=r,
        ).set_function(displays.counter.pending)
        Gauge(
            "byline_display_flush_failures",
            "Writes of name displays that failed (their displays were kept for the next)",
            registry=r,
        ).set_function(lambda: displays.failed_flushes)
        Gauge(
            "byline_displays_dropped",
            "Name displays not counted because the queue waiting to be written was full",
            registry=r,
        ).set_function(lambda: displays.counter.dropped)
        Gauge(
            "byline_display_records_dropped",
            "Display records not carried over failed writes (past the bound); counts are kept",
            registry=r,
        ).set_function(lambda: displays.counter.records_dropped)
        Gauge(
            "byline_harvest_window_dropped",
            "Accounts not kept in the harvesting signal's sliding hour: it held its bound",
            registry=r,
        ).set_function(lambda: displays.counter.hour.dropped)
        Gauge(
            "byline_harvest_flagged_here",
            "Keys and viewers over the harvesting threshold in this worker's last hour",
            registry=r,
        ).set_function(lambda: sum(displays.flagged_here.values()))

    def count_request(self, counted: list[float], timed: list[float], seconds: float) -> None:
        """Count a request and its time, in the cells of ``requests`` and ``latency``."""
        self.latency.observe(timed, seconds, counted)

    def count_lookups(self, result: str, amount: int, rule: str = "") -> None:
        """Count ``amount`` account lookups of one result (and the rule that hid them)."""
        self.label_hits.add(self.label_hits.series(result, rule), amount)


@dataclass
class AppState:
    services: Services
    limiter: RateLimiter
    settings: ApiSettings
    metrics: Metrics
    # Authenticated keys for a few seconds: a revoked key stops working within ``key_cache_s``.
    keys: TtlCache[Principal | None] = field(default_factory=lambda: TtlCache(5.0))
    # Recent label answers, for ``settings.label_cache_s`` (cleared by this process's changes).
    labels: LabelCache = field(init=False)

    def __post_init__(self) -> None:
        self.labels = self.services.labels.cache(self.settings.label_cache_s)
        displays = self.services.displays
        displays.harvest_threshold = self.settings.harvest_threshold
        if self.settings.harvest_window_max is not None:
            displays.counter.hour.max_held = self.settings.harvest_window_max
        self.metrics.watch_displays(displays)
        # a key revoked by this process (API, console, CLI in-process) stops here at once
        self.services.access.on_key_revoked(self.keys.clear)
