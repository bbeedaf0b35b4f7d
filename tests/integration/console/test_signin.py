"""Signing in: staff by password, creators by the platform's link; sessions expire; every POST
needs the session's CSRF token; pages check the role and the tenant."""

from __future__ import annotations

import dataclasses
import datetime as dt

import jwt
import pytest
from sqlalchemy import func, select

from byline.access import TokenError, issue_creator_token
from byline.access._tables import spent_entry_links
from byline.service import Services
from byline.service.access import Role, sign_in_creator
from integration.console.conftest import NOW, PASSWORD, Console, csrf_of


def test_a_page_sends_a_stranger_to_sign_in_and_back(console: Console) -> None:
    client = console.client()
    response = client.get("/console/weibo/reviews")
    assert response.status_code == 303
    assert response.headers["location"].startswith(
        "/console/login?next=%2Fconsole%2Fweibo%2Freviews"
    )


def test_wrong_password_is_refused_without_saying_which_part(console: Console) -> None:
    client = console.client()
    page = client.get("/console/login")
    for username, password in (("weibo-admin", "wrong password!"), ("nobody", PASSWORD)):
        response = client.post(
            "/console/login",
            data={"csrf": csrf_of(page.text), "username": username, "password": password},
        )
        assert response.status_code == 401
        assert "Unknown username or wrong password" in response.text
        assert "byline_session" not in response.headers.get("set-cookie", "")


def test_sign_in_without_the_forms_token_is_refused(console: Console) -> None:
    client = console.client()
    response = client.post(
        "/console/login", data={"csrf": "forged", "username": "weibo-admin", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert "error=csrf" in response.headers["location"]
    assert "byline_session" not in response.headers.get("set-cookie", "")


def test_staff_land_on_their_roles_home(console: Console) -> None:
    for role, home in (
        (Role.ADMIN, "dashboard"),
        (Role.PLATFORM, "dashboard"),
        (Role.REVIEWER, "reviews"),
    ):
        client = console.client()
        page = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={
                "csrf": csrf_of(page.text),
                "username": f"weibo-{role.value}",
                "password": PASSWORD,
            },
        )
        assert response.headers["location"] == f"/console/weibo/{home}"
        cookie = response.headers["set-cookie"]
        assert (
            "HttpOnly" in cookie and "Path=/console" in cookie and "samesite=lax" in cookie.lower()
        )


def test_the_next_parameter_cannot_leave_the_console(console: Console) -> None:
    client = console.client()
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "weibo-admin",
            "password": PASSWORD,
            "next": "//evil.example/steal",
        },
    )
    assert response.headers["location"] == "/console/weibo/dashboard"


def test_a_session_expires(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    assert client.get("/console/").headers["location"] == "/console/weibo/reviews"
    state = console.app.state.byline_console  # eight hours and a second later
    later = dataclasses.replace(
        state.services.deps, clock=lambda: NOW + dt.timedelta(hours=8, seconds=1)
    )
    state.services = Services.of(later)
    assert client.get("/console/").headers["location"] == "/console/login"


def test_signing_out_ends_the_session_on_the_server(console: Console) -> None:
    client = console.staff(Role.ADMIN)
    cookie = client.cookies.get("byline_session")
    response = console.post(client, "/console/weibo/dashboard", "/console/logout")
    assert response.status_code == 303
    replay = console.client()
    replay.cookies.set("byline_session", cookie or "", path="/console")
    assert replay.get("/console/weibo/dashboard").status_code == 303  # back to sign-in


def test_a_post_without_the_sessions_csrf_token_is_refused(console: Console) -> None:
    client = console.staff(Role.ADMIN)
    response = client.post("/console/logout", data={"csrf": "not-the-token"})
    assert response.status_code == 403
    assert client.get("/console/").status_code == 303
    assert client.get("/console/").headers["location"] == "/console/weibo/dashboard"


def test_a_creator_link_opens_a_session_for_that_account_only(console: Console) -> None:
    client = console.creator("waiting")
    assert client.get("/console/").headers["location"] == "/console/weibo/me"
    assert client.get("/console/douyin/me").status_code == 403
    assert client.get("/console/weibo/reviews").status_code == 403


def test_a_bad_or_foreign_creator_link_is_refused(console: Console) -> None:
    client = console.client()
    assert client.get("/console/weibo/enter?token=garbage").status_code == 401
    link = console.creator_link("waiting", platform="douyin").replace("/douyin/", "/weibo/")
    assert client.get(link).status_code == 401


def test_a_creator_link_from_the_future_is_refused(console: Console) -> None:
    """A link the platform's real creator key signed, but issued ten years ahead or valid only
    from later: no session, and the token is not repeated in the page."""
    secret = console.creator_secret["weibo"]
    for token in (
        issue_creator_token(secret, "weibo", "waiting", NOW + dt.timedelta(days=3650)),
        jwt.encode(
            {
                "sub": "waiting",
                "aud": "byline:weibo",
                "iat": int(NOW.timestamp()),
                "nbf": int((NOW + dt.timedelta(minutes=5)).timestamp()),
                "exp": int((NOW + dt.timedelta(minutes=15)).timestamp()),
            },
            secret,
            algorithm="HS256",
        ),
    ):
        client = console.client()
        refused = client.get(f"/console/weibo/enter?token={token}")
        assert refused.status_code == 401
        assert token not in refused.text
        assert "byline_session" not in client.cookies
        assert client.get("/console/weibo/me").status_code in (303, 401)
    with console.programme.db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(spent_entry_links)).scalar() == 0


