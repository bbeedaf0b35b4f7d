"""Request dependencies: the state, who is calling (key or creator token), and what they may do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from byline.api._problems import Problem
from byline.api._ratelimit import VIEWER_PREFIX
from byline.api._schemas import ACCOUNT_ID_PATTERN
from byline.api._state import AppState
from byline.service import (
    Access,
    Actor,
    Cases,
    Creators,
    Cycles,
    Dashboard,
    Displays,
    Labels,
    Operations,
    Policies,
    Principal,
    PublicLog,
    Reviews,
    Role,
    Services,
    TokenError,
    Webhooks,
)

bearer = HTTPBearer(auto_error=False, description="An API key, or a creator token")


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.byline
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def _request_id(request: Request) -> str | None:
    """The request's id (``RequestContext`` keeps it), for the audit trail (async: no thread
    hop for reading an attribute)."""
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id


RequestIdDep = Annotated[str | None, Depends(_request_id)]


# The service floor, one dependency per service (built once, with the app).
def _access(request: Request) -> Access:
    return get_services(request).access


def _cases(request: Request) -> Cases:
    return get_services(request).cases


def _creators(request: Request) -> Creators:
    return get_services(request).creators


def _cycles(request: Request) -> Cycles:
    return get_services(request).cycles


def _dashboard(request: Request) -> Dashboard:
    return get_services(request).dashboard


def _displays(request: Request) -> Displays:
    return get_services(request).displays


def _labels(request: Request) -> Labels:
    return get_services(request).labels


def _operations(request: Request) -> Operations:
    return get_services(request).operations


def _policies(request: Request) -> Policies:
    return get_services(request).policies


def _public_log(request: Request) -> PublicLog:
    return get_services(request).public_log


def _reviews(request: Request) -> Reviews:
    return get_services(request).reviews


def _webhooks(request: Request) -> Webhooks:
    return get_services(request).webhooks


def get_services(request: Request) -> Services:
    services: Services = request.app.state.byline.services
    return services


AccessDep = Annotated[Access, Depends(_access)]
CasesDep = Annotated[Cases, Depends(_cases)]
CreatorsDep = Annotated[Creators, Depends(_creators)]
CyclesDep = Annotated[Cycles, Depends(_cycles)]
DashboardDep = Annotated[Dashboard, Depends(_dashboard)]
DisplaysDep = Annotated[Displays, Depends(_displays)]
LabelsDep = Annotated[Labels, Depends(_labels)]
OperationsDep = Annotated[Operations, Depends(_operations)]
PoliciesDep = Annotated[Policies, Depends(_policies)]
PublicLogDep = Annotated[PublicLog, Depends(_public_log)]
ReviewsDep = Annotated[Reviews, Depends(_reviews)]
WebhooksDep = Annotated[Webhooks, Depends(_webhooks)]
PLATFORM_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"
AccountPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=ACCOUNT_ID_PATTERN,
        description="The account id",
        examples=["weibo-000000344462"],
    ),
]
PlatformPath = Annotated[
    str,
    Path(
        pattern=PLATFORM_PATTERN,
        description="The platform (tenant): its policy id",
        examples=["weibo"],
    ),
]


def _limited(state: AppState, bucket: str, limit: int) -> None:
    _all_limited(state, ((bucket, limit),))


def _all_limited(state: AppState, limits: Sequence[tuple[str, int]]) -> None:
    """One request counted in every (bucket, limit); 429 when any is past its limit."""
    verdict = state.limiter.hit_all(limits)
    if not verdict.allowed:
        state.metrics.rate_limited.labels(verdict.bucket.split(":", 1)[0]).inc()
        raise Problem(
            429,
            "Too many requests",
            "slow down and retry after the given seconds",
            headers={"Retry-After": str(verdict.retry_after_s)},
        )


def _credentials(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise Problem(
            401,
            "Authentication required",
            "send Authorization: Bearer <API key or creator token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


def bearer_token(authorization: str | None) -> str:
    """The credentials of an ``Authorization`` header, read as ``bearer`` reads them (for
    routes served without dependency injection); 401 without a bearer token."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return _credentials(None)
    return credentials


