"""The permission matrix, generated from the app's routes: every route x anonymous, every role
of this platform, every role of another platform, a creator of this and of another platform."""

from __future__ import annotations

import pytest

from conftest import World

ROLES = ("label", "platform", "reviewer", "admin")
CREATOR = "creator"

# Who each route admits; a new route must be declared here, or the test below fails.
ACCESS: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/platforms/{platform}/labels"): {"label", "platform"},
    ("GET", "/v1/platforms/{platform}/me"): {CREATOR},
    ("POST", "/v1/platforms/{platform}/me/submission"): {CREATOR},
    ("POST", "/v1/platforms/{platform}/me/refusal"): {CREATOR},
    ("POST", "/v1/platforms/{platform}/me/appeal"): {CREATOR},
    ("POST", "/v1/platforms/{platform}/me/volunteer"): {CREATOR},
    ("POST", "/v1/platforms/{platform}/me/withdrawal"): {CREATOR},
    ("GET", "/v1/platforms/{platform}/me/enforcement"): {CREATOR},
    ("GET", "/v1/platforms/{platform}/me/displays"): {CREATOR},
    ("GET", "/v1/platforms/{platform}/me/statements"): {CREATOR},
    ("GET", "/v1/platforms/{platform}/review/queue"): {"reviewer", "admin"},
    ("GET", "/v1/platforms/{platform}/review/cases/{account_id}"): {"reviewer", "admin"},
    ("POST", "/v1/platforms/{platform}/review/cases/{account_id}/name-reveal"): {
        "reviewer",
        "admin",
    },
    ("POST", "/v1/platforms/{platform}/review/cases/{account_id}/note-reveal"): {
        "reviewer",
        "admin",
    },
    ("POST", "/v1/platforms/{platform}/review/cases/{account_id}/approval"): {"reviewer", "admin"},
    ("POST", "/v1/platforms/{platform}/review/cases/{account_id}/rejection"): {"reviewer", "admin"},
    ("POST", "/v1/platforms/{platform}/review/cases/{account_id}/appeal-decision"): {
        "reviewer",
        "admin",
    },
    ("POST", "/v1/platforms/{platform}/review/bulk"): {"reviewer", "admin"},
    ("POST", "/v1/platforms/{platform}/displays/read"): {"reviewer", "admin"},
    ("PUT", "/v1/platforms/{platform}/review/cases/{account_id}/assignment"): {"reviewer", "admin"},
    ("DELETE", "/v1/platforms/{platform}/review/cases/{account_id}/assignment"): {
        "reviewer",
        "admin",
    },
    ("POST", "/v1/platforms/{platform}/follower-counts"): {"platform", "admin"},
    ("GET", "/v1/platforms/{platform}/enforcement/{account_id}"): {"platform", "admin"},
    ("GET", "/v1/platforms/{platform}/enforcement"): {"platform", "admin"},
    ("GET", "/v1/platforms/{platform}/harvest-signals"): {"platform", "admin"},
    ("POST", "/v1/platforms/{platform}/webhooks"): {"platform", "admin"},
    ("POST", "/v1/platforms/{platform}/cycles"): {"platform", "admin"},
    ("POST", "/v1/platforms/{platform}/policies/shadow"): {"platform", "admin"},
    ("POST", "/v1/platforms/{platform}/policies/activation"): {"admin"},
    ("POST", "/v1/platforms/{platform}/api-keys"): {"admin"},
    ("GET", "/v1/platforms/{platform}/api-keys"): {"admin"},
    ("DELETE", "/v1/platforms/{platform}/api-keys/{key_id}"): {"admin"},
    ("POST", "/v1/platforms/{platform}/creator-token-key"): {"admin"},
}
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    # the public log of disclosures: for anyone, by design (no name in it)
    *(
        ("GET", f"/log/{{platform}}/{path}")
        for path in (
            "checkpoint",
            "key",
            "entries",
            "proof/inclusion",
            "proof/consistency",
            "tile/{path}",
        )
    ),
}


def test_every_route_is_in_the_matrix(world: World) -> None:
    """Routes as the OpenAPI document lists them: a new route must be declared above."""
    paths = world.app.openapi()["paths"]
    found = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert found == set(ACCESS) | PUBLIC


CALLERS = [
    "anonymous",
    *(f"{r}@own" for r in ROLES),
    *(f"{r}@other" for r in ROLES),
    "creator@own",
    "creator@other",
]


def headers_for(world: World, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    role, tenant = caller.split("@")
    platform = "weibo" if tenant == "own" else "douyin"
    if role == CREATOR:
        return world.creator("star", platform)
    return world.key(role, platform)


def allowed(route: tuple[str, str], caller: str) -> bool:
    role, _, tenant = caller.partition("@")
    return tenant == "own" and role in ACCESS[route]


@pytest.mark.parametrize("route", sorted(ACCESS), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_admits_exactly_its_callers(world: World, route: tuple[str, str]) -> None:
    method, template = route
    path = (
        template.replace("{platform}", "weibo")
        .replace("{account_id}", "star")
        .replace("{key_id}", "byl_000000000000")
    )
    for caller in CALLERS:
        response = world.client.request(
            method, path, headers=headers_for(world, caller), json={} if method == "POST" else None
        )
        if allowed(route, caller):
            assert response.status_code not in (401, 403), (caller, response.text)
        else:
            expected = 401 if caller == "anonymous" or caller.startswith("creator") else 403
            if caller.startswith("creator") and CREATOR in ACCESS[route]:
                expected = 401  # another platform's token does not verify here
            elif (
                not caller.startswith("creator")
                and CREATOR in ACCESS[route]
                and caller != "anonymous"
            ):
                expected = 401  # an API key is not a creator token
            assert response.status_code == expected, (caller, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        assert response.status_code != 500, (caller, response.text)
