"""The example policy of the OpenAPI document: the Weibo preset, condensed."""

from __future__ import annotations

# A candidate policy as an example body: the Weibo preset, condensed (valid as it stands).
EXAMPLE_POLICY = """\
[policy]
id = "weibo"
version = "2024.01"
platform = "Weibo"
title = "Weibo self-media real-name display"

[floor]
id = "weibo.floor"
threshold = { followers = 500000 }

[subjects]
id = "weibo.subjects"
kinds = ["individual", "organization"]

[scope]
id = "weibo.scope"
categories = ["current_affairs", "military", "finance", "law", "medicine"]

[notice]
id = "weibo.notice"
deadline_days = 9

[[tiers]]
id = "weibo.tier.1m"
label = "1,000,000+ followers"
threshold = { followers = 1000000 }
phase_starts = 2023-10-16
comply_by = 2023-10-31

[[tiers]]
id = "weibo.tier.500k"
label = "500,000+ followers"
threshold = { followers = 500000 }
phase_starts = 2023-12-22
comply_by = 2023-12-31

[display]
id = "weibo.display"
individual = ["real_name"]
organization = ["organization_name"]

[viewers]
id = "weibo.viewers"
hidden_from = ["logged_out", "unverified", "abnormal", "sanctioned"]

[[penalties]]
id = "weibo.penalty.feed"
restriction = "recommendation_feed"
on = ["refused", "overdue"]

[[penalties]]
id = "weibo.penalty.tipping"
restriction = "tipping"
on = ["refused", "overdue"]

[drop]
id = "weibo.drop"
release_after_days_below = 30

[voluntary]
id = "weibo.voluntary"
allowed = true
"""
