"""Label preview: a profile card per viewer, from the same lookup the platform gets; a name only
for viewers the policy allows, rendered inertly; no oracle between unknown and undisclosed."""

from __future__ import annotations

import re

from byline.domain.vocabulary import AccountKind
from byline.service.access import Role, create_staff_user
from byline.service.programme import Actor
from integration.console.conftest import NAMES, NOW, PASSWORD, Console, csrf_of

# The viewers each policy tells apart: one it hides nothing from, and one per condition of its
# [viewers] hidden_from (weibo's preset: four; douyin's: four others).
VIEWERS = {
    "weibo": ("allowed", "logged_out", "unverified", "abnormal", "sanctioned"),
    "douyin": ("allowed", "logged_out", "unverified", "risky", "abnormal"),
}


def cards(html: str, platform: str = "weibo") -> dict[str, str]:
    """Each viewer's card, as HTML: one per viewer class of the platform's policy, in order."""
    found = re.findall(
        r'<section class="card" data-testid="preview-(\w+)".*?>(.*?)</section>', html, re.S
    )
    assert tuple(v for v, _ in found) == VIEWERS[platform], found
    return dict(found)


def preview(console: Console, account: str, platform: str = "weibo") -> str:
    client = console.staff(Role.PLATFORM, platform)
    response = client.get(f"/console/{platform}/preview", params={"account": account})
    assert response.status_code == 200
    return response.text


def test_a_disclosed_name_shows_only_to_the_viewers_the_policy_allows(console: Console) -> None:
    shown = cards(preview(console, "star"))
    name = f'<strong data-testid="label-name"><bdi class="name">{NAMES["star"]}</bdi></strong>'
    assert name in shown["allowed"]
    for who in ("logged_out", "unverified", "abnormal", "sanctioned"):  # weibo hides it from all
        assert NAMES["star"] not in shown[who]
        assert 'data-testid="label-hidden"' in shown[who]
    assert "not logged in" in shown["logged_out"]
    assert "real-identity verification" in shown["unverified"]
    assert "recently sanctioned" in shown["sanctioned"]
    assert "abnormal behaviour" in shown["abnormal"]


def test_an_organisations_label_says_what_it_is(console: Console) -> None:
    verified = cards(preview(console, "org"))["allowed"]
    assert "Organisation" in verified and NAMES["org"] in verified


def test_another_policy_other_rules(console: Console) -> None:
    # douyin hides names from the logged out, unverified, risky and abnormal; it does not tell
    # the sanctioned apart, so the preview has no card for them
    shown = cards(preview(console, "star", platform="douyin"), "douyin")
    assert NAMES["star"] in shown["allowed"]
    for who in ("logged_out", "unverified", "risky", "abnormal"):
        assert NAMES["star"] not in shown[who]


def test_an_unknown_and_an_undisclosed_account_give_identical_cards(console: Console) -> None:
    for undisclosed in ("quiet", "waiting", "small"):  # notified, awaiting review, below floor
        known = preview(console, undisclosed)
        unknown = preview(console, "nobody-at-all")
        known_cards = {k: anonymised(v, undisclosed) for k, v in cards(known).items()}
        unknown_cards = {k: anonymised(v, "nobody-at-all") for k, v in cards(unknown).items()}
        assert known_cards == unknown_cards
        assert 'data-testid="label-none"' in known_cards["allowed"]
        assert "Liu Yang" not in known  # waiting's submitted name never leaks


def anonymised(card: str, account: str) -> str:
    assert card.count(f"<strong>{account}</strong>") == 1
    return card.replace(f"<strong>{account}</strong>", "<strong>ACCOUNT</strong>")


def test_a_name_is_rendered_inert(console: Console) -> None:
    hostile = 'محمد <script>alert(1)</script> "&"'
    console.programme.volunteer(
        "weibo", "small", hostile, AccountKind.INDIVIDUAL, actor=Actor("creator")
    )
    console.programme.approve("weibo", "small", actor=Actor("reviewer"))
    verified = cards(preview(console, "small"))["allowed"]
    assert "<script>" not in verified
    assert (
        '<bdi class="name">محمد &lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp;&#34;</bdi>'
        in verified
    )


def test_an_empty_form_shows_no_cards(console: Console) -> None:
    html = console.staff(Role.REVIEWER).get("/console/weibo/preview").text
    assert 'data-testid="preview-account"' in html and "preview-allowed" not in html


def test_staff_of_the_platform_may_preview_creators_may_not(console: Console) -> None:
    url = "/console/weibo/preview?account=star"
    for role in (Role.ADMIN, Role.PLATFORM, Role.REVIEWER):
        assert console.staff(role).get(url).status_code == 200
    assert console.staff(Role.REVIEWER, "douyin").get(url).status_code == 403
    assert console.creator("star").get(url).status_code == 403
    assert console.client().get(url).status_code == 303


def test_without_a_policy_in_force_the_page_says_so(console: Console) -> None:
    # a platform with console users but no policy in force yet
    create_staff_user(
        console.programme.db,
        "kuaishou",
        "kuaishou-lead",
        PASSWORD,
        Role.PLATFORM,
        actor="test",
        now=NOW,
    )
    client = console.client()
    login = client.get("/console/login")
    client.post(
        "/console/login",
        data={"csrf": csrf_of(login.text), "username": "kuaishou-lead", "password": PASSWORD},
    )
    url = "/console/kuaishou/preview?account=star"
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="message"' in response.text and "No policy in force" in response.text
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 404 and "没有生效的政策" in chinese.text
