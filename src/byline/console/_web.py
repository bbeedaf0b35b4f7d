"""The console's plumbing: who is signed in, what they may open, CSRF, and rendering.

Every page declares the roles that may open it (``Page``); the platform in the path must be the
session's own (a tenant never sees another's pages). Every POST carries the session's CSRF token
in a form field. Responses carry a strict Content-Security-Policy (nothing from elsewhere, no
inline script) and ``Referrer-Policy: no-referrer`` (a creator's entry link carries a token).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeGuard

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from byline import words
from byline.console import _i18n, _reasons
from byline.console._text import inert, neutralise
from byline.console._throttle import SignInThrottle
from byline.domain.errors import CodedError
from byline.service import Principal, Role, Services

SESSION_COOKIE = "byline_session"
LOGIN_CSRF_COOKIE = "byline_login_csrf"
PREFIX = "/console"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["inert"] = inert
_env.filters["neutralise"] = neutralise
# A vocabulary word at the head of a label or a sentence ("required" -> "Required").
_env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ConsoleState:
    services: Services
    throttle: SignInThrottle = field(default_factory=SignInThrottle)


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Denied(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class Viewer:
    """Who is looking at a page, in which language."""

    request: Request
    console: ConsoleState
    t: _i18n.Translator
    principal: Principal | None = None
    csrf: str = ""
    expires_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return self.console.services

    @property
    def actor_name(self) -> str:
        assert self.principal is not None
        return self.principal.name

    def now(self) -> dt.datetime:
        """The service floor's time (pages show deadlines relative to it)."""
        return self.services.access.now()


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.byline_console
    return state


def translator(request: Request) -> _i18n.Translator:
    return _i18n.Translator(
        _i18n.pick(request.cookies.get(_i18n.COOKIE), request.headers.get("accept-language"))
    )


def anonymous(request: Request) -> Viewer:
    return Viewer(request, console_state(request), translator(request))


