"""Creators, reviewers, the platform and admins through the API, end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
from sqlalchemy import select

from byline import audit
from byline.access import CLOCK_SKEW
from byline.service.access import issue_creator_token
from byline.service.cycle import run_cycle
from conftest import NAMES, NOW, World

from factories import write_snapshot


def test_a_creator_is_told_why_in_codes_and_in_the_asked_language(world: World) -> None:
    headers = world.creator("quiet")
    english = world.client.get("/v1/platforms/weibo/me", headers=headers).json()
    assert english["lang"] == "en"
    codes = [(w["code"], w["rule"]) for w in english["why"]]
    assert ("tier", "weibo.tier.1m") in codes and ("counts", "weibo.floor") in codes
    assert english["reasons"] == [w["text"] for w in english["why"]]
    feed = english["costs_if_refused"][0]
    assert (feed["code"], feed["rule"]) == ("recommendation_feed", "weibo.penalty.feed")
    for asked in ({"params": {"lang": "zh-CN"}}, {"headers": {"Accept-Language": "zh-CN,en"}}):
        extra = asked.get("headers", {})
        chinese = world.client.get(
            "/v1/platforms/weibo/me",
            headers={**headers, **extra},
            params=asked.get("params", {}),
        ).json()
        assert chinese["lang"] == "zh-CN"
        assert [(w["code"], w["rule"]) for w in chinese["why"]] == codes
        assert any("粉丝 100 万及以上" in r for r in chinese["reasons"])
        assert any("推荐流曝光" in p for p in chinese["penalties_if_refused"])
    unknown = world.client.get("/v1/platforms/weibo/me", headers=headers, params={"lang": "fr"})
    assert unknown.status_code == 400


def test_creator_sees_obligation_refuses_and_sees_restrictions(world: World) -> None:
    me = world.client.get("/v1/platforms/weibo/me", headers=world.creator("quiet"))
    assert me.status_code == 200
    body = me.json()
    assert body["required"] and body["state"] == "notified" and body["deadline"]
    assert any("1,000,000 or more followers" in r for r in body["reasons"])
    assert any("recommendation feed" in p for p in body["penalties_if_refused"])
    refused = world.client.post(
        "/v1/platforms/weibo/me/refusal", headers=world.creator("quiet"), json={"reason": "privacy"}
    )
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    enforcement = world.client.get(
        "/v1/platforms/weibo/me/enforcement", headers=world.creator("quiet")
    ).json()
    assert {r["restriction"] for r in enforcement["restrictions"]} >= {"recommendation_feed"}
    # the statement of reasons for them: the same restrictions, the ground, how to appeal
    (statement,) = world.client.get(
        "/v1/platforms/weibo/me/statements", headers=world.creator("quiet")
    ).json()["statements"]
    assert statement["puid"] == "quiet" and statement["decision_facts"]["triggers"] == ["refused"]
    assert {r["restriction"] for r in statement["restrictions"]} == {
        r["restriction"] for r in enforcement["restrictions"]
    }
    assert statement["enforcement_cursor"] == enforcement["cursor"]
    assert statement["how_to_appeal"]["internal_appeal"] is True
    # comply later: submit, a reviewer approves, the restrictions lift
    submitted = world.client.post(
        "/v1/platforms/weibo/me/submission",
        headers=world.creator("quiet"),
        json={"name": "Sun Li", "consent": True},
    )
    assert submitted.json()["state"] == "submitted"
    world.client.post(
        "/v1/platforms/weibo/review/cases/quiet/approval", headers=world.key("reviewer")
    )
    assert (
        world.client.get(
            "/v1/platforms/weibo/me/enforcement", headers=world.creator("quiet")
        ).json()["restrictions"]
        == []
    )
    # lifting restrictions explains nothing new: still the one statement
    assert (
        len(
            world.client.get(
                "/v1/platforms/weibo/me/statements", headers=world.creator("quiet")
            ).json()["statements"]
        )
        == 1
    )


def test_creator_token_rules(world: World) -> None:
    expired = world.creator("quiet", lifetime=dt.timedelta(seconds=-1))
    assert world.client.get("/v1/platforms/weibo/me", headers=expired).status_code == 401
    too_long = world.creator("quiet", lifetime=dt.timedelta(hours=5))
    response = world.client.get("/v1/platforms/weibo/me", headers=too_long)
    assert response.status_code == 401 and "too long" in response.json()["detail"]
    other = world.creator("quiet", platform="douyin")
    assert world.client.get("/v1/platforms/weibo/me", headers=other).status_code == 401


def test_a_creator_token_from_the_future_is_refused(world: World) -> None:
    """Signed with the platform's real creator key, but issued ten years ahead (so it could be
    kept and used for ten years), or valid only from later: refused, without echoing it."""
    secret = world.creator_secret["weibo"]
    ahead = NOW + dt.timedelta(days=3650)
    for token in (
        issue_creator_token(secret, "weibo", "quiet", ahead),
        issue_creator_token(secret, "weibo", "quiet", NOW + CLOCK_SKEW + dt.timedelta(seconds=1)),
        jwt.encode(
            {
                "sub": "quiet",
                "aud": "byline:weibo",
                "iat": int(NOW.timestamp()),
                "nbf": int((NOW + dt.timedelta(minutes=5)).timestamp()),
                "exp": int((NOW + dt.timedelta(minutes=15)).timestamp()),
            },
            secret,
            algorithm="HS256",
        ),
    ):
        response = world.client.get(
            "/v1/platforms/weibo/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, response.text
        assert "future" in response.json()["detail"] or "not valid yet" in response.json()["detail"]
        assert token not in response.text
    within = issue_creator_token(secret, "weibo", "quiet", NOW + CLOCK_SKEW)
    me = world.client.get("/v1/platforms/weibo/me", headers={"Authorization": f"Bearer {within}"})
    assert me.status_code == 200


def test_creator_cannot_act_out_of_turn(world: World) -> None:
    response = world.client.post(
        "/v1/platforms/weibo/me/withdrawal", headers=world.creator("quiet"), json={}
    )
    assert response.status_code == 409
    assert "refuse instead" in response.json()["detail"]


def test_volunteer_below_the_floor(world: World) -> None:
    response = world.client.post(
        "/v1/platforms/weibo/me/volunteer",
        headers=world.creator("small"),
        json={"name": "Wang Gaofei", "kind": "individual"},
    )
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    world.client.post(
        "/v1/platforms/weibo/review/cases/small/approval", headers=world.key("reviewer")
    )
    labels = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": "v", "logged_in": True, "identity_verified": True},
            "account_ids": ["small"],
        },
    ).json()["labels"]
    assert labels["small"]["name"] == "Wang Gaofei"


def test_reviewer_queue_reveal_is_audited_and_decisions(world: World) -> None:
    queue = world.client.get(
        "/v1/platforms/weibo/review/queue?state=submitted", headers=world.key("reviewer")
    ).json()
    assert [c["account_id"] for c in queue] == ["waiting"]
    assert "Liu Yang" not in str(queue)
    case = world.client.get(
        "/v1/platforms/weibo/review/cases/waiting", headers=world.key("reviewer")
    ).json()
    assert case["name_pending"] is True and "Liu Yang" not in str(case)
    revealed = world.client.post(
        "/v1/platforms/weibo/review/cases/waiting/name-reveal",
        headers=world.key("reviewer"),
        json={"reason": "review"},
    )
    assert revealed.json()["name"] == "Liu Yang"
    with world.programme.db.reading() as conn:
        reads = [e for e in audit.entries_for(conn) if e["action"] == "name:decrypted"]
    assert len(reads) == 1 and reads[0]["actor"].startswith("key:byl_")
    rejected = world.client.post(
        "/v1/platforms/weibo/review/cases/waiting/rejection",
        headers=world.key("reviewer"),
        json={"reason": "name_mismatch"},
    )
    assert rejected.json()["state"] == "rejected"
    bulk = world.client.post(
        "/v1/platforms/weibo/review/bulk",
        headers=world.key("reviewer"),
        json={"action": "approve", "account_ids": ["waiting", "star"]},
    )
    assert all(v.startswith("not done") for v in bulk.json()["results"].values())


def test_appeal_and_decision(world: World) -> None:
    world.client.post(
        "/v1/platforms/weibo/me/appeal",
        headers=world.creator("quiet"),
        json={"reason": "wrong_category"},
    )
    decided = world.client.post(
        "/v1/platforms/weibo/review/cases/quiet/appeal-decision",
        headers=world.key("reviewer"),
        json={"upheld": True, "reason": "category_corrected"},
    )
    assert decided.json()["state"] == "exempted"


def test_platform_counts_enforcement_webhooks_cycles(world: World) -> None:
    pushed = world.client.post(
        "/v1/platforms/weibo/follower-counts",
        headers=world.key("platform"),
        json={
            "as_of": "2023-10-26",
            "counts": [
                {
                    "account_id": "newcomer",
                    "kind": "individual",
                    "category": "finance",
                    "followers": 4_000_000,
                },
                {
                    "account_id": "quiet",
                    "kind": "individual",
                    "category": "law",
                    "followers": 200_000,
                },
            ],
        },
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["accepted"] == 2 and pushed.json()["case:opened"] == 1
    case = world.client.get(
        "/v1/platforms/weibo/review/cases/newcomer", headers=world.key("reviewer")
    ).json()
    assert case["state"] == "required"
    changes = world.client.get(
        "/v1/platforms/weibo/enforcement?since=0", headers=world.key("platform")
    ).json()
    assert changes["next_cursor"] >= 1
    later = world.client.get(
        f"/v1/platforms/weibo/enforcement?since={changes['next_cursor']}",
        headers=world.key("platform"),
    ).json()
    assert later["changes"] == []
    hook = world.client.post(
        "/v1/platforms/weibo/webhooks",
        headers=world.key("platform"),
        json={"url": "http://127.0.0.1:9/hook", "topics": ["label"]},
    )
    assert hook.status_code == 201 and len(hook.json()["secret"]) >= 16
    cycle = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": world.snapshot.name, "as_of": "2023-12-22"},
    )
    assert cycle.status_code == 200, cycle.text
    assert cycle.json()["evaluation"]["read"] == 5
    outside = world.client.post(
        "/v1/platforms/weibo/cycles",
        headers=world.key("platform"),
        json={"snapshot": "../../etc/passwd", "as_of": "2023-12-22"},
    )
    assert outside.status_code == 422 and "snapshot folder" in outside.json()["detail"]


def test_a_platform_reads_only_its_own_snapshot_folder(world: World) -> None:
    import shutil

    root = world.snapshot.parent
    (root / "weibo" / world.snapshot.name).unlink()
    shutil.copyfile(world.snapshot, root / "douyin" / "douyin-only.parquet")
    for snapshot in (
        "douyin-only.parquet",  # douyin's
        "../douyin/douyin-only.parquet",  # douyin's, by a path
        "../snapshot.parquet",  # the folder above every platform's
        world.snapshot.name,  # not (any more) in weibo's folder
    ):
        response = world.client.post(
            "/v1/platforms/weibo/cycles",
            headers=world.key("platform"),
            json={"snapshot": snapshot, "as_of": "2023-12-22"},
        )
        assert response.status_code == 422, (snapshot, response.text)
    own = world.client.post(
        "/v1/platforms/douyin/cycles",
        headers=world.key("platform", "douyin"),
        json={"snapshot": "douyin-only.parquet", "as_of": "2023-12-22"},
    )
    assert own.status_code == 200, own.text


def test_shadow_policy_and_activation(world: World) -> None:
    from byline.policy import preset_path

    source = (
        preset_path("weibo")
        .read_text()
        .replace("threshold = { followers = 1000000 }", "threshold = { followers = 1300000 }")
    )
    shadow = world.client.post(
        "/v1/platforms/weibo/policies/shadow",
        headers=world.key("platform"),
        json={"source": source, "snapshot": world.snapshot.name, "as_of": "2023-11-01"},
    )
    assert shadow.status_code == 200, shadow.text
    body = shadow.json()
    assert body["diff"]["no_longer_required"] == 2  # 1.2M and 1.1M accounts fall out
    assert {s["account_id"] for s in body["sample"]} == {"quiet", "waiting"}
    wrong = world.client.post(
        "/v1/platforms/weibo/policies/activation",
        headers=world.key("admin"),
        json={"source": preset_path("douyin").read_text()},
    )
    assert wrong.status_code == 422 and "this platform is 'weibo'" in wrong.json()["detail"]
    activated = world.client.post(
        "/v1/platforms/weibo/policies/activation",
        headers=world.key("admin"),
        json={"source": source},
    )
    assert activated.json()["changed"] is True
    with world.programme.db.reading() as conn:
        actions = [e["action"] for e in audit.entries_for(conn)]
    assert actions.count("policy:activated") >= 2


def test_admin_keys_shown_once_and_revocable(world: World) -> None:
    created = world.client.post(
        "/v1/platforms/weibo/api-keys",
        headers=world.key("admin"),
        json={"role": "label", "label": "cdn"},
    )
    key = created.json()["key"]
    listed = world.client.get("/v1/platforms/weibo/api-keys", headers=world.key("admin")).json()
    assert key not in str(listed)
    from byline.access._tables import api_keys

    with world.programme.db.reading() as conn:
        assert key not in str(conn.execute(select(api_keys)).all())
    body = {
        "viewer": {"id": "v", "logged_in": True, "identity_verified": True},
        "account_ids": ["star"],
    }
    ok = world.client.post(
        "/v1/platforms/weibo/labels", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert ok.json()["labels"]["star"]["name"] == NAMES["star"]
    world.client.delete(
        f"/v1/platforms/weibo/api-keys/{created.json()['key_id']}", headers=world.key("admin")
    )
    refused = world.client.post(
        "/v1/platforms/weibo/labels", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status_code == 401


def test_errors_are_problems_without_traces(world: World) -> None:
    response = world.client.get(
        "/v1/platforms/weibo/review/cases/nobody", headers=world.key("reviewer")
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
    assert world.client.get("/readyz").json()["ready"] is True
    metrics = world.client.get("/metrics").text
    assert "byline_http_requests_total" in metrics and "byline_review_queue" in metrics


def test_metrics_count_the_owners_the_latest_cycle_flagged(world: World, tmp_path: Path) -> None:
    assert "byline_flagged_owners{" not in world.client.get("/metrics").text  # no owners named
    rows = [
        {"account_id": a, "kind": "individual", "category": "law", "followers": f,
         "owner_ref": "h1", "owner_followers": 1_200_000}
        for a, f in (("m1", 450_000), ("m2", 400_000))
    ]  # fmt: skip
    snapshot = write_snapshot(tmp_path / "owners.parquet", rows)
    run_cycle(world.programme.db, snapshot, "weibo", dt.date(2023, 10, 20))
    assert 'byline_flagged_owners{platform="weibo"} 1.0' in world.client.get("/metrics").text


def test_an_account_id_with_a_slash_is_reached_through_the_api(
    world: World, tmp_path: Path
) -> None:
    rows = [{"account_id": "news/desk", "kind": "individual", "category": "law",
             "followers": 1_300_000}]  # fmt: skip
    snapshot = write_snapshot(tmp_path / "slash.parquet", rows)
    run_cycle(world.programme.db, snapshot, "weibo", dt.date(2023, 10, 20))
    for path in ("news%2Fdesk", "news/desk"):
        case = world.client.get(
            f"/v1/platforms/weibo/review/cases/{path}", headers=world.key("reviewer")
        )
        assert case.status_code == 200, case.text
        assert case.json()["account_id"] == "news/desk"
        assert case.json()["state"] == "notified"
        enforcement = world.client.get(
            f"/v1/platforms/weibo/enforcement/{path}", headers=world.key("platform")
        )
        assert enforcement.status_code == 200, enforcement.text
    approve = world.client.post(
        "/v1/platforms/weibo/review/cases/news%2Fdesk/approval", headers=world.key("reviewer")
    )
    assert approve.status_code == 409  # nothing submitted yet: refused for the right case
