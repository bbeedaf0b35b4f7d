"""Signing in and out, the creator's entry link, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from byline.console import _i18n
from byline.console._web import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Viewer,
    anonymous,
    form_of,
    home_of,
    new_login_csrf,
    page,
    redirect,
    render,
    safe_next,
    same_token,
    set_session_cookie,
)
from byline.service import Role, SignInError, TokenError

router = APIRouter(include_in_schema=False)
Anonymous = Annotated[Viewer, Depends(anonymous)]
AnyoneSignedIn = Annotated[
    Viewer, Depends(page(Role.ADMIN, Role.PLATFORM, Role.REVIEWER, creator=True))
]


@router.get(PREFIX)
@router.get(PREFIX + "/")
def root(request: Request, viewer: Anonymous) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    session = viewer.services.access.session(token) if token else None
    if session is None:
        return redirect(f"{PREFIX}/login")
    return redirect(home_of(session.principal))


@router.get(PREFIX + "/login")
def login_form(viewer: Anonymous, next: str | None = None) -> HTMLResponse:
    csrf = new_login_csrf(viewer)
    viewer.csrf = csrf
    response = render(viewer, "login.html", next=safe_next(next, ""), failed=False, throttled=False)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, path=PREFIX, httponly=True, samesite="strict", max_age=3600
    )
    return response


@router.post(PREFIX + "/login")
async def login(request: Request, viewer: Anonymous) -> Response:
    form = await request.form()
    sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same_token(sent, expected):
        return redirect(f"{PREFIX}/login", error="csrf")
    username = str(form.get("username", "")).strip()[:80]
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "")), "")
    throttle = viewer.console.throttle
    keys = (f"user:{username.lower()}", f"addr:{request.client.host if request.client else ''}")
    wait = throttle.wait_s(*keys)
    if wait > 0:
        viewer.csrf = expected
        response = render(
            viewer, "login.html", status=429, next=next_url, failed=False, throttled=True
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    now = viewer.now()
    try:
        # scrypt takes tens of milliseconds: off the event loop that also serves the API
        token = await run_in_threadpool(
            viewer.services.access.sign_in,
            username,
            password,
            request.cookies.get(SESSION_COOKIE),
        )
    except SignInError:
        throttle.failed(*keys)
        viewer.csrf = expected
        return render(viewer, "login.html", status=401, next=next_url, failed=True, throttled=False)
    throttle.succeeded(keys[0])
    session = viewer.services.access.session(token)
    assert session is not None
    signed_in = redirect(next_url or home_of(session.principal))
    set_session_cookie(signed_in, request, token, session.expires_at, now)
    signed_in.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return signed_in


@router.post(PREFIX + "/logout")
async def logout(request: Request, viewer: AnyoneSignedIn) -> Response:
    await form_of(request, viewer)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        viewer.services.access.sign_out(token)
    response = redirect(f"{PREFIX}/login", notice="signed_out")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get(PREFIX + "/{platform}/enter")
def creator_entry(request: Request, platform: str, viewer: Anonymous, token: str = "") -> Response:
    """The creator's link from the platform: ``/console/<platform>/enter?token=<signed token>``.
    The token is exchanged for a session at once and never appears in a page."""
    now = viewer.now()
    try:
        session_token = viewer.services.access.sign_in_creator(
            platform, token, request.cookies.get(SESSION_COOKIE)
        )
    except TokenError:
        return render(
            viewer,
            "message.html",
            status=401,
            title_key="entry.failed_title",
            body_key="entry.failed",
        )
    session = viewer.services.access.session(session_token)
    assert session is not None
    response = redirect(f"{PREFIX}/{platform}/me")
    set_session_cookie(response, request, session_token, session.expires_at, now)
    return response


@router.get(PREFIX + "/lang/{lang}")
def switch_language(lang: str, next: str | None = None) -> RedirectResponse:
    """A preference only (a cookie): nothing on the server changes."""
    response = RedirectResponse(safe_next(next, PREFIX + "/"), status_code=303)
    response.headers.update(SECURITY_HEADERS)
    if lang in _i18n.LANGUAGES:
        response.set_cookie(_i18n.COOKIE, lang, path=PREFIX, samesite="lax", max_age=365 * 86400)
    return response
