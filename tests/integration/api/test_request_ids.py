"""Every audited action done over HTTP carries its request id into the audit trail: the
client's ``x-request-id`` is on each audit entry the request wrote, whoever the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from byline import audit
from byline.api import ApiSettings
from byline.domain.vocabulary import AccountKind, AuditAction
from byline.policy import preset_path
from byline.service import Actor
from byline.service.access import Role, create_api_key
from conftest import NOW, World

ME = "/v1/platforms/weibo/me"
REVIEW = "/v1/platforms/weibo/review"
PLATFORM = "/v1/platforms/weibo"
SEED, CREATOR = Actor("reviewer:seed"), Actor("creator")  # the setup's actors


@dataclass(frozen=True)
class Call:
    """One request: who sends it (``reviewer``, ``admin``, ``platform``, or ``creator:<id>``)."""

    method: str
    path: str
    who: str
    body: dict[str, Any] | None = None


# Requests that need no setup: action -> (what it must write, the request).
_RAISED = (
    preset_path("weibo")
    .read_text()
    .replace("threshold = { followers = 1000000 }", "threshold = { followers = 1300000 }")
)
_NEWCOMER = {"account_id": "newcomer", "kind": "individual", "category": "finance"}
PLAIN: dict[str, tuple[AuditAction, Call]] = {
    "name reveal": (
        AuditAction.NAME_DECRYPTED,
        Call("POST", f"{REVIEW}/cases/waiting/name-reveal", "reviewer", {"reason": "review"}),
    ),
    "approve": (
        AuditAction.CASE_VERIFIED,
        Call("POST", f"{REVIEW}/cases/waiting/approval", "reviewer"),
    ),
    "approve as admin": (
        AuditAction.CASE_VERIFIED,
        Call("POST", f"{REVIEW}/cases/waiting/approval", "admin"),
    ),
    "reject": (
        AuditAction.CASE_REJECTED,
        Call(
            "POST",
            f"{REVIEW}/cases/waiting/rejection",
            "reviewer",
            {"reason": "other", "note": "photo blurred"},
        ),
    ),
    "bulk rejection": (
        AuditAction.CASE_REJECTED,
        Call(
            "POST",
            f"{REVIEW}/bulk",
            "reviewer",
            {"action": "reject", "account_ids": ["waiting"], "reason": "name_mismatch"},
        ),
    ),
    "creator submission": (
        AuditAction.CASE_SUBMITTED,
        Call("POST", f"{ME}/submission", "creator:quiet", {"name": "Zhang Wei", "consent": True}),
    ),
    "creator refusal": (
        AuditAction.CASE_REFUSED,
        Call("POST", f"{ME}/refusal", "creator:quiet", {"reason": "privacy"}),
    ),
    "creator appeal": (
        AuditAction.CASE_APPEALED,
        Call("POST", f"{ME}/appeal", "creator:quiet", {"reason": "wrong_category"}),
    ),
    "creator volunteering": (
        AuditAction.CASE_VOLUNTEERED,
        Call(
            "POST", f"{ME}/volunteer", "creator:small", {"name": "Zhang Wei", "kind": "individual"}
        ),
    ),
    "api key creation": (
        AuditAction.API_KEY_CREATED,
        Call("POST", f"{PLATFORM}/api-keys", "admin", {"role": "label", "label": "cdn"}),
    ),
    "creator token key": (
        AuditAction.CREATOR_KEY_SET,
        Call("POST", f"{PLATFORM}/creator-token-key", "admin"),
    ),
    "policy activation": (
        AuditAction.POLICY_ACTIVATED,
        Call("POST", f"{PLATFORM}/policies/activation", "admin", {"source": _RAISED}),
    ),
    "webhook registration": (
        AuditAction.WEBHOOK_REGISTERED,
        Call(
            "POST",
            f"{PLATFORM}/webhooks",
            "platform",
            {"url": "http://127.0.0.1:9/hook", "topics": ["label"]},
        ),
    ),
    "pushed counts": (
        AuditAction.CASE_OPENED,
        Call(
            "POST",
            f"{PLATFORM}/follower-counts",
            "platform",
            {"as_of": "2023-10-26", "counts": [{**_NEWCOMER, "followers": 4_000_000}]},
        ),
    ),
}

# Requests made after their setup on ``world``: action -> (what it must write, the request).
ACTIONS: dict[str, tuple[AuditAction, Callable[[World], Call]]] = {
    name: (writes, lambda world, call=call: call) for name, (writes, call) in PLAIN.items()
}


def action(name: str, writes: AuditAction) -> Callable[[Callable[[World], Call]], None]:
    def register(make: Callable[[World], Call]) -> None:
        ACTIONS[name] = (writes, make)

    return register


@action("note reveal", AuditAction.NOTE_DECRYPTED)
def _(world: World) -> Call:
    world.programme.reject("weibo", "waiting", "other", actor=SEED, note="photo blurred")
    (note_id,) = [e.note_id for e in world.programme.trail("weibo", "waiting") if e.note_id]
    body = {"note_id": note_id, "reason": "review"}
    return Call("POST", f"{REVIEW}/cases/waiting/note-reveal", "reviewer", body)


@action("appeal decision", AuditAction.CASE_APPEAL_UPHELD)
def _(world: World) -> Call:
    world.programme.appeal("weibo", "quiet", "wrong_category", actor=CREATOR)
    body = {"upheld": True, "reason": "category_corrected"}
    return Call("POST", f"{REVIEW}/cases/quiet/appeal-decision", "reviewer", body)


@action("creator withdrawal", AuditAction.CASE_WITHDRAWN)
def _(world: World) -> Call:
    world.programme.volunteer("weibo", "small", "Zhang Wei", AccountKind.INDIVIDUAL, actor=CREATOR)
    world.programme.approve("weibo", "small", actor=SEED)
    return Call("POST", f"{ME}/withdrawal", "creator:small", {"reason": "no_longer_wanted"})


@action("api key revocation", AuditAction.API_KEY_REVOKED)
def _(world: World) -> Call:
    key = create_api_key(world.programme.db, "weibo", Role.LABEL, actor="test", now=NOW)
    return Call("DELETE", f"{PLATFORM}/api-keys/{key.split('.')[0]}", "admin")


def _headers(world: World, who: str) -> dict[str, str]:
    kind, _, account_id = who.partition(":")
    return world.creator(account_id) if kind == "creator" else world.key(kind)


def _entries_after(world: World, seq: int) -> list[dict[str, Any]]:
    with world.programme.db.reading() as conn:
        return [e for e in audit.entries_for(conn) if e["seq"] > seq]


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_audited_action_over_http_carries_its_request_id(world: World, name: str) -> None:
    writes, make = ACTIONS[name]
    call = make(world)
    head = max((e["seq"] for e in _entries_after(world, 0)), default=0)
    request_id = f"req-{name.replace(' ', '-')}"

    answer = world.client.request(
        call.method,
        call.path,
        headers={**_headers(world, call.who), "x-request-id": request_id},
        json=call.body,
    )

    assert answer.status_code in (200, 201), answer.text
    assert answer.headers["x-request-id"] == request_id
    written = _entries_after(world, head)
    assert writes in {e["action"] for e in written}, written
    assert {(e["action"], e["request_id"]) for e in written} == {
        (e["action"], request_id) for e in written
    }


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        ("creator:quiet", f"{ME}/refusal", {"reason": "privacy"}),
        ("reviewer", f"{REVIEW}/cases/waiting/name-reveal", {"reason": "review"}),
    ],
)
def test_an_acting_caller_is_admitted_and_counted_once_per_request(
    world_factory: Any, who: str, path: str, body: dict[str, Any]
) -> None:
    """The caller and its actor are one dependency resolved once: two requests fit a limit
    of two a minute (the second acts again, refused by the case or not), the third does not."""
    limits = {"creator_limit_per_minute": 2, "key_limit_per_minute": 2}
    world = world_factory(ApiSettings(log_requests=False, **limits))
    headers = _headers(world, who)
    answers = [world.client.post(path, headers=headers, json=body) for _ in range(3)]
    assert answers[0].status_code == 200, answers[0].text
    assert answers[1].status_code in (200, 409), answers[1].text
    assert answers[2].status_code == 429
