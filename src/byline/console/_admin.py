"""A platform admin's pages: API keys, webhook endpoints and their delivery log, policies
(shadow runs and activation), and console users.

Secrets (a new API key, a generated webhook secret, a new user's password) are shown once, on
the page that answers the POST that made them, and never again: only hashes are kept (the
webhook secret is kept to sign, and never shown after). Every change is audited by the service.

The latest shadow run of each platform is kept in this process's memory (per app), for the
admin's policies page and the dashboard: it is not recomputed (a run reads a whole snapshot
twice) and it is gone after a restart or in another worker, which the pages say.

A shadow run reads only this platform's snapshots: the one its latest finished cycle read
("@cycle"), or a file in its own folder ``<snapshot folder>/<platform>/``; never another
platform's folder nor the files at the top of the snapshot folder.

The POST handlers are ``async`` only to read the form (and an uploaded file); the work (a shadow
run evaluates a whole snapshot twice) runs in the thread pool, off the event loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from byline.console._web import PREFIX, Form, Viewer, form_of, page, redirect, render
from byline.service import (
    LATEST_CYCLE,
    TOPICS,
    AddressRefused,
    NoKey,
    NoUser,
    Role,
    ShadowComparison,
    errors,
    limits,
)

router = APIRouter(include_in_schema=False)
Admin = Annotated[Viewer, Depends(page(Role.ADMIN))]

KEY_ROLES = (Role.LABEL, Role.PLATFORM, Role.REVIEWER, Role.ADMIN)
USER_ROLES = (Role.PLATFORM, Role.REVIEWER, Role.ADMIN)
CYCLE_SNAPSHOT = LATEST_CYCLE  # the form's value for "the latest cycle's snapshot"
ERRORS: tuple[type[Exception], ...] = (*errors.USER_ERRORS, ValueError)


def _base(platform: str) -> str:
    return f"{PREFIX}/{platform}/admin"


def _error(exc: Exception) -> str:
    return str(exc)[:500]


# --- the latest shadow run, per platform, in this process ---------------------------------------


@dataclass(frozen=True)
class ShadowRun:
    at: dt.datetime
    by: str
    snapshot: str  # what the admin picked, as shown to them (a name, not a server path)
    as_of: dt.date
    source: str  # the candidate's text, to activate it from the result
    result: ShadowComparison

    @property
    def from_cycle(self) -> bool:
        return self.snapshot == CYCLE_SNAPSHOT

    def tier_rows(self) -> list[tuple[str, int, int]]:
        """(tier id, live count, candidate count) for every tier either policy has."""
        return self.result.tier_rows()


def _shadows(request: Request) -> dict[str, ShadowRun]:
    state = request.app.state
    kept: dict[str, ShadowRun] | None = getattr(state, "byline_console_shadows", None)
    if kept is None:
        kept = {}
        state.byline_console_shadows = kept
    return kept


def latest_shadow(viewer: Viewer, platform: str) -> ShadowRun | None:
    return _shadows(viewer.request).get(platform)


# --- overview --------------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/admin")
def admin_home(platform: str, viewer: Admin) -> HTMLResponse:
    services = viewer.services
    keys = services.access.api_keys(platform)
    users = services.access.staff_users(platform)
    endpoints = services.webhooks.endpoints(platform)
    activations = services.dashboard.activations(platform, 1)
    return render(
        viewer,
        "admin.html",
        section="home",
        keys_active=sum(1 for k in keys if k.revoked_at is None),
        users_active=sum(1 for u in users if u.disabled_at is None),
        endpoints_active=sum(1 for e in endpoints if e.active),
        activation=activations[0] if activations else None,
        backlog=services.webhooks.deliveries(platform, 0).backlog,
    )


# --- API keys --------------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/admin/keys")
def keys_page(platform: str, viewer: Admin) -> HTMLResponse:
    return render(
        viewer,
        "admin_keys.html",
        section="keys",
        keys=viewer.services.access.api_keys(platform),
        roles=[r.value for r in KEY_ROLES],
    )


@router.post(PREFIX + "/{platform}/admin/keys")
async def create_key(platform: str, request: Request, viewer: Admin) -> Response:
    form = await form_of(request, viewer)
    return await run_in_threadpool(_create_key, platform, viewer, form)


def _create_key(platform: str, viewer: Viewer, form: Form) -> Response:
    try:
        role = Role(form.get("role", ""))
        label = form.get("label", "").strip()
        key = viewer.services.access.create_api_key(
            platform, role, actor=viewer.actor_name, label=label
        )
    except limits.LimitExceeded as exc:  # said in the page's language
        return redirect(f"{_base(platform)}/keys", error=exc)
    except ERRORS as exc:
        return redirect(f"{_base(platform)}/keys", error=_error(exc))
    # The key is on this page only: not in a URL, not in a log, never shown again.
    return render(
        viewer,
        "admin_secret.html",
        section="keys",
        kind="key",
        secret=key,
        detail=[("admin.keys.role", role.value), ("admin.keys.label", label or "—")],
        back=f"{_base(platform)}/keys",
    )


@router.post(PREFIX + "/{platform}/admin/keys/{key_id}/revoke")
async def revoke_key(platform: str, key_id: str, request: Request, viewer: Admin) -> Response:
    await form_of(request, viewer)
    try:
        await run_in_threadpool(
            viewer.services.access.revoke_api_key, platform, key_id, actor=viewer.actor_name
        )
    except NoKey:
        return redirect(f"{_base(platform)}/keys", error="admin.no_such_key")
    return redirect(f"{_base(platform)}/keys", notice="admin.key_revoked")


# --- webhooks --------------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/admin/webhooks")
def webhooks_page(platform: str, viewer: Admin) -> HTMLResponse:
    hooks = viewer.services.webhooks
    return render(
        viewer,
        "admin_webhooks.html",
        section="webhooks",
        endpoints=hooks.endpoints(platform),
        log=hooks.deliveries(platform, 50),
        topics=TOPICS,
    )


@router.get(PREFIX + "/{platform}/admin/webhooks/deliveries")
def webhook_deliveries(platform: str, viewer: Admin) -> HTMLResponse:
    """The delivery log alone: the webhooks page fetches it every few seconds, so deliveries
    show as they happen."""
    log = viewer.services.webhooks.deliveries(platform, 50)
    return render(viewer, "admin_webhooks_log.html", section="webhooks", log=log)


@router.post(PREFIX + "/{platform}/admin/webhooks")
async def add_webhook(platform: str, request: Request, viewer: Admin) -> Response:
    form = await form_of(request, viewer)
    url = form.get("url", "").strip()
    secret = form.get("secret", "").strip()
    topics = form.getlist("topics")
    try:
        registered = await run_in_threadpool(
            lambda: viewer.services.webhooks.register(
                platform, url, topics, actor=viewer.actor_name, secret=secret or None
            )
        )
    except (AddressRefused, limits.LimitExceeded) as exc:  # said in the page's language
        return redirect(f"{_base(platform)}/webhooks", error=exc)
    except ERRORS as exc:
        return redirect(f"{_base(platform)}/webhooks", error=_error(exc))
    if not registered.generated:
        return redirect(f"{_base(platform)}/webhooks", notice="admin.webhook_registered")
    return render(
        viewer,
        "admin_secret.html",
        section="webhooks",
        kind="webhook",
        secret=registered.secret,
        detail=[
            ("admin.webhooks.endpoint", registered.endpoint_id),
            ("admin.webhooks.url", url),
        ],
        back=f"{_base(platform)}/webhooks",
    )


# --- policies --------------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/admin/policies")
def policies_page(platform: str, viewer: Admin) -> HTMLResponse:
    services = viewer.services
    activations = services.dashboard.activations(platform, 10)
    try:
        source: str | None = services.policies.source(platform).source
    except errors.USER_ERRORS:
        source = None
    cycle = services.dashboard.latest_cycle(platform)
    shadow = latest_shadow(viewer, platform)
    return render(
        viewer,
        "admin_policies.html",
        section="policies",
        activations=activations,
        source=source,
        candidate=shadow.source if shadow else (source or ""),
        cycle=cycle,
        cycle_value=CYCLE_SNAPSHOT,
        files=services.dashboard.snapshot_files(platform),
        as_of=(cycle.as_of if cycle else viewer.now().date()).isoformat(),
        shadow=shadow,
    )


async def _candidate(request: Request, form: Form) -> str:
    """The candidate's text: an uploaded file if one was sent, else the text area."""
    sent = await request.form()  # parsed once already by form_of; here for the file
    try:
        upload = sent.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            # read no more than the limit allows (the service checks the text again)
            data = await upload.read(limits.POLICY_MAX_BYTES + 1)
            if len(data) > limits.POLICY_MAX_BYTES:
                limits.check_policy_source(data.decode("utf-8", "replace"))
            try:
                return data.decode("utf-8").replace("\r\n", "\n")
            except UnicodeDecodeError:
                raise ValueError("policy file: not UTF-8 text") from None
    finally:
        await sent.close()
    text = form.get("source")
    if not text.strip():
        raise ValueError("policy: paste the policy's text or choose a file")
    return text.replace("\r\n", "\n")


