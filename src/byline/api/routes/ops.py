"""Operations: liveness, readiness (database reachable, migrations current), metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from byline.api._deps import OperationsDep, StateDep
from byline.api._problems import problem_response
from byline.api._ratelimit import RedisLimiter
from byline.service import Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Database reachable, migrations current, Redis reachable when configured",
    response_model=None,
)
def readyz(state: StateDep, ops: OperationsDep) -> dict[str, object] | Response:
    ready = ops.readiness()
    if ready.ready and isinstance(state.limiter, RedisLimiter):
        # Requests are still answered (limits counted per process), but not as configured.
        problem = state.limiter.ready()
        if problem:
            ready = Readiness(False, problem=f"{problem}; limits counted per process")
    if not ready.ready:
        return problem_response(503, "Not ready", str(ready.problem), "/readyz")
    return ready.as_dict()


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(state: StateDep, ops: OperationsDep) -> Response:
    values = ops.gauges()
    state.metrics.outbox_backlog.set(values.outbox_pending)
    for platform, n in values.review_queue.items():
        state.metrics.queue.labels(platform).set(n)
    for platform, n in values.flagged_owners.items():
        state.metrics.flagged_owners.labels(platform).set(n)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
