"""The creator's own pages: what is required and why, the deadline, consent and submission,
refusal only after its consequences are shown, appeal, volunteering and withdrawal, and the
restrictions in force."""

from __future__ import annotations

import datetime as dt
import re

from byline.domain.vocabulary import Trigger
from byline.service.access import Role
from byline.service.programme import Actor
from byline.service.reviews import policy_in_force
from integration.console.conftest import NOW, Console

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
    assert f'data-countdown="{view["deadline"]}"' in page.text
    countdown = re.search(r'data-testid="countdown"[^>]*>([^<]+)<', page.text)
    assert countdown is not None
    left = dt.datetime.fromisoformat(view["deadline"]) - NOW
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
    assert console.programme.show("weibo", "quiet")["state"] == "notified"
    error = client.get(response.headers["location"]).text
    assert "tick the consent box" in error and "Zhao Min" not in error
    response = console.post(client, ME, ME + "/submit", name="Zhao Min", consent="yes")
    assert response.headers["location"] == ME + "?notice=me_submitted"
    view = console.programme.show("weibo", "quiet")
    assert view["state"] == "submitted" and view["name_pending"]
    assert view["history"][-1]["actor"] == "creator:quiet"
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
    policy = policy_in_force(console.programme, "weibo")
    refused_penalties = [p.id for p in policy.penalties if Trigger.REFUSED in p.on]
    assert len(consequences) == len(refused_penalties) == 4
    for penalty_id, line in zip(refused_penalties, consequences, strict=True):
        assert penalty_id in line
    assert "Exposure in the recommendation feed withdrawn" in confirm.text
    assert 'data-testid="confirm-refuse"' in confirm.text
    # nothing happened yet; a POST without the confirmation does nothing either
    assert console.programme.show("weibo", "quiet")["state"] == "notified"
    unconfirmed = client.post(ME + "/refuse", data={"csrf": _csrf(confirm.text)})
    assert unconfirmed.headers["location"] == ME + "/refuse?error=me_confirm_required"
    assert console.programme.show("weibo", "quiet")["state"] == "notified"
    response = console.post(client, ME + "/refuse", ME + "/refuse", confirm="yes", reason="")
    assert response.headers["location"] == ME + "?notice=me_refused"
    assert console.programme.show("weibo", "quiet")["state"] == "refused"
    after = client.get(response.headers["location"]).text
    restrictions = items(after, "restrictions")
    in_force = console.programme.enforcement("weibo", "quiet")["restrictions"]
    assert len(restrictions) == len(in_force) == 4
    assert any("recommendation feed" in r and "weibo.penalty.feed" in r for r in restrictions)
    assert all("lifted once a name submitted with consent is verified" in r for r in restrictions)
    # refused: it can still submit or appeal, not refuse again
    assert 'data-testid="submit-name"' in after and 'data-testid="appeal"' in after
    assert 'data-testid="refuse"' not in after
    assert client.get(ME + "/refuse").headers["location"] == ME + "?error=me_cannot_refuse"


def test_a_creator_appeals_with_a_reason(console: Console) -> None:
    client = console.creator("quiet")
    response = console.post(client, ME, ME + "/appeal", reason=" ")
    assert response.headers["location"] == ME + "?error=me_reason_required"
    response = console.post(client, ME, ME + "/appeal", reason="my account is about cooking")
    assert response.headers["location"] == ME + "?notice=me_appealed"
    view = console.programme.show("weibo", "quiet")
    assert view["state"] == "appealed" and view["deadline"] is None
    page = client.get(ME).text
    assert "deadline is paused" in page and 'data-testid="countdown"' not in page
    assert 'data-testid="appeal"' not in page and 'data-testid="refuse"' not in page
    console.programme.decide_appeal(
        "weibo", "quiet", upheld=True, reason="posts are about cooking", actor=Actor("staff:ann")
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
    assert view["voluntary"] and view["state"] == "submitted"
    page = client.get(ME).text
    assert 'data-testid="withdraw"' in page and 'data-testid="refuse"' not in page
    assert 'data-testid="volunteer"' not in page
    response = console.post(client, ME, ME + "/withdraw", reason="changed my mind")
    assert response.headers["location"] == ME + "?notice=me_withdrawn"
    assert console.programme.show("weibo", "small")["state"] == "withdrawn"
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
    assert console.programme.show("weibo", "quiet")["state"] == "notified"
    assert console.client().get(ME).status_code == 303  # to sign in


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)