@router.post(PREFIX + "/{platform}/admin/policies/shadow")
async def run_shadow(platform: str, request: Request, viewer: Admin) -> Response:
    form = await form_of(request, viewer)
    back = f"{_base(platform)}/policies"
    try:
        source = await _candidate(request, form)
    except ERRORS as exc:
        return redirect(back, error=_error(exc))
    return await run_in_threadpool(_run_shadow, platform, viewer, form, source)


def _run_shadow(platform: str, viewer: Viewer, form: Form, source: str) -> Response:
    back = f"{_base(platform)}/policies"
    choice = form.get("snapshot", CYCLE_SNAPSHOT)
    try:
        as_of = dt.date.fromisoformat(form.get("as_of", ""))
        result = viewer.services.policies.shadow(platform, source, choice, as_of)
    except ERRORS as exc:
        return redirect(back, error=_error(exc))
    _shadows(viewer.request)[platform] = ShadowRun(
        viewer.now(), viewer.actor_name, choice, as_of, source, result
    )
    return redirect(f"{back}?notice=admin.shadow_done#shadow")


@router.post(PREFIX + "/{platform}/admin/policies/activate")
async def activate(platform: str, request: Request, viewer: Admin) -> Response:
    form = await form_of(request, viewer)
    back = f"{_base(platform)}/policies"
    try:
        source = await _candidate(request, form)
        done = await run_in_threadpool(
            lambda: viewer.services.policies.activate(platform, source, actor=viewer.actor_name)
        )
    except ERRORS as exc:
        return redirect(back, error=_error(exc))
    if not done.changed:
        return redirect(back, notice="admin.policy_unchanged")
    _shadows(request).pop(platform, None)  # its diff was against the policy just replaced
    return redirect(back, notice="admin.policy_activated")


