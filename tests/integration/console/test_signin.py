"""Signing in: staff by password, creators by the platform's link; sessions expire; every POST
needs the session's CSRF token; pages check the role and the tenant."""

from __future__ import annotations

import datetime as dt

from byline.service.access import Role
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
    console.programme.clock = lambda: NOW + dt.timedelta(hours=8, seconds=1)
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
