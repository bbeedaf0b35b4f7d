"""The creator's own pages: what is required and why, the deadline, consent and submission,
refusal only after its consequences are shown, appeal, volunteering and withdrawal, and the
restrictions in force."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from byline.domain.vocabulary import AppealDecisionReason, Trigger
from byline.service import Creators
from byline.service.access import (
    Role,
    create_api_key,
    issue_creator_token,
    register_creator_key,
)
from byline.service.programme import Actor, Programme
from integration.console.conftest import NOW, Console
from integration.console.threads import watch

ME = "/console/weibo/me"


def items(html: str, testid: str) -> list[str]:
    found = re.search(rf'<ul data-testid="{testid}">(.*?)</ul>', html, re.S)
    assert found, f"no list {testid} on the page"
    return re.findall(r"<li>(.*?)</li>", found.group(1), re.S)


def test_an_account_below_the_floor_is_told_nothing_is_required(console: Console) -> None:
    page = console.creator("small").get(ME)
    assert page.status_code == 200
    assert 'data-testid="nothing-required"' in page.text
    assert 'data-testid="countdown"' not in page.text
    assert 'data-testid="submit-name"' not in page.text and 'data-testid="refuse"' not in page.text
    assert items(page.text, "restrictions") == []
    assert 'data-testid="volunteer"' in page.text  # weibo lets anyone show a name


def test_a_notified_creator_sees_why_and_the_deadline(console: Console) -> None:
    view = console.programme.show("weibo", "quiet")
    page = console.creator("quiet").get(ME)
    assert page.status_code == 200
    assert f'data-countdown="{view.deadline.isoformat()}"' in page.text
    countdown = re.search(r'data-testid="countdown"[^>]*>([^<]+)<', page.text)
    assert countdown is not None
    left = view.deadline - NOW
    assert countdown.group(1) == (
        f"{left.days} days {left.seconds // 3600} h {left.seconds % 3600 // 60} min left"
    )
    reasons = " ".join(items(page.text, "reasons"))
    assert "weibo.tier.1m" in reasons and "1,200,000" in reasons
    for action in ("submit-name", "refuse", "appeal"):
        assert f'data-testid="{action}"' in page.text
    assert 'data-testid="volunteer"' not in page.text
    chinese = console.creator("quiet")
    chinese.get("/console/lang/zh-CN?next=" + ME)
    assert "截止时间" in chinese.get(ME).text


def test_a_name_is_submitted_only_with_consent(console: Console) -> None:
    client = console.creator("quiet")
    response = console.post(client, ME, ME + "/submit", name="Zhao Min")
    assert response.headers["location"] == ME + "?error=me_consent_required"
    assert console.programme.show("weibo", "quiet").state == "notified"
    error = client.get(response.headers["location"]).text
    assert "tick the consent box" in error and "Zhao Min" not in error
    response = console.post(client, ME, ME + "/submit", name="Zhao Min", consent="yes")
    assert response.headers["location"] == ME + "?notice=me_submitted"
    view = console.programme.show("weibo", "quiet")
    assert view.state == "submitted" and view.name_pending
    assert view.history[-1].actor == "creator:quiet"
    page = client.get(ME).text
    assert "waits for a reviewer" in page and "Zhao Min" not in page


def test_an_organisation_is_asked_for_its_registered_name(console: Console) -> None:
    page = console.creator("org").get(ME).text
    assert "Organisation&#39;s registered name" in page or "Organisation's registered name" in page
    assert "Real name" not in page
    assert "Real name" in console.creator("quiet").get(ME).text


def test_a_creator_refuses_after_seeing_the_consequences(console: Console) -> None:
    client = console.creator("quiet")
    page = client.get(ME).text
    assert 'href="/console/weibo/me/refuse" data-testid="refuse"' in page
    confirm = client.get(ME + "/refuse")
    assert confirm.status_code == 200
    consequences = items(confirm.text, "consequences")
    policy = console.programme.policy_in_force("weibo")
    refused_penalties = [p.id for p in policy.penalties if Trigger.REFUSED in p.on]
    assert len(consequences) == len(refused_penalties) == 4
    for penalty_id, line in zip(refused_penalties, consequences, strict=True):
        assert penalty_id in line
    assert "Exposure in the recommendation feed withdrawn" in confirm.text
    assert 'data-testid="confirm-refuse"' in confirm.text
    # nothing happened yet; a POST without the confirmation does nothing either
    assert console.programme.show("weibo", "quiet").state == "notified"
    unconfirmed = client.post(ME + "/refuse", data={"csrf": _csrf(confirm.text)})
    assert unconfirmed.headers["location"] == ME + "/refuse?error=me_confirm_required"
    assert console.programme.show("weibo", "quiet").state == "notified"
    response = console.post(client, ME + "/refuse", ME + "/refuse", confirm="yes", reason="")
    assert response.headers["location"] == ME + "?notice=me_refused"
    assert console.programme.show("weibo", "quiet").state == "refused"
    after = client.get(response.headers["location"]).text
    restrictions = items(after, "restrictions")
    in_force = console.programme.enforcement("weibo", "quiet").restrictions
    assert len(restrictions) == len(in_force) == 4
    assert any("recommendation feed" in r and "weibo.penalty.feed" in r for r in restrictions)
    assert all("lifted once a name submitted with consent is verified" in r for r in restrictions)
    # refused: it can still submit or appeal, not refuse again
    assert 'data-testid="submit-name"' in after and 'data-testid="appeal"' in after
    assert 'data-testid="refuse"' not in after
    assert client.get(ME + "/refuse").headers["location"] == ME + "?error=me_cannot_refuse"
    # the statement of reasons for them, with the ground, the facts and how to appeal
    (statement,) = Creators(console.programme.deps).statements("weibo", "quiet")
    assert after.count('data-testid="statement"') == 1
    assert f'data-statement-id="{statement["statement_id"]}"' in after
    assert "Ground: the policy weibo" in after and "How to appeal" in after
    client.cookies.set("byline_lang", "zh-CN", path="/console")
    chinese = client.get(ME).text
    assert "理由说明" in chinese and "如何申诉" in chinese


def test_a_creator_appeals_with_a_reason(console: Console) -> None:
    client = console.creator("quiet")
    response = console.post(client, ME, ME + "/appeal", reason=" ")
    assert response.headers["location"] == ME + "?error=me_reason_required"
    response = console.post(
        client, ME, ME + "/appeal", reason="wrong_category", note="my account is about cooking"
    )
    assert response.headers["location"] == ME + "?notice=me_appealed"
    view = console.programme.show("weibo", "quiet")
    assert view.state == "appealed" and view.deadline is None
    page = client.get(ME).text
    assert "deadline is paused" in page and 'data-testid="countdown"' not in page
    assert 'data-testid="appeal"' not in page and 'data-testid="refuse"' not in page
    console.programme.decide_appeal(
        "weibo",
        "quiet",
        upheld=True,
        reason=AppealDecisionReason.CATEGORY_CORRECTED,
        actor=Actor("staff:ann"),
    )
    page = client.get(ME).text
    assert "Nothing is required of you" in page and "appeal was upheld" in page
    assert items(page, "restrictions") == []


def test_a_creator_volunteers_and_withdraws(console: Console) -> None:
    client = console.creator("small")
    response = console.post(client, ME, ME + "/volunteer", name="Small Person", kind="individual")
    assert response.headers["location"] == ME + "?error=me_consent_required"
    response = console.post(
        client, ME, ME + "/volunteer", name="Small Person", kind="individual", consent="yes"
    )
    assert response.headers["location"] == ME + "?notice=me_volunteered"
    view = console.programme.show("weibo", "small")
    assert view.voluntary and view.state == "submitted"
    page = client.get(ME).text
    assert 'data-testid="withdraw"' in page and 'data-testid="refuse"' not in page
    assert 'data-testid="volunteer"' not in page
    response = console.post(
        client, ME, ME + "/withdraw", reason="no_longer_wanted", note="changed my mind"
    )
    assert response.headers["location"] == ME + "?notice=me_withdrawn"
    assert console.programme.show("weibo", "small").state == "withdrawn"
    again = client.get(ME).text
    assert 'data-testid="nothing-required"' in again and 'data-testid="volunteer"' in again


def test_a_disclosed_creator_sees_the_incentives_and_can_change_the_name(
    console: Console,
) -> None:
    page = console.creator("star").get(ME).text
    assert 'data-state="disclosed"' in page
    assert "weibo.incentive.traffic" in " ".join(items(page, "incentives"))
    assert 'data-testid="submit-name"' in page and "Change my name" in page
    assert "王高飞" not in page  # the creator's own page never shows the name either


def test_only_the_creator_opens_these_pages(console: Console) -> None:
    for role in (Role.ADMIN, Role.PLATFORM, Role.REVIEWER):
        assert console.staff(role).get(ME).status_code == 403
    client = console.creator("quiet")
    assert client.get("/console/douyin/me").status_code == 403
    assert client.post("/console/douyin/me/refuse", data={"confirm": "yes"}).status_code == 403
    assert client.post(ME + "/refuse", data={"csrf": "forged", "confirm": "yes"}).status_code == 403
    assert console.programme.show("weibo", "quiet").state == "notified"
    assert console.client().get(ME).status_code == 303  # to sign in


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def error_after(client: TestClient, response: httpx.Response) -> str:
    """The error the page a POST redirected to shows (its text, unescaped)."""
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    found = re.search(r'data-testid="error">([^<]*)<', page)
    assert found, "no error on the page"
    return html.unescape(found.group(1))


def test_without_a_policy_in_force_the_page_says_so(console: Console) -> None:
    # a platform that registered its creator key but has no policy in force yet
    secret = register_creator_key(console.programme.db, "kuaishou", actor="test", now=NOW)
    token = issue_creator_token(secret, "kuaishou", "someone", NOW)
    client = console.client()
    assert client.get(f"/console/kuaishou/enter?token={token}").status_code == 303
    for path in ("/console/kuaishou/me", "/console/kuaishou/me/refuse"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert 'data-testid="message"' in response.text
        assert "no policy in force yet" in response.text
        chinese = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert chinese.status_code == 404 and "本平台尚无生效的政策" in chinese.text


def test_note_fields_say_they_are_kept_encrypted(console: Console) -> None:
    hints = {"en": "Kept encrypted", "zh-CN": "加密保存"}
    volunteer = console.creator("small")
    console.post(volunteer, ME, ME + "/volunteer", name="Small", kind="individual", consent="yes")
    for client, url, field in (
        (console.creator("quiet"), ME, "appeal-note"),
        (console.creator("quiet"), ME + "/refuse", "refuse-note"),
        (volunteer, ME, "withdraw-note"),
    ):
        for lang, hint in hints.items():
            page = client.get(url, headers={"Accept-Language": lang}).text
            described = re.search(rf'aria-describedby="([^"]+)" data-testid="{field}"', page)
            assert described, (url, field)
            assert re.search(rf'id="{described.group(1)}" data-testid="note-hint">{hint}', page), (
                url,
                field,
                lang,
            )


def refusing(message: str) -> Any:
    def submit(self: Programme, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(message)

    return submit


def test_an_error_never_repeats_the_name_that_was_typed(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = console.creator("quiet")
    # the vault refuses a name by position and code point, never by repeating it
    response = console.post(client, ME, ME + "/submit", name="Zhao\u202eMin", consent="yes")
    shown = error_after(client, response)
    assert "U+202E" in shown and "Zhao" not in shown and "Min" not in shown
    # and should any message repeat the name, or a part of it, a general one is shown instead
    general = "The name was not accepted. Check it and submit it again."
    for typed, message, expected in (
        ("Zhao Min", "name 'Zhao Min' is taken", general),
        ("Zhao Min", "the name zhao is odd", general),
        ("王高飞", "高飞 looks wrong", general),
        ("Zhao Min", "at most 200 characters", "at most 200 characters"),  # no name: as it is
    ):
        monkeypatch.setattr(Creators, "submit", refusing(message))
        response = console.post(client, ME, ME + "/submit", name=typed, consent="yes")
        assert error_after(client, response) == expected, message
    assert console.programme.show("weibo", "quiet").state == "notified"


def test_actions_run_off_the_event_loop(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = watch(monkeypatch, Creators, "submit", "refuse", "appeal", "volunteer", "withdraw")
    quiet, small = console.creator("quiet"), console.creator("small")
    console.post(
        quiet, ME, ME + "/appeal", reason="wrong_category", note="my account is about cooking"
    )
    console.programme.decide_appeal(
        "weibo",
        "quiet",
        upheld=False,
        reason=AppealDecisionReason.CATEGORY_CONFIRMED,
        actor=Actor("staff:ann"),
    )
    console.post(quiet, ME + "/refuse", ME + "/refuse", confirm="yes", reason="")
    console.post(quiet, ME, ME + "/submit", name="Zhao Min", consent="yes")
    console.post(small, ME, ME + "/volunteer", name="Small", kind="individual", consent="yes")
    console.post(small, ME, ME + "/withdraw", reason="")
    assert console.programme.show("weibo", "small").state == "withdrawn"
    for name, ran in calls.items():
        assert ran, f"{name} was not called"
        assert not any(ran), f"{name} ran on the event loop"


def test_the_services_refusals_are_said_in_the_pages_language(console: Console) -> None:
    client = console.creator("quiet")
    for lang, expected in (
        ("en", "The name contains a control character (U+202E at position 5)"),
        ("zh-CN", "姓名含有控制字符（第 5 个字符，U+202E）"),
    ):
        client.cookies.set("byline_lang", lang, path="/console")
        response = console.post(client, ME, ME + "/submit", name="Zhao\u202eMin", consent="yes")
        assert error_after(client, response).startswith(expected), lang
    assert console.programme.show("weibo", "quiet").state == "notified"
    # a crafted link cannot show a service message (they come only with their facts)
    page = client.get(ME + "?error=service.case_closed").text
    assert 'data-testid="error"' not in page


def _shown(console: Console, account_ids: list[str], viewer: str, **who: object) -> None:
    key = create_api_key(console.programme.db, "weibo", Role.LABEL, actor="test", now=NOW)
    response = console.client().post(
        "/v1/platforms/weibo/labels",
        headers={"Authorization": f"Bearer {key}"},
        json={"viewer": {"id": viewer, **who}, "account_ids": account_ids},
    )
    assert response.status_code == 200, response.text


def test_a_disclosed_creator_sees_where_the_name_was_shown(console: Console) -> None:
    verified = {"logged_in": True, "identity_verified": True}
    _shown(console, ["star", "org"], "v1", **verified)
    _shown(console, ["star"], "v2", **verified)
    _shown(console, ["star"], "anon", logged_in=False, identity_verified=False)  # hidden
    assert console.app.state.byline.services.displays.flush() == 3
    page = console.creator("star").get(ME)
    assert page.status_code == 200
    assert 'data-testid="displays"' in page.text
    total = re.search(r'data-testid="displays-total">([^<]+)<', page.text)
    assert total is not None and total.group(1) == "2"
    assert re.findall(r'data-class="([^"]+)"', page.text) == ["verified"]
    assert len(re.findall(r'data-testid="displays-row"', page.text)) == 1
    never = re.search(r'data-testid="never-shown-to">([^<]+)<', page.text)
    assert never is not None
    assert html.unescape(never.group(1)) == (
        "Never shown to: visitors who are not logged in; users who have not passed"
        " real-identity verification; users flagged for abnormal behaviour; users recently"
        " sanctioned."
    )
    assert 'data-testid="shown-to-hidden"' not in page.text
    assert 'data-testid="displays-chart"' in page.text
    chinese = console.creator("star")
    chinese.get("/console/lang/zh-CN?next=" + ME)
    assert "从未展示给：未登录的访客" in chinese.get(ME).text
    # Not disclosed, never shown: no such section.
    assert 'data-testid="displays"' not in console.creator("quiet").get(ME).text