def page(*roles: Role, creator: bool = False) -> Callable[[Request], Viewer]:
    """A dependency: the signed-in viewer, if their role may open this page of this platform."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Viewer:
        viewer = anonymous(request)
        token = request.cookies.get(SESSION_COOKIE)
        session = viewer.services.access.session(token) if token else None
        if session is None:
            raise SignInRequired(current_url(request))
        principal = session.principal
        platform = request.path_params.get("platform")
        if platform is not None and principal.platform != platform:
            raise Denied("other_platform")
        is_creator = principal.account_id is not None
        if is_creator and not creator:
            raise Denied("role")
        if not is_creator and principal.role not in allowed:
            raise Denied("role")
        viewer.principal = principal
        viewer.csrf = session.csrf
        viewer.expires_at = session.expires_at
        return viewer

    return dependency


def current_url(request: Request) -> str:
    """The page's path and query, to come back to; never a creator's entry ``token`` (a page
    refusing a link must not repeat it, e.g. in the language switch's ``next``)."""
    url = request.url.path
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return url


def same_token(sent: str, expected: str) -> bool:
    """Constant-time comparison that also takes any text a form may carry."""
    return hmac.compare_digest(sent.encode(), expected.encode())


def safe_next(url: str | None, default: str) -> str:
    """Only a path inside the console: never an open redirect."""
    if not url or not url.startswith(PREFIX + "/") or url.startswith("//") or "\\" in url:
        return default
    return url


@dataclass(frozen=True)
class Form:
    """A POSTed form's text fields (an uploaded file is read from the request by its taker)."""

    fields: dict[str, list[str]]

    def get(self, key: str, default: str = "") -> str:
        """The field's value (the last, if it came more than once)."""
        values = self.fields.get(key)
        return values[-1] if values else default

    def getlist(self, key: str) -> list[str]:
        return list(self.fields.get(key, ()))


async def form_of(request: Request, viewer: Viewer) -> Form:
    """The POSTed form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = form.get("csrf", "")
    if not viewer.csrf or not isinstance(sent, str) or not same_token(sent, viewer.csrf):
        raise Denied("csrf")
    return Form({key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form})


FLASH_COOKIE = "byline_flash"


def _flash(viewer: Viewer, kind: str) -> tuple[str | None, bool]:
    """The message of kind ``notice`` or ``error`` to show (and whether it came from the flash
    cookie): a catalogue code from the query, or text a redirect left in the cookie. Any other
    query text is ignored, so a crafted link cannot put words on a page."""
    value = viewer.request.query_params.get(kind)
    if value is None:
        return None, False
    if value == "flash":
        try:
            stored = json.loads(urllib.parse.unquote(viewer.request.cookies.get(FLASH_COOKIE, "")))
        except ValueError:
            return None, False
        if isinstance(stored, list) and len(stored) == 4 and stored[0] == kind:
            _, text, code, facts = stored
            if isinstance(facts, dict) and viewer.t.has(f"error.service.{code}"):
                return _worded(viewer.t, str(code), facts), True
            return str(text), True
        if isinstance(stored, list) and len(stored) == 2 and stored[0] == kind:
            return str(stored[1]), True
        return None, False
    key = f"{kind}.{value}"
    if key.startswith("error.service."):  # said only with their facts, from the cookie
        return None, False
    return (viewer.t(key), False) if viewer.t.has(key) else (None, False)


def render(viewer: Viewer, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    principal = viewer.principal
    notice, flashed_notice = _flash(viewer, "notice")
    error, flashed_error = _flash(viewer, "error")
    body = _env.get_template(template).render(
        t=viewer.t,
        lang=viewer.t.lang,
        languages=_i18n.LANGUAGES,
        principal=principal,
        platform=principal.platform if principal else None,
        csrf=viewer.csrf,
        nav=_nav(principal),
        here=current_url(viewer.request),
        notice=notice,
        error=error,
        expires_at=viewer.expires_at,
        now_iso=_now_iso(viewer),
        reason_choices=lambda group: _reasons.choices(viewer.t, group),
        term=lambda section, value: words.word(viewer.t.lang, section, str(value)),
        who=lambda actor: _who(viewer.t, str(actor)),
        **context,
    )
    response = HTMLResponse(body, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    if flashed_notice or flashed_error:
        response.delete_cookie(FLASH_COOKIE, path=PREFIX)
    return response


def _who(t: _i18n.Translator, actor: str) -> str:
    """An actor as a page names it: the system's own actors in words, people by name."""
    key = f"actor.{actor}"
    return t(key) if t.has(key) else actor


def _now_iso(viewer: Viewer) -> str:
    """The server's clock, for countdowns (the demo's clock is not the browser's)."""
    try:
        return viewer.now().isoformat()
    except Exception:
        return ""


def worded(exc: Exception) -> TypeGuard[CodedError]:
    """Whether the console can say ``exc`` in the viewer's language (its catalogue knows it)."""
    return isinstance(exc, CodedError) and (
        f"error.service.{exc.code}" in _i18n.catalogue(_i18n.DEFAULT)
    )


def explain(t: _i18n.Translator, exc: Exception) -> str:
    """``exc`` in the viewer's language when the catalogue knows it, else its own message."""
    return _worded(t, exc.code, exc.facts) if worded(exc) else str(exc)


def explain_code(t: _i18n.Translator, code: str, facts: dict[str, Any], message: str) -> str:
    """A refusal given as its code and facts (a bulk decision's), in the viewer's language
    when the catalogue knows the code, else its own ``message``."""
    known = bool(code) and f"error.service.{code}" in _i18n.catalogue(_i18n.DEFAULT)
    return _worded(t, code, facts) if known else message


def _worded(t: _i18n.Translator, code: str, facts: dict[str, Any]) -> str:
    said = {
        k: words.word(t.lang, "case_state", v) if k == "state" and isinstance(v, str) else v
        for k, v in facts.items()
    }
    try:
        return t(f"error.service.{code}", **said)
    except (KeyError, IndexError, ValueError):  # a fact the message needs is missing
        return t("error.service.unknown")


def redirect(url: str, **query: str | Exception) -> RedirectResponse:
    """A 303 to ``url``. ``notice``/``error`` that are catalogue codes travel in the query;
    any other text (an error's message) travels in a short-lived cookie, never in the URL. An
    error the service raised travels there with its code and facts, to be said in the language
    of the page that shows it (``CodedError``); its English message is kept for the others."""
    flash: list[Any] | None = None
    known = _i18n.catalogue(_i18n.DEFAULT)
    for kind in ("notice", "error"):
        value = query.get(kind)
        if isinstance(value, Exception):
            flash = [kind, str(value), *((value.code, value.facts) if worded(value) else ())]
            query[kind] = "flash"
        elif value is not None and f"{kind}.{value}" not in known:
            flash, query[kind] = [kind, value], "flash"
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    response = RedirectResponse(url, status_code=303)
    response.headers.update(SECURITY_HEADERS)
    if flash is not None:
        response.set_cookie(
            FLASH_COOKIE,
            urllib.parse.quote(json.dumps(flash, ensure_ascii=False)),
            max_age=120,
            path=PREFIX,
            httponly=True,
            samesite="strict",
        )
    return response


# Which pages each role sees in the navigation (the pages check the role themselves).
NAV: dict[str, tuple[Role, ...]] = {
    "dashboard": (Role.ADMIN, Role.PLATFORM),
    "report": (Role.ADMIN, Role.PLATFORM),
    "what-if": (Role.ADMIN, Role.PLATFORM),
    "reviews": (Role.ADMIN, Role.REVIEWER),
    "cases": (Role.PLATFORM,),
    "preview": (Role.ADMIN, Role.PLATFORM, Role.REVIEWER),
    "admin": (Role.ADMIN,),
}


def _nav(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    base = f"{PREFIX}/{principal.platform}"
    if principal.account_id is not None:
        return [("nav.me", f"{base}/me")]
    items = [
        (f"nav.{name}", f"{base}/{name}") for name, roles in NAV.items() if principal.role in roles
    ]
    return items


def home_of(principal: Principal) -> str:
    base = f"{PREFIX}/{principal.platform}"
    if principal.account_id is not None:
        return f"{base}/me"
    if principal.role in (Role.ADMIN, Role.PLATFORM):
        return f"{base}/dashboard"
    return f"{base}/reviews"


def set_session_cookie(
    response: Response, request: Request, token: str, expires_at: dt.datetime, now: dt.datetime
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(1, int((expires_at - now).total_seconds())),
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def new_login_csrf(viewer: Viewer) -> str:
    return viewer.services.access.login_csrf()


def choice_of(value: str | None, allowed: type[StrEnum], default: Any) -> Any:
    """A query parameter as one of ``allowed``, or ``default`` when absent or not one."""
    try:
        return allowed(value) if value else default
    except ValueError:
        return default


def int_of(value: str | None, default: int, low: int, high: int) -> int:
    """A query parameter as a whole number within ``low`` .. ``high`` (``default`` if none)."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(max(number, low), high)