def staff(*roles: Role, limited: bool = True) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting API keys of ``roles`` for the platform in the path only (and
    within the key's rate limit, unless the route counts it itself: ``limited`` false)."""

    # Async on purpose, like the label route: a sync dependency costs a thread hop per request;
    # the work here is a cache hit (a database read once per key per few seconds).
    async def dependency(
        state: StateDep,
        platform: PlatformPath,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        return admit_key(state, platform, _credentials(credentials), roles, limited=limited)

    return dependency


def admit_key(
    state: AppState,
    platform: str,
    presented: str,
    roles: tuple[Role, ...],
    *,
    limited: bool = True,
) -> Principal:
    """The key's principal if it is a key of ``platform`` with one of ``roles`` and within its
    rate limit (counted here unless ``limited`` is false); else the 401, 403 or 429 problem."""
    principal = state.keys.get_or(presented, state.services.access.authenticate)
    if principal is None:
        raise Problem(
            401,
            "Authentication required",
            "unknown or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.platform != platform:
        raise Problem(403, "Forbidden", "this key belongs to another platform")
    if principal.role not in roles:
        raise Problem(
            403,
            "Forbidden",
            f"this route needs a key with role {' or '.join(r.value for r in roles)}",
        )
    if limited:
        _limited(state, key_bucket(principal), state.settings.key_limit_per_minute)
    return principal


def key_bucket(principal: Principal) -> str:
    return f"key:{principal.key_id}"


def creator(
    state: StateDep,
    platform: PlatformPath,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    token = _credentials(credentials)
    try:
        principal = state.services.access.creator(platform, token)
    except TokenError as exc:
        raise Problem(
            401, "Authentication required", str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    _limited(
        state, f"creator:{platform}:{principal.account_id}", state.settings.creator_limit_per_minute
    )
    return principal


LABEL_ROLES = (Role.LABEL, Role.PLATFORM)
# The label route counts the key's and the viewer's rate limits together (``limit_label``).
LabelCaller = Annotated[Principal, Depends(staff(*LABEL_ROLES, limited=False))]
PlatformCaller = Annotated[Principal, Depends(staff(Role.PLATFORM, Role.ADMIN))]
ReviewerCaller = Annotated[Principal, Depends(staff(Role.REVIEWER, Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(staff(Role.ADMIN))]
CreatorCaller = Annotated[Principal, Depends(creator)]


# Who acts, for the audit trail: an HTTP actor always carries its request id. Each is built
# from its caller dependency, which FastAPI resolves once per request (the caller is admitted,
# and counted in its rate limit, once however many parameters ask for it).
def _staff_actor(caller: Principal, request_id: str | None) -> Actor:
    return Actor(caller.name, request_id, admin=caller.role is Role.ADMIN)


async def _platform_actor(caller: PlatformCaller, request_id: RequestIdDep) -> Actor:
    return _staff_actor(caller, request_id)


async def _reviewer_actor(caller: ReviewerCaller, request_id: RequestIdDep) -> Actor:
    return _staff_actor(caller, request_id)


async def _admin_actor(caller: AdminCaller, request_id: RequestIdDep) -> Actor:
    return _staff_actor(caller, request_id)


async def _creator_actor(caller: CreatorCaller, request_id: RequestIdDep) -> Actor:
    return Actor(caller.name, request_id)


PlatformActor = Annotated[Actor, Depends(_platform_actor)]
ReviewerActor = Annotated[Actor, Depends(_reviewer_actor)]
AdminActor = Annotated[Actor, Depends(_admin_actor)]
CreatorActor = Annotated[Actor, Depends(_creator_actor)]


def limit_label(state: AppState, caller: Principal, platform: str, viewer_id: str) -> None:
    """A label lookup counted in the key's rate limit and the viewer's, at once."""
    settings = state.settings
    _all_limited(
        state,
        (
            (key_bucket(caller), settings.key_limit_per_minute),
            (f"viewer:{platform}:{viewer_id}", settings.viewer_limit_per_minute),
        ),
    )


def spend_names(
    state: AppState, caller: Principal, platform: str, viewer_id: str, names: Collection[str]
) -> None:
    """Count the distinct names about to be shown against the key's budget (its own, or the
    server's) and the viewer's; 429 with ``Retry-After`` when either would be passed."""
    if not names:
        return
    settings = state.settings
    key_budget = caller.name_budget or settings.key_name_budget_per_hour
    budgets = [
        (f"key:{caller.key_id}", key_budget),
        (f"{VIEWER_PREFIX}{platform}:{viewer_id}", settings.viewer_name_budget_per_hour),
    ]
    verdict = state.limiter.spend(budgets, names)
    if not verdict.allowed:
        state.metrics.over_budget.labels(verdict.bucket.split(":", 1)[0]).inc()
        raise Problem(
            429,
            "Too many names",
            "this key or viewer has been shown its budget of distinct names for this hour;"
            " retry after the given seconds",
            headers={"Retry-After": str(verdict.retry_after_s)},
        )
