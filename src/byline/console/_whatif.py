"""What if, for the compliance lead: the policy in force over a snapshot of the platform's own
folder, one of its numbers varied over a range; the chart and the table of its numbers.

A GET form: nothing changes, so the page's address is the question (it can be kept and sent).
The work (one scan of the snapshot) runs in the thread pool, as every sync handler does."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from byline import words
from byline.console._web import PREFIX, Viewer, explain, page, render
from byline.service import GROUP_BYS, LATEST_CYCLE, MAX_STEPS, Role, errors

router = APIRouter(include_in_schema=False)
Lead = Annotated[Viewer, Depends(page(Role.ADMIN, Role.PLATFORM))]
ERRORS: tuple[type[Exception], ...] = (*errors.USER_ERRORS, ValueError)
DEFAULTS = {
    "snapshot": "",
    "variable": "threshold",
    "from": "100000",
    "to": "2000000",
    "steps": "20",
    "by": "",
    "as_of": "",
}


@router.get(PREFIX + "/{platform}/what-if")
def what_if_page(platform: str, request: Request, viewer: Lead) -> HTMLResponse:
    t = viewer.t
    services = viewer.services
    asked = {**DEFAULTS, **{k: v for k, v in request.query_params.items() if v.strip()}}
    try:
        tiers = [tier.id for tier in services.dashboard.policy_in_force(platform).tiers]
    except ERRORS:
        tiers = []
    variables = [(v, t(f"whatif.var.{v}")) for v in ("threshold", "phase_starts", "as_of")]
    for tier in tiers:
        for what in ("threshold", "phase_starts"):
            variables.append((f"tier.{tier}.{what}", t(f"whatif.var.tier_{what}", tier=tier)))
    context: dict[str, Any] = {
        "asked": asked,
        "variables": variables,
        "group_bys": GROUP_BYS,
        "max_steps": MAX_STEPS,
        "cycle": services.dashboard.latest_cycle(platform),
        "cycle_value": LATEST_CYCLE,
        "files": services.dashboard.snapshot_files(platform),
        "result": None,
        "chart": None,
        "problem": None,
    }
    if "snapshot" not in request.query_params:  # the form alone
        return render(viewer, "whatif.html", **context)
    status = 200
    try:
        steps = int(asked["steps"])
        as_of = dt.date.fromisoformat(asked["as_of"]) if asked.get("as_of") else None
        by = asked.get("by") or None
        if by is not None and by not in GROUP_BYS:
            raise ValueError(f"by: one of {', '.join(GROUP_BYS)}")
        result, svg = services.dashboard.what_if(
            platform,
            asked.get("snapshot", LATEST_CYCLE),
            vary=f"{asked['variable']}={asked['from']}..{asked['to']}",
            steps=steps,
            by=by,  # checked above
            as_of=as_of,
            lang=t.lang,
        )
    except ERRORS as exc:
        context["problem"] = explain(t, exc)
        return render(viewer, "whatif.html", status=400, **context)
    context["result"] = result
    context["chart"] = Markup(svg)  # drawn by byline.words: every text in it escaped
    context["names"] = {s: _series_name(t.lang, result.by, s) for s in result.series}
    return render(viewer, "whatif.html", status=status, **context)


def _series_name(lang: str, by: str | None, series: str) -> str:
    if by == "category":
        return words.word(lang, "category", series)
    if by == "kind":
        return words.word(lang, "account_kind", series)
    return words.say(lang, "chart", "total") if series == "all" else series