def test_a_creator_link_opens_one_session_only(console: Console) -> None:
    link = console.creator_link("waiting")
    first = console.client()
    assert first.get(link).headers["location"] == "/console/weibo/me"
    session = first.cookies.get("byline_session")
    # Opened again in the same browser: the session it opened goes on, no new one.
    assert first.get(link).headers["location"] == "/console/weibo/me"
    assert first.cookies.get("byline_session") == session
    # Found later elsewhere (a browser's history, a shared screen): refused, says why.
    other = console.client()
    refused = other.get(link)
    assert refused.status_code == 401
    assert "byline_session" not in other.cookies
    assert other.get("/console/weibo/me").status_code in (303, 401)
    # A new link from the platform works, and signing out of the first leaves the old link dead.
    assert other.get(console.creator_link("waiting")).status_code == 303
    console.post(first, "/console/weibo/me", "/console/logout")
    assert console.client().get(link).status_code == 401


def test_a_spent_link_is_forgotten_once_it_has_expired(console: Console) -> None:
    db = console.programme.db
    for _ in range(2):
        token = console.creator_link("waiting").split("token=", 1)[1]
        sign_in_creator(db, "weibo", token, NOW)
    with db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(spent_entry_links)).scalar() == 2
    later = NOW + dt.timedelta(minutes=16)  # both tokens expired (15 minutes)
    with pytest.raises(TokenError, match="expired"):
        sign_in_creator(db, "weibo", token, later)
    fresh = issue_creator_token(console.creator_secret["weibo"], "weibo", "waiting", later)
    sign_in_creator(db, "weibo", fresh, later)
    with db.reading() as conn:
        assert conn.execute(select(func.count()).select_from(spent_entry_links)).scalar() == 1


def test_staff_cannot_open_another_platforms_pages(console: Console) -> None:
    client = console.staff(Role.ADMIN, platform="douyin")
    response = client.get("/console/weibo/dashboard")
    assert response.status_code == 403
    assert "another platform" in response.text


def test_the_language_switch_is_remembered(console: Console) -> None:
    client = console.client()
    assert "Sign in" in client.get("/console/login").text
    response = client.get("/console/lang/zh-CN?next=/console/login")
    assert response.headers["location"] == "/console/login"
    assert "登录" in client.get("/console/login").text
    assert (
        "登录"
        in console.client()
        .get("/console/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        .text
    )


def test_pages_forbid_framing_and_foreign_scripts(console: Console) -> None:
    response = console.client().get("/console/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"


def test_guessing_passwords_is_throttled_and_audited(console: Console) -> None:
    from byline import audit

    client = console.client()
    page = client.get("/console/login")
    token = csrf_of(page.text)
    statuses = [
        client.post(
            "/console/login",
            data={"csrf": token, "username": "weibo-admin", "password": f"guess {i}"},
        ).status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    # the right password does not get through while the window is full
    blocked = client.post(
        "/console/login", data={"csrf": token, "username": "weibo-admin", "password": PASSWORD}
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    with console.programme.db.reading() as conn:
        failures = [e for e in audit.entries_for(conn) if e["action"] == "staff:sign_in_failed"]
    assert len(failures) == 10
    assert {e["actor"] for e in failures} == {"staff:weibo-admin"}


def test_an_unknown_username_is_audited_without_what_was_typed(console: Console) -> None:
    from byline import audit

    client = console.client()
    token = csrf_of(client.get("/console/login").text)
    client.post(
        "/console/login", data={"csrf": token, "username": "MyS3cretPassw0rd", "password": "x"}
    )
    with console.programme.db.reading() as conn:
        entries = [e for e in audit.entries_for(conn) if e["action"] == "staff:sign_in_failed"]
    assert len(entries) == 1
    assert "MyS3cretPassw0rd" not in str(entries[0])


def test_any_text_in_a_csrf_field_is_refused_cleanly(console: Console) -> None:
    client = console.client()
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"csrf": "é", "username": "weibo-admin", "password": PASSWORD}
    )
    assert response.status_code == 303 and "error=csrf" in response.headers["location"]
    staff = console.staff(Role.ADMIN)
    assert staff.post("/console/logout", data={"csrf": "é"}).status_code == 403


def test_a_link_cannot_put_words_on_a_page(console: Console) -> None:
    page = console.client().get("/console/login?error=Your+password+expired.+Call+555")
    assert "Call 555" not in page.text
    known = console.client().get("/console/login?error=csrf")
    assert "The sign-in form was out of date" in known.text


def test_a_new_sign_in_closes_the_browsers_previous_session(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    old = client.cookies.get("byline_session")
    page = client.get("/console/login")
    client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "username": "weibo-admin", "password": PASSWORD},
    )
    replay = console.client()
    replay.cookies.set("byline_session", old or "", path="/console")
    assert replay.get("/console/weibo/reviews").status_code == 303  # to sign-in: it is gone


def test_a_creator_sees_which_account_they_act_for(console: Console) -> None:
    client = console.creator("waiting")
    page = client.get("/console/weibo/me")
    assert 'data-testid="who-account">waiting<' in page.text
