"""Admin pages: API keys shown once and then only by id, revocable; webhook endpoints and the
delivery log; a candidate policy run in shadow, its diff, and its (audited) activation; console
users with a generated password, and disabling them. Only the platform's admins get in."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from byline.audit._tables import audit_log
from byline.service import Access, Policies, Webhooks, access
from byline.service.access import Role, authenticate
from byline.service.dashboard import policy_activations
from byline.service.operations import deliver_outbox
from byline.service.policy_admin import active_source_file
from integration.console.conftest import NAMES, NOW, PASSWORD, Console, csrf_of
from integration.console.threads import watch

ADMIN = "/console/weibo/admin"


def secret_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    found = re.findall(r'value="([^"]+)" data-testid="new-secret"', response.text)
    assert len(found) == 1
    return found[0]


def text_of(html: str, name: str) -> str:
    found = re.findall(rf'data-testid="{re.escape(name)}">([^<]*)<', html)
    assert len(found) == 1, f"{name}: {len(found)} elements"
    return found[0]


def labels(console: Console, key: str, account: str = "star") -> httpx.Response:
    return console.client().post(
        "/v1/platforms/weibo/labels",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "viewer": {"id": "v1", "logged_in": True, "identity_verified": True},
            "account_ids": [account],
        },
    )


def new_key(console: Console, client: TestClient, platform: str = "weibo") -> str:
    page = f"/console/{platform}/admin/keys"
    return secret_of(console.post(client, page, page, role="label", label="profile service"))


# --- API keys ------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_then_answers_the_api(console: Console) -> None:
    client = console.staff(Role.ADMIN)
    key = new_key(console, client)
    response = labels(console, key)
    assert response.status_code == 200
    assert response.json()["labels"]["star"]["name"] == NAMES["star"]
    listing = client.get(f"{ADMIN}/keys").text
    key_id = key.split(".")[0]
    assert f'data-testid="key-{key_id}"' in listing and "profile service" in listing
    assert key not in listing  # never shown again
    assert authenticate(console.programme.db, key) is not None


def test_a_revoked_key_is_refused(console: Console) -> None:
    client = console.staff(Role.ADMIN)
    key = new_key(console, client)
    key_id = key.split(".")[0]
    response = console.post(client, f"{ADMIN}/keys", f"{ADMIN}/keys/{key_id}/revoke")
    assert (
        response.status_code == 303 and "notice=admin.key_revoked" in response.headers["location"]
    )
    assert authenticate(console.programme.db, key) is None
    assert labels(console, key).status_code == 401
    listing = client.get(f"{ADMIN}/keys").text
    assert 'data-testid="key-revoked"' in listing.split(f'data-testid="key-{key_id}"')[1]


def test_an_admin_cannot_revoke_another_platforms_key(console: Console) -> None:
    douyin_key = new_key(console, console.staff(Role.ADMIN, "douyin"), "douyin")
    client = console.staff(Role.ADMIN)
    key_id = douyin_key.split(".")[0]
    response = console.post(client, f"{ADMIN}/keys", f"{ADMIN}/keys/{key_id}/revoke")
    assert "error=admin.no_such_key" in response.headers["location"]
    assert authenticate(console.programme.db, douyin_key) is not None


def test_a_key_needs_a_real_role(console: Console) -> None:
    client = console.staff(Role.ADMIN)
    response = console.post(client, f"{ADMIN}/keys", f"{ADMIN}/keys", role="root", label="")
    assert response.status_code == 303 and "error=" in response.headers["location"]


# --- console users -------------------------------------------------------------------------


def sign_in(console: Console, username: str, password: str) -> tuple[TestClient, httpx.Response]:
    client = console.client()
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "username": username, "password": password},
    )
    return client, response


def test_a_created_user_signs_in_with_the_password_shown_once(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/users"
    password = secret_of(console.post(admin, page, page, username="ann.lead", role="platform"))
    assert password not in admin.get(page).text
    ann, response = sign_in(console, "ann.lead", password)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/weibo/dashboard"
    assert ann.get("/console/weibo/dashboard").status_code == 200
    assert ann.get(ADMIN).status_code == 403  # a compliance lead, not an admin

    response = console.post(admin, page, f"{page}/ann.lead/disable")
    assert "notice=admin.user_disabled" in response.headers["location"]
    assert ann.get("/console/weibo/dashboard").status_code == 303  # signed out
    assert sign_in(console, "ann.lead", password)[1].status_code == 401
    assert 'data-testid="user-disabled"' in admin.get(page).text.split("user-ann.lead")[1]


def test_users_are_checked_and_an_admin_cannot_lock_themselves_out(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/users"
    for username, role in (("weibo-admin", "admin"), ("Bad Name", "admin"), ("bob", "label")):
        response = console.post(admin, page, page, username=username, role=role)
        assert response.status_code == 303 and "error=" in response.headers["location"]
    response = console.post(admin, page, f"{page}/weibo-admin/disable")
    assert "error=admin.not_yourself" in response.headers["location"]
    response = console.post(admin, page, f"{page}/douyin-admin/disable")  # another tenant's
    assert "error=admin.no_such_user" in response.headers["location"]
    assert sign_in(console, "douyin-admin", PASSWORD)[1].status_code == 303


# --- webhooks ------------------------------------------------------------------------------


class Refusing:
    """A receiver that answers 503 to everything."""

    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        return 503


def test_an_endpoint_with_a_generated_secret_and_its_delivery_log(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/webhooks"
    response = console.post(
        admin, page, page, url="https://hooks.example/byline", secret="", topics=["label", "audit"]
    )
    secret = secret_of(response)
    assert len(secret) >= 16
    listing = admin.get(page).text
    assert "https://hooks.example/byline" in listing and secret not in listing

    deliver_outbox(console.programme.db, sink=Refusing(), now=NOW, guard=console.programme.webhooks)
    log = admin.get(page).text.split('data-testid="deliveries"')[1]
    errors = re.findall(r'data-label="Last error">([^<]*)</td>', log)
    assert errors and set(errors) == {"HTTP 503"}  # once, not "HTTP 503 HTTP 503"
    assert "https://hooks.example/byline" in log
    assert NAMES["star"] not in log


def test_the_delivery_log_is_served_alone_for_its_live_refresh(console: Console) -> None:
    """The webhooks page's log refreshes itself from its own URL: what was attempted since the
    page was loaded shows without reloading it."""
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/webhooks"
    console.post(admin, page, page, url="https://hooks.example/live", secret="", topics=["audit"])
    loaded = admin.get(page).text
    assert f'data-refresh="{page}/deliveries"' in loaded
    part = admin.get(f"{page}/deliveries")
    assert part.status_code == 200 and "<html" not in part.text
    assert "HTTP 503" not in part.text
    deliver_outbox(console.programme.db, sink=Refusing(), now=NOW, guard=console.programme.webhooks)
    part = admin.get(f"{page}/deliveries").text
    assert "HTTP 503" in part and "https://hooks.example/live" in part
    assert NAMES["star"] not in part


def test_a_bad_endpoint_is_refused_with_the_reason(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/webhooks"
    for fields in (
        {"url": "ftp://x", "secret": "s" * 20, "topics": "label"},
        {"url": "https://x.example/", "secret": "short", "topics": "label"},
        {"url": "https://x.example/", "secret": "s" * 20, "topics": "gossip"},
    ):
        response = console.post(admin, page, page, **fields)
        assert response.status_code == 303 and "error=" in response.headers["location"]
    assert 'data-testid="no-endpoints"' in admin.get(page).text


@pytest.mark.parametrize(
    "url, en, zh",
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "The webhook's address 169.254.169.254 is not allowed (link-local)",
            "Webhook 地址 169.254.169.254 不被允许（link-local）",
        ),
        ("http://10.0.0.1/h", "address 10.0.0.1 is not allowed (private)", "10.0.0.1 不被允许"),
        ("http://[::1]:8080/h", "address ::1 is not allowed (loopback)", "::1 不被允许"),
        ("https://internal.example/h", "192.168.1.10 is not allowed (private)", "192.168.1.10"),
        ("http://localhost/h", "The webhook's host localhost is this machine", "指向本机"),
        ("http://ops:pa55word@hooks.example/h", "must not carry a user name", "用户名或密码"),
    ],
)
def test_an_endpoint_leading_inside_the_network_is_refused_with_the_reason(
    console: Console, url: str, en: str, zh: str
) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/webhooks"
    for lang, expected in (("en", en), ("zh-CN", zh)):
        admin.cookies.set("byline_lang", lang, path="/console")
        response = console.post(admin, page, page, url=url, secret="s" * 20, topics="label")
        assert response.status_code == 303, response.text
        shown = admin.get(response.headers["location"]).text
        found = re.search(r'data-testid="error">([^<]*)<', shown)
        assert found and expected in unescape(found.group(1)), (lang, found and found.group(1))
        assert "pa55word" not in shown and "pa55word" not in response.headers["location"]
    assert 'data-testid="no-endpoints"' in admin.get(page).text


def test_an_allowed_local_receiver_is_registered(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/webhooks"
    response = console.post(
        admin, page, page, url="http://127.0.0.1:9/h", secret="s" * 20, topics="label"
    )
    assert "notice=admin.webhook_registered" in response.headers["location"]
    assert "http://127.0.0.1:9/h" in admin.get(page).text


# --- policies ------------------------------------------------------------------------------


def lower_threshold(console: Console) -> str:
    """The live weibo policy with its first tier and floor at 1,000 followers."""
    source = active_source_file(console.programme.db, "weibo").source
    tier, floor = (
        "threshold = { followers = 1000000 }",
        "threshold = { followers = 500000 }\npledge",
    )
    candidate = (
        source.replace(tier, "threshold = { followers = 1000 }")
        .replace(floor, "threshold = { followers = 1000 }\npledge")
        .replace('version = "2023.12"', 'version = "2024.01"')
    )
    assert candidate.count("followers = 1000 }") == 2
    return candidate


def test_a_shadow_run_shows_the_diff_and_the_candidate_can_be_activated(
    console: Console,
) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/policies"
    candidate = lower_threshold(console)
    response = console.post(
        admin, page, f"{page}/shadow", source=candidate, snapshot="@cycle", as_of="2023-10-16"
    )
    assert "notice=admin.shadow_done" in response.headers["location"]
    html = admin.get(page).text
    assert text_of(html, "shadow-newly_required") == "1"  # "small" (1,000 followers)
    assert text_of(html, "shadow-live-required") == "4"
    assert text_of(html, "shadow-candidate-required") == "5"
    assert text_of(html, "active-version") == "2023.12"  # nothing changed yet
    # the compliance lead sees the same run on the dashboard
    dashboard = console.staff(Role.PLATFORM).get("/console/weibo/dashboard").text
    assert text_of(dashboard, "shadow-newly_required") == "1"

    response = console.post(admin, page, f"{page}/activate", source=candidate)
    assert "notice=admin.policy_activated" in response.headers["location"]
    latest = policy_activations(console.programme.db, "weibo", 1)[0]
    assert (latest.version, latest.actor) == ("2024.01", "staff:weibo-admin")
    with console.programme.db.reading() as conn:
        actions = [
            (e.action, e.actor) for e in conn.execute(select(audit_log.c.action, audit_log.c.actor))
        ]
    assert ("policy:activated", "staff:weibo-admin") in actions
    html = admin.get(page).text
    assert text_of(html, "active-version") == "2024.01"
    assert 'data-testid="no-shadow"' in html  # its diff was against the old policy
    again = console.post(admin, page, f"{page}/activate", source=candidate)
    assert "notice=admin.policy_unchanged" in again.headers["location"]


def own_snapshot(console: Console, platform: str, name: str) -> Path:
    """A copy of the seed's snapshot in ``platform``'s own folder of the snapshot folder."""
    folder = console.snapshot.parent / platform
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(console.snapshot, folder / name))


def offered(html: str) -> list[str]:
    found = re.search(r'<select name="snapshot"[^>]*>(.*?)</select>', html, re.S)
    assert found
    return re.findall(r'<option value="([^"]+)"', found.group(1))


def test_a_candidate_file_and_a_snapshot_from_the_folder(console: Console) -> None:
    own_snapshot(console, "weibo", "snapshot.parquet")
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/policies"
    assert offered(admin.get(page).text) == ["@cycle", "snapshot.parquet"]  # from weibo/
    response = admin.post(
        f"{page}/shadow",
        data={
            "csrf": csrf_of(admin.get(page).text),
            "source": "",
            "snapshot": "snapshot.parquet",
            "as_of": "2023-10-16",
        },
        files={"file": ("candidate.toml", lower_threshold(console).encode(), "text/plain")},
    )
    assert "notice=admin.shadow_done" in response.headers["location"]
    assert text_of(admin.get(page).text, "shadow-candidate-required") == "5"


def test_bad_candidates_and_snapshots_are_refused(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/policies"
    douyin = active_source_file(console.programme.db, "douyin").source
    for fields in (
        {"source": douyin, "snapshot": "@cycle", "as_of": "2023-10-16"},  # another platform's
        {"source": "[policy]\nid = 1", "snapshot": "@cycle", "as_of": "2023-10-16"},
        {"source": lower_threshold(console), "snapshot": "../../etc/passwd", "as_of": "2023-10-16"},
        {"source": lower_threshold(console), "snapshot": "@cycle", "as_of": "last week"},
    ):
        response = console.post(admin, page, f"{page}/shadow", **fields)
        assert response.status_code == 303 and "error=" in response.headers["location"], fields
    response = console.post(admin, page, f"{page}/activate", source=douyin)
    assert "error=" in response.headers["location"]
    assert text_of(admin.get(page).text, "active-version") == "2023.12"


def test_an_admin_sees_and_uses_only_the_platforms_own_snapshots(console: Console) -> None:
    root = console.snapshot.parent  # the server's snapshot folder; the seed's file is at the top
    own_snapshot(console, "weibo", "weibo-only.parquet")
    own_snapshot(console, "douyin", "douyin-own.parquet")
    nested = own_snapshot(console, "douyin", "older.parquet")
    (root / "douyin" / "2023").mkdir()
    nested.rename(root / "douyin" / "2023" / "older.parquet")
    (root / "douyin" / "to-weibo.parquet").symlink_to(root / "weibo" / "weibo-only.parquet")
    admin = console.staff(Role.ADMIN, "douyin")
    page = "/console/douyin/admin/policies"
    html = admin.get(page).text
    assert sorted(offered(html)) == ["2023/older.parquet", "@cycle", "douyin-own.parquet"]
    assert "weibo-only" not in html and "snapshot.parquet" not in html
    scope = unescape(text_of(html, "snapshot-scope"))
    assert "douyin/" in scope and "Other platforms' folders" in scope
    chinese = admin.get(page, headers={"Accept-Language": "zh-CN"}).text
    assert "其他平台的文件夹" in text_of(chinese, "snapshot-scope")
    source = active_source_file(console.programme.db, "douyin").source
    for name in (
        "weibo/weibo-only.parquet",
        "../weibo/weibo-only.parquet",
        str(root / "weibo" / "weibo-only.parquet"),
        "to-weibo.parquet",  # a link out of the folder
        "snapshot.parquet",  # the top of the snapshot folder
        "../snapshot.parquet",
        str(console.snapshot),
        "",
    ):
        response = console.post(
            admin, page, f"{page}/shadow", source=source, snapshot=name, as_of="2023-11-01"
        )
        assert response.status_code == 303 and "error=" in response.headers["location"], name
        assert 'data-testid="no-shadow"' in admin.get(page).text, name
    for name in ("douyin-own.parquet", "2023/older.parquet", "@cycle"):
        response = console.post(
            admin, page, f"{page}/shadow", source=source, snapshot=name, as_of="2023-11-01"
        )
        assert "notice=admin.shadow_done" in response.headers["location"], name
        assert 'data-testid="no-shadow"' not in admin.get(page).text
    # and weibo's admin is offered weibo's folder only
    weibo = offered(console.staff(Role.ADMIN).get(f"{ADMIN}/policies").text)
    assert weibo == ["@cycle", "weibo-only.parquet"]


def test_without_a_folder_of_its_own_only_the_cycles_snapshot_is_offered(
    console: Console,
) -> None:
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/policies"
    html = admin.get(page).text
    assert offered(html) == ["@cycle"]  # the seed's file at the top is not weibo's folder
    response = console.post(
        admin,
        page,
        f"{page}/shadow",
        source=lower_threshold(console),
        snapshot="snapshot.parquet",
        as_of="2023-10-16",
    )
    assert "error=" in response.headers["location"]


# --- off the event loop ----------------------------------------------------------------------


def test_admin_changes_run_off_the_event_loop(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {
        **watch(monkeypatch, Policies, "shadow", "activate"),
        **watch(
            monkeypatch,
            Access,
            "create_api_key",
            "revoke_api_key",
            "create_staff_user",
            "disable_staff_user",
        ),
        **watch(monkeypatch, Webhooks, "register"),
    }
    admin = console.staff(Role.ADMIN)
    page = f"{ADMIN}/policies"
    candidate = lower_threshold(console)
    console.post(
        admin, page, f"{page}/shadow", source=candidate, snapshot="@cycle", as_of="2023-10-16"
    )
    console.post(admin, page, f"{page}/activate", source=candidate)
    key = new_key(console, admin)
    console.post(admin, f"{ADMIN}/keys", f"{ADMIN}/keys/{key.split('.')[0]}/revoke")
    hooks = f"{ADMIN}/webhooks"
    console.post(
        admin, hooks, hooks, url="https://hooks.example/b", secret="s" * 20, topics="label"
    )
    users = f"{ADMIN}/users"
    console.post(admin, users, users, username="ann.lead", role="platform")
    console.post(admin, users, f"{users}/ann.lead/disable")
    assert access.authenticate(console.programme.db, key) is None
    for name, ran in calls.items():
        assert ran, f"{name} was not called"
        assert not any(ran), f"{name} ran on the event loop"


# --- who may ---------------------------------------------------------------------------------

PAGES = ("", "/keys", "/webhooks", "/policies", "/users")
POSTS = ("/keys", "/webhooks", "/policies/shadow", "/policies/activate", "/users")


def test_only_the_platforms_admins_get_in(console: Console) -> None:
    for role in (Role.PLATFORM, Role.REVIEWER):
        client = console.staff(role)
        csrf = csrf_of(client.get("/console/weibo/preview").text)
        for path in PAGES:
            assert client.get(ADMIN + path).status_code == 403, (role, path)
        for path in POSTS:
            response = client.post(ADMIN + path, data={"csrf": csrf, "role": "admin"})
            assert response.status_code == 403, (role, path)
    other = console.staff(Role.ADMIN, "douyin")
    for path in PAGES:
        assert other.get(ADMIN + path).status_code == 403
    assert console.creator("star").get(ADMIN).status_code == 403
    admin = console.staff(Role.ADMIN)
    for path in PAGES:
        assert admin.get(ADMIN + path).status_code == 200, path


def test_admin_changes_need_the_sessions_csrf_token(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    before = admin.get(f"{ADMIN}/keys").text.count('data-testid="key-')
    response = admin.post(f"{ADMIN}/keys", data={"csrf": "forged", "role": "admin"})
    assert response.status_code == 403
    assert admin.get(f"{ADMIN}/keys").text.count('data-testid="key-') == before
