"""The console's permission matrix: every page and form x every role (admin, compliance,
reviewer, creator) x own and other platform x signed out. Generated from the console's routes:
a new page that is not in ACCESS fails here until someone decides who may open it."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from byline import console
from byline.service.access import Role
from integration.console.conftest import Console, csrf_of

STAFF = {"admin": Role.ADMIN, "platform": Role.PLATFORM, "reviewer": Role.REVIEWER}
ALL_STAFF = frozenset(STAFF)
REVIEW = frozenset({"admin", "reviewer"})
LEAD = frozenset({"admin", "platform"})
ADMIN = frozenset({"admin"})
CREATOR = frozenset({"creator"})

# Who may open each page or send each form of a platform (its own platform only).
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/console/{platform}/dashboard"): LEAD,
    ("GET", "/console/{platform}/report"): LEAD,
    ("GET", "/console/{platform}/report/download"): LEAD,
    ("GET", "/console/{platform}/dashboard/trends.csv"): LEAD,
    ("GET", "/console/{platform}/what-if"): LEAD,
    ("GET", "/console/{platform}/reviews"): REVIEW,
    ("POST", "/console/{platform}/reviews/bulk"): REVIEW,
    ("GET", "/console/{platform}/cases"): LEAD,  # the lead's list of cases, read-only
    ("GET", "/console/{platform}/cases/{account_id:path}"): ALL_STAFF,  # the lead reads, no actions
    # an old address of a read: back to the case, with nothing read
    ("GET", "/console/{platform}/cases/{account_id:path}/reveal"): ALL_STAFF,
    ("GET", "/console/{platform}/cases/{account_id:path}/reveal-note"): ALL_STAFF,
    ("POST", "/console/{platform}/cases/{account_id:path}/take"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/release"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/reveal"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/reveal-note"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/approve"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/reject"): REVIEW,
    ("POST", "/console/{platform}/cases/{account_id:path}/appeal-decision"): REVIEW,
    ("GET", "/console/{platform}/me"): CREATOR,
    ("GET", "/console/{platform}/me/refuse"): CREATOR,
    ("POST", "/console/{platform}/me/submit"): CREATOR,
    ("POST", "/console/{platform}/me/refuse"): CREATOR,
    ("POST", "/console/{platform}/me/appeal"): CREATOR,
    ("POST", "/console/{platform}/me/volunteer"): CREATOR,
    ("POST", "/console/{platform}/me/withdraw"): CREATOR,
    ("GET", "/console/{platform}/preview"): ALL_STAFF,
    ("GET", "/console/{platform}/admin"): ADMIN,
    ("GET", "/console/{platform}/admin/keys"): ADMIN,
    ("POST", "/console/{platform}/admin/keys"): ADMIN,
    ("POST", "/console/{platform}/admin/keys/{key_id}/revoke"): ADMIN,
    ("GET", "/console/{platform}/admin/webhooks"): ADMIN,
    ("GET", "/console/{platform}/admin/webhooks/deliveries"): ADMIN,
    ("POST", "/console/{platform}/admin/webhooks"): ADMIN,
    ("GET", "/console/{platform}/admin/policies"): ADMIN,
    ("POST", "/console/{platform}/admin/policies/shadow"): ADMIN,
    ("POST", "/console/{platform}/admin/policies/activate"): ADMIN,
    ("GET", "/console/{platform}/admin/users"): ADMIN,
    ("POST", "/console/{platform}/admin/users"): ADMIN,
    ("POST", "/console/{platform}/admin/users/{username}/disable"): ADMIN,
}
# Open to everyone: signing in, the creator's entry link, the language switch.
PUBLIC = {
    ("GET", "/console"),
    ("GET", "/console/"),
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("GET", "/console/lang/{lang}"),
    ("GET", "/console/{platform}/enter"),
    ("POST", "/console/logout"),  # needs a session and its CSRF token; checked in test_signin
}
PARAMS = {"account_id": "waiting", "key_id": "byl_000000000000", "username": "nobody"}


def console_routes() -> list[tuple[str, str]]:
    found = []
    for module in console.PAGES:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, route.path))
    return found


def test_every_console_route_is_in_the_matrix() -> None:
    routes = set(console_routes())
    assert routes - PUBLIC == set(ACCESS), (
        f"not in ACCESS: {sorted(routes - PUBLIC - set(ACCESS))}; "
        f"gone: {sorted(set(ACCESS) - routes)}"
    )


def _url(path: str, platform: str) -> str:
    return re.sub(r":\w+}", "}", path).format(platform=platform, **PARAMS)  # no converters


def _home(who: str) -> str:
    return "/console/weibo/me" if who == "creator" else "/console/"


def _signed_in(world: Console, who: str) -> tuple[TestClient, str]:
    """A client of ``who`` on weibo and its session's CSRF token."""
    if who == "creator":
        client = world.creator("waiting")
        token = csrf_of(client.get("/console/weibo/me").text)
    else:
        client = world.staff(STAFF[who])
        home = client.get("/console/").headers["location"]
        token = csrf_of(client.get(home).text)
    return client, token


def _send(client: TestClient, method: str, url: str, token: str | None) -> int:
    if method == "GET":
        return client.get(url).status_code
    return client.post(url, data={"csrf": token or ""}).status_code


@pytest.mark.parametrize(("method", "path"), sorted(ACCESS))
def test_page_access(console: Console, method: str, path: str) -> None:
    allowed = ACCESS[(method, path)]
    anonymous = console.client()
    response = (
        anonymous.get(_url(path, "weibo"))
        if method == "GET"
        else anonymous.post(_url(path, "weibo"), data={"csrf": "x"})
    )
    assert response.status_code == 303, "signed out"
    assert response.headers["location"].startswith("/console/login")

    for who in (*STAFF, "creator"):
        client, token = _signed_in(console, who)
        own = _send(client, method, _url(path, "weibo"), token)
        other = _send(client, method, _url(path, "douyin"), token)
        assert other == 403, f"{who} on another platform's {method} {path}: {other}"
        if who in allowed:
            assert own not in (401, 403), f"{who} refused {method} {path}: {own}"
        else:
            assert own == 403, f"{who} allowed {method} {path}: {own}"
