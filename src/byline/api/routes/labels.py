"""The label, for the platform's back end rendering profiles: batch lookups with the viewer."""

from __future__ import annotations

from fastapi import APIRouter

from byline.api._deps import LabelCaller, PlatformPath, StateDep, limit_viewer
from byline.api._problems import PROBLEM_RESPONSES
from byline.api._schemas import LabelsIn, LabelsOut
from byline.domain.labels import Viewer
from byline.service.labels import lookup_labels

router = APIRouter(tags=["label"], responses=PROBLEM_RESPONSES)


@router.post(
    "/v1/platforms/{platform}/labels",
    response_model=LabelsOut,
    summary="Labels of up to 100 accounts, as this viewer may see them",
)
async def labels(
    platform: PlatformPath, body: LabelsIn, state: StateDep, caller: LabelCaller
) -> LabelsOut:
    """A disclosed account's label is its verified name, shown only to viewers the policy
    allows. An account that is not disclosed and an unknown account get the same answer:
    null."""
    # Async on purpose: the lookup is a few indexed reads, cheaper inline on the event loop
    # than a hop to the thread pool; this is the hottest route by far.
    limit_viewer(state, platform, body.viewer.id)
    viewer = Viewer.of(body.viewer.logged_in, body.viewer.identity_verified, body.viewer.flags)
    result = lookup_labels(state.programme, platform, viewer, body.account_ids)
    metrics = state.metrics.label_hits
    if result.hidden_by:
        metrics.labels("hidden", result.hidden_by[0]).inc(len(body.account_ids))
    else:
        metrics.labels("shown", "").inc(result.shown)
        metrics.labels("none", "").inc(len(set(body.account_ids)) - result.shown)
    return LabelsOut.model_validate({"labels": result.labels})
