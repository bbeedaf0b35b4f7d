"""Signing in and out, the creator's entry link, and the language switch."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

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
    set_session_cookie,
)
from byline.service.access import (
    Role,
    SignInError,
    TokenError,
    session_of,
    sign_in,
    sign_in_creator,
    sign_out,
)

router = APIRouter(include_in_schema=False)
Anonymous = Annotated[Viewer, Depends(anonymous)]
AnyoneSignedIn = Annotated[
    Viewer, Depends(page(Role.ADMIN, Role.PLATFORM, Role.REVIEWER, creator=True))
]


@router.get(PREFIX)
@router.get(PREFIX + "/")
def root(request: Request, viewer: Anonymous) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    session = session_of(viewer.programme.db, token, viewer.now()) if token else None
    if session is None:
        return redirect(f"{PREFIX}/login")
    return redirect(home_of(session.principal))


@router.get(PREFIX + "/login")
def login_form(viewer: Anonymous, next: str | None = None) -> HTMLResponse:
    csrf = new_login_csrf()
    viewer.csrf = csrf
    response = render(viewer, "login.html", next=safe_next(next, ""), failed=False)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, path=PREFIX, httponly=True, samesite="strict", max_age=3600
    )
    return response


@router.post(PREFIX + "/login")
async def login(request: Request, viewer: Anonymous) -> Response:
    form = await request.form()
    sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        return redirect(f"{PREFIX}/login", error="csrf")
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    now = viewer.now()
    try:
        token = sign_in(viewer.programme.db, username, password, now)
    except SignInError:
        viewer.csrf = expected
        return render(
            viewer,
            "login.html",
            status=401,
            next=safe_next(str(form.get("next", "")), ""),
            failed=True,
        )
    session = session_of(viewer.programme.db, token, now)
    assert session is not None
    target = safe_next(str(form.get("next", "")), home_of(session.principal))
    response = redirect(target)
    set_session_cookie(response, request, token, session.expires_at, now)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post(PREFIX + "/logout")
async def logout(request: Request, viewer: AnyoneSignedIn) -> Response:
    await form_of(request, viewer)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sign_out(viewer.programme.db, token)
    response = redirect(f"{PREFIX}/login", notice="signed_out")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get(PREFIX + "/{platform}/enter")
def creator_entry(request: Request, platform: str, viewer: Anonymous, token: str = "") -> Response:
    """The creator's link from the platform: ``/console/<platform>/enter?token=<signed token>``.
    The token is exchanged for a session at once and never appears in a page."""
    now = viewer.now()
    try:
        session_token = sign_in_creator(viewer.programme.db, platform, token, now)
    except TokenError:
        return render(
            viewer,
            "message.html",
            status=401,
            title_key="entry.failed_title",
            body_key="entry.failed",
        )
    session = session_of(viewer.programme.db, session_token, now)
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
