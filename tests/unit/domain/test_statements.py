"""Statements of reasons, as data: which Transparency Database decision each restriction is,
which restrictions a change applies and lifts, stable ids, and never a statement of nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from byline.domain.statements import applied, lifted, statement_id, statement_of_reasons
from byline.policy import load_policy

AT = dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)


def restriction(kind: str, factor: float = 0.0, trigger: str = "refused") -> dict[str, Any]:
    return {"restriction": kind, "factor": factor, "penalty_id": f"p.{kind}", "trigger": trigger}


def statement(*restrictions: dict[str, Any]) -> dict[str, Any]:
    return statement_of_reasons(
        platform="weibo",
        cursor=17,
        account_id="a1",
        case_id="c1",
        policy=load_policy("weibo"),
        tier="weibo.tier.1m",
        counts={"followers": 1_200_000},
        restrictions=restrictions,
        notified_at=AT - dt.timedelta(days=20),
        deadline=None,
        at=AT,
    )


@pytest.mark.parametrize(
    ("restrictions", "visibility", "monetary", "provision"),
    [
        ([restriction("recommendation_feed")], ["DECISION_VISIBILITY_CONTENT_DEMOTED"], None, None),
        ([restriction("distribution", 0.5)], ["DECISION_VISIBILITY_CONTENT_DEMOTED"], None, None),
        ([restriction("tipping")], [], "DECISION_MONETARY_SUSPENSION", None),
        (
            [restriction("tipping"), restriction("ad_revenue_share", 0.5)],
            [],
            "DECISION_MONETARY_OTHER",
            None,
        ),
        ([restriction("selling")], [], None, "DECISION_PROVISION_PARTIAL_SUSPENSION"),
        (
            [restriction("hot_search"), restriction("commercial_income")],
            ["DECISION_VISIBILITY_CONTENT_DEMOTED"],
            "DECISION_MONETARY_SUSPENSION",
            None,
        ),
    ],
)
def test_each_restriction_is_the_decision_it_is(
    restrictions: list[dict[str, Any]],
    visibility: list[str],
    monetary: str | None,
    provision: str | None,
) -> None:
    s = statement(*restrictions)
    assert s["decision_visibility"] == visibility
    assert s["decision_monetary"] == monetary
    assert s["decision_provision"] == provision
    assert s["decision_account"] is None
    assert [r["restriction"] for r in s["restrictions"]] == [r["restriction"] for r in restrictions]


def test_the_facts_ground_and_automation() -> None:
    refused = statement(restriction("tipping"))
    assert refused["decision_facts"]["triggers"] == ["refused"]
    assert refused["decision_facts"]["threshold"] == {"followers": 1_000_000}
    assert refused["decision_facts"]["counts"] == {"followers": 1_200_000}
    assert refused["automated_detection"] is False  # the holder said so
    overdue = statement(restriction("tipping", trigger="overdue"))
    assert overdue["automated_detection"] is True  # the deadline sweep found it
    assert refused["incompatible_content_ground"]["policy_id"] == "weibo"
    assert refused["application_date"] == AT.isoformat()
    assert refused["how_to_appeal"]["internal_appeal"] is True


def test_ids_are_stable_and_differ_per_change() -> None:
    assert statement(restriction("tipping"))["statement_id"] == statement_id("weibo", 17)
    assert statement_id("weibo", 17) == statement_id("weibo", 17)
    assert (
        len({statement_id("weibo", 17), statement_id("weibo", 18), statement_id("douyin", 17)}) == 3
    )


def test_a_statement_explains_something() -> None:
    with pytest.raises(ValueError, match="at least one restriction"):
        statement()


def test_applied_and_lifted_compare_rule_and_restriction() -> None:
    feed, tips = restriction("recommendation_feed"), restriction("tipping")
    assert applied([], [feed, tips]) == [feed, tips]
    assert applied([feed], [feed, tips]) == [tips]
    assert lifted([feed, tips], [tips]) == [feed]
    # the same rule now on another trigger is not applied again
    assert applied([feed], [{**feed, "trigger": "overdue"}]) == []
    assert lifted([feed], []) == [feed] and applied([feed], []) == []
