"""The request and lookup tallies show on /metrics as prometheus_client's own metrics would."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from byline.api._state import Metrics

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
# on a bound, between bounds, past the last one, zero
SECONDS = (0.0003, 0.001, 0.0011, 0.02, 2.5, 3.0, 0.0)


def exposition(registry: CollectorRegistry) -> list[str]:
    """The text format, the creation times blanked (they differ by construction)."""
    text = generate_latest(registry).decode()
    return [re.sub(r"(_created\{.*\}) .*", r"\1 T", line) for line in text.splitlines()]


TALLIED = ("byline_http_request", "byline_label_lookups")


def named(line: str) -> str:
    """The metric a line of the text format is about."""
    return line.split()[2] if line.startswith("#") else line.split("{")[0].split()[0]


def test_the_exposition_is_prometheus_clients() -> None:
    tallied = Metrics()
    reference = CollectorRegistry()
    requests = Counter(
        "byline_http_requests_total",
        "HTTP requests",
        ["route", "method", "status"],
        registry=reference,
    )
    latency = Histogram(
        "byline_http_request_seconds",
        "HTTP request latency",
        ["route", "method"],
        registry=reference,
        buckets=BUCKETS,
    )
    lookups = Counter(
        "byline_label_lookups_total",
        "Label lookups by result",
        ["result", "rule"],
        registry=reference,
    )
    for route, status in (("/v1/platforms/{platform}/labels", "200"), ("unmatched", "404")):
        counted = tallied.requests.series(route, "POST", status)
        timed = tallied.latency.series(route, "POST")
        for seconds in SECONDS:
            tallied.count_request(counted, timed, seconds)
            requests.labels(route, "POST", status).inc()
            latency.labels(route, "POST").observe(seconds)
    for result, amount, rule in (("shown", 2, ""), ("none", 5, ""), ("hidden", 3, "unverified")):
        tallied.count_lookups(result, amount, rule)
        tallied.count_lookups(result, 1, rule)
        lookups.labels(result, rule).inc(amount + 1)
    ours = [line for line in exposition(tallied.registry) if named(line).startswith(TALLIED)]
    assert ours == exposition(reference)


def test_the_other_metrics_are_still_there() -> None:
    metrics = Metrics()
    metrics.rate_limited.labels("viewer").inc()
    metrics.queue.labels("weibo").set(3)
    text = generate_latest(metrics.registry).decode()
    assert 'byline_rate_limited_total{bucket="viewer"} 1.0' in text
    assert 'byline_review_queue{platform="weibo"} 3.0' in text
    assert "byline_http_requests_total{" not in text  # no series before a request