# --- console users ---------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/admin/users")
def users_page(platform: str, viewer: Admin) -> HTMLResponse:
    return render(
        viewer,
        "admin_users.html",
        section="users",
        users=viewer.services.access.staff_users(platform),
        roles=[r.value for r in USER_ROLES],
        me=viewer.principal.username if viewer.principal else None,
    )


@router.post(PREFIX + "/{platform}/admin/users")
async def create_user(platform: str, request: Request, viewer: Admin) -> Response:
    form = await form_of(request, viewer)
    username = form.get("username", "").strip().lower()
    try:
        role = Role(form.get("role", ""))
        password = await run_in_threadpool(
            lambda: viewer.services.access.create_staff_user(
                platform, username, role, actor=viewer.actor_name
            )
        )
    except ERRORS as exc:
        return redirect(f"{_base(platform)}/users", error=_error(exc))
    return render(
        viewer,
        "admin_secret.html",
        section="users",
        kind="password",
        secret=password,
        detail=[("admin.users.username", username), ("admin.users.role", role.value)],
        back=f"{_base(platform)}/users",
    )


@router.post(PREFIX + "/{platform}/admin/users/{username}/disable")
async def disable_user(platform: str, username: str, request: Request, viewer: Admin) -> Response:
    await form_of(request, viewer)
    back = f"{_base(platform)}/users"
    if viewer.principal is not None and username == viewer.principal.username:
        return redirect(back, error="admin.not_yourself")
    try:
        await run_in_threadpool(
            viewer.services.access.disable_staff_user, platform, username, actor=viewer.actor_name
        )
    except NoUser:
        return redirect(back, error="admin.no_such_user")
    return redirect(back, notice="admin.user_disabled")
