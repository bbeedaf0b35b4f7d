"""Reviewers' pages: the queue (filters, paging, taking cases, bulk decisions) and one case
(facts, reasons in words, the name on request, decisions, appeals, the audit trail).

A name (or a note) is read in two steps, so that a reload never repeats a read nor lands on
an address that is not a page: a POST to ``.../reveal`` (CSRF-checked) leaves the request in a
short-lived cookie and redirects to the case; the case page takes that cookie once, reads the
name through the service (audited by the vault) and renders it in that response alone: never
in a URL, never cached. Reloaded, the page shows the case without the name.

Taking a case reserves its decisions: a reviewer cannot approve, reject or decide the appeal of
a case another reviewer has taken (admins can). The compliance lead may read a case (facts,
reasons, restrictions, trail) but not see the name or act on it.

Handlers that change something are ``async`` only to read the form; the work (a bulk decision
is up to 100 transactions, a reveal decrypts) runs in the thread pool, off the event loop.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from byline import words
from byline.console import _reasons
from byline.console._reasons import BadReason, note_of, reason_of
from byline.console._web import (
    PREFIX,
    Viewer,
    choice_of,
    current_url,
    explain_code,
    form_of,
    int_of,
    page,
    redirect,
    render,
    safe_next,
)
from byline.domain.cases import CaseState
from byline.domain.vocabulary import AppealDecisionReason, RejectionReason, StaffReadReason
from byline.service import Actor, Assignee, LimitExceeded, QueueView, Role, errors

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Viewer, Depends(page(Role.REVIEWER, Role.ADMIN))]
# Reads a case without acting on it: the compliance lead follows the dashboard's links here.
CaseReader = Annotated[Viewer, Depends(page(Role.REVIEWER, Role.ADMIN, Role.PLATFORM))]
ACTING_ROLES = (Role.REVIEWER, Role.ADMIN)
# The list of cases, read-only: the compliance lead's (the queue is the reviewers').
CaseLister = Annotated[Viewer, Depends(page(Role.PLATFORM, Role.ADMIN))]

PAGE_SIZES = (25, 50, 100)
# Errors a reviewer can cause by acting on a case (shown as they are: they never carry a name).
ACTION_ERRORS: tuple[type[Exception], ...] = (
    *errors.USER_ERRORS,
    ValueError,
)


def _actor(viewer: Viewer) -> Actor:
    request_id = getattr(viewer.request.state, "request_id", None)
    return Actor(viewer.actor_name, request_id, admin=_is_admin(viewer))


def _is_admin(viewer: Viewer) -> bool:
    return viewer.principal is not None and viewer.principal.role is Role.ADMIN


def _queue_url(platform: str) -> str:
    return f"{PREFIX}/{platform}/reviews"


def _cases_url(platform: str) -> str:
    return f"{PREFIX}/{platform}/cases"


def _case_url(platform: str, account_id: str) -> str:
    return f"{PREFIX}/{platform}/cases/{urllib.parse.quote(account_id, safe='')}"


# --- the queue --------------------------------------------------------------------------------


@router.get(PREFIX + "/{platform}/reviews")
def queue_page(platform: str, request: Request, viewer: Reviewer) -> Response:
    return _listing(platform, request, viewer, read_only=False)


@router.get(PREFIX + "/{platform}/cases")
def cases_page(platform: str, request: Request, viewer: CaseLister) -> Response:
    """The compliance lead's list of cases: the queue's filters, to read, with no action."""
    return _listing(platform, request, viewer, read_only=True)


def _listing(platform: str, request: Request, viewer: Viewer, *, read_only: bool) -> Response:
    """The queue (``read_only``: the list of cases, without taking or deciding)."""
    params = request.query_params
    view = choice_of(params.get("state"), QueueView, QueueView.SUBMITTED)
    assigned = choice_of(params.get("assigned"), Assignee, Assignee.ANYONE)
    limit = int_of(params.get("limit"), 50, 1, max(PAGE_SIZES))
    offset = int_of(params.get("offset"), 0, 0, 10_000_000)
    try:
        policy = viewer.services.policies.in_force(platform)
    except errors.NotFoundError:
        return _not_found(viewer, "reviews.no_policy")
    lang = viewer.t.lang
    tiers = [(t.id, words.tier_label(policy, lang, t.id, t.label)) for t in policy.tiers]
    tier = params.get("tier") or ""
    if tier not in {tier_id for tier_id, _ in tiers}:
        tier = ""
    result = viewer.services.reviews.queue(
        platform,
        reviewer=viewer.actor_name,
        view=view,
        tier=tier or None,
        assignee=assigned,
        limit=limit,
        offset=offset,
    )
    filters = {"state": view.value, "tier": tier, "assigned": assigned.value, "limit": limit}

    list_url = _cases_url(platform) if read_only else _queue_url(platform)

    def page_url(new_offset: int) -> str:
        query = {k: str(v) for k, v in filters.items() if v}
        query["offset"] = str(new_offset)
        return list_url + "?" + urllib.parse.urlencode(query)

    return render(
        viewer,
        "reviews.html",
        read_only=read_only,
        list_url=list_url,
        title_key="cases.title" if read_only else "reviews.title",
        page=result,
        filters=filters,
        views=[v.value for v in QueueView],
        assignees=[a.value for a in Assignee],
        tiers=tiers,
        tier_labels=dict(tiers),
        page_sizes=PAGE_SIZES,
        me=viewer.actor_name,
        back=current_url(request),
        previous_url=page_url(max(0, offset - limit)) if offset > 0 else None,
        next_url=page_url(offset + limit) if offset + limit < result.total else None,
        case_url=lambda account_id: _case_url(platform, account_id),
    )


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/take")
async def take(platform: str, account_id: str, request: Request, viewer: Reviewer) -> Response:
    form = await form_of(request, viewer)
    back = safe_next(form.get("next"), _queue_url(platform))
    return await run_in_threadpool(_take, viewer, platform, account_id, back)


def _take(viewer: Viewer, platform: str, account_id: str, back: str) -> Response:
    try:
        viewer.services.reviews.take(platform, account_id, actor=_actor(viewer))
    except ACTION_ERRORS as exc:
        return redirect(back, error=exc)
    return redirect(back, notice="reviews_taken")


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/release")
async def release(platform: str, account_id: str, request: Request, viewer: Reviewer) -> Response:
    form = await form_of(request, viewer)
    back = safe_next(form.get("next"), _queue_url(platform))
    return await run_in_threadpool(_release, viewer, platform, account_id, back)


def _release(viewer: Viewer, platform: str, account_id: str, back: str) -> Response:
    try:
        viewer.services.reviews.release(platform, account_id, actor=_actor(viewer))
    except ACTION_ERRORS as exc:
        return redirect(back, error=exc)
    return redirect(back, notice="reviews_released")


@router.post(PREFIX + "/{platform}/reviews/bulk")
async def bulk(platform: str, request: Request, viewer: Reviewer) -> Response:
    """Approve or reject the ticked cases; the result page says which were done, which were
    not and why. Rendered, not redirected: the outcome of each case is the page's content."""
    form = await form_of(request, viewer)
    back = safe_next(form.get("next"), _queue_url(platform))
    try:
        reason, note = reason_of(form.get("reason"), RejectionReason), note_of(form.get("note"))
    except BadReason as bad:
        return redirect(back, error=bad.key)
    account_ids = [a for a in form.getlist("account_id") if a]
    return await run_in_threadpool(
        _bulk, viewer, platform, form.get("decision"), account_ids, reason, note, back
    )


def _bulk(
    viewer: Viewer,
    platform: str,
    action: Any,
    account_ids: list[str],
    reason: RejectionReason | None,
    note: str | None,
    back: str,
) -> Response:
    try:
        outcome = viewer.services.reviews.bulk(
            platform, account_ids, action, actor=_actor(viewer), reason=reason, note=note
        )
    except LimitExceeded as exc:  # said from its code, as every door gives it
        return redirect(back, error=exc)
    return render(
        viewer,
        "reviews_bulk.html",
        action=outcome.action,
        done=outcome.done,
        failed=[
            (r.account_id, explain_code(viewer.t, r.code, r.facts, r.message), r.code)
            for r in outcome.refused
        ],
        back=back,
        case_url=lambda account_id: _case_url(platform, account_id),
    )


# --- one case ---------------------------------------------------------------------------------


def _not_found(viewer: Viewer, body_key: str) -> Response:
    return render(
        viewer, "message.html", status=404, title_key="reviews.not_found_title", body_key=body_key
    )


def _case_page(
    viewer: Viewer,
    platform: str,
    account_id: str,
    revealed: str | None = None,
    revealed_note: tuple[str, str] | None = None,
) -> Response:
    """The case; its forms (take, reveal, decide) only for those who may act on it."""
    reviews = viewer.services.reviews
    try:
        view = reviews.show(platform, account_id)
        trail = reviews.trail(platform, account_id)
        policy = reviews.policy_in_force(platform)
    except errors.NotFoundError:
        return _not_found(viewer, "reviews.no_case")
    t = viewer.t
    tier_label = None
    if view.tier:
        label = next((x.label for x in policy.tiers if x.id == view.tier), view.tier)
        tier_label = words.tier_label(policy, t.lang, view.tier, label)
    assert viewer.principal is not None
    can_act = viewer.principal.role in ACTING_ROLES
    assignee = reviews.holder(platform, account_id)
    me = viewer.actor_name
    return render(
        viewer,
        "case.html",
        view=view,
        tier_label=tier_label,
        reasons=words.case_reasons(policy, t.lang, view.as_dict(), date=t.date),
        restrictions=words.restriction_lines(
            policy, t.lang, [r.as_dict() for r in view.restrictions]
        ),
        trail=trail,
        assignee=assignee,
        me=me,
        can_act=can_act,
        may_decide=can_act and (assignee in (None, me) or _is_admin(viewer)),
        open=view.is_open,
        appealed=view.state is CaseState.APPEALED,
        revealed=revealed,
        revealed_note=revealed_note,
        reason_words=lambda action, code: _reasons.in_words(t, action, code),
        case_url=_case_url(platform, account_id),
        back_url=_queue_url(platform) if can_act else _cases_url(platform),
        back_key="reviews.back" if can_act else "cases.back",
    )


REVEAL_COOKIE = "byline_reveal"


def _asked_to_reveal(viewer: Viewer, platform: str, account_id: str) -> dict[str, str] | None:
    """The read the last POST asked for on this case (from the cookie), or None."""
    raw = viewer.request.cookies.get(REVEAL_COOKIE)
    if not raw:
        return None
    try:
        asked = json.loads(urllib.parse.unquote(raw))
    except ValueError:
        return None
    if not isinstance(asked, dict) or asked.get("case") != f"{platform}/{account_id}":
        return None
    if not all(isinstance(v, str) for v in asked.values()):
        return None
    return asked


def _reveal_then_show(url: str, asked: dict[str, str]) -> Response:
    """Redirect to the case, leaving the read asked for in a cookie it takes once."""
    response = redirect(url)
    response.set_cookie(
        REVEAL_COOKIE,
        urllib.parse.quote(json.dumps(asked, ensure_ascii=False)),
        max_age=60,
        path=PREFIX,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get(PREFIX + "/{platform}/cases/{account_id:path}/reveal")
@router.get(PREFIX + "/{platform}/cases/{account_id:path}/reveal-note")
def reveal_address(platform: str, account_id: str, viewer: CaseReader) -> Response:
    """An old address of a read (a bookmark, a history entry): the case, with nothing read."""
    return redirect(_case_url(platform, account_id))


@router.get(PREFIX + "/{platform}/cases/{account_id:path}")
async def case_page(platform: str, account_id: str, viewer: CaseReader) -> Response:
    asked = _asked_to_reveal(viewer, platform, account_id)
    assert viewer.principal is not None
    if asked is None or viewer.principal.role not in ACTING_ROLES:
        return await run_in_threadpool(_case_page, viewer, platform, account_id)
    if asked.get("what") == "note":
        response = await run_in_threadpool(
            _reveal_note,
            viewer,
            platform,
            account_id,
            asked.get("note_id", ""),
            choice_of(asked.get("reason"), StaffReadReason, StaffReadReason.REVIEW),
        )
    else:
        response = await run_in_threadpool(
            _reveal,
            viewer,
            platform,
            account_id,
            choice_of(asked.get("reason"), StaffReadReason, StaffReadReason.REVIEW),
            asked.get("note") or None,
        )
    response.delete_cookie(REVEAL_COOKIE, path=PREFIX)
    return response


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/reveal")
async def reveal(platform: str, account_id: str, request: Request, viewer: Reviewer) -> Response:
    form = await form_of(request, viewer)
    url = _case_url(platform, account_id)
    try:
        reason = reason_of(form.get("reason"), StaffReadReason) or StaffReadReason.REVIEW
        note = note_of(form.get("note"))
    except BadReason as bad:
        return redirect(url, error=bad.key)
    asked = {"case": f"{platform}/{account_id}", "what": "name", "reason": reason.value}
    if note:
        asked["note"] = note
    return _reveal_then_show(url + "#name", asked)


def _reveal(
    viewer: Viewer,
    platform: str,
    account_id: str,
    reason: StaffReadReason,
    note: str | None,
) -> Response:
    try:
        name = viewer.services.reviews.reveal_name(
            platform, account_id, actor=_actor(viewer), reason=reason, note=note
        )
    except ACTION_ERRORS as exc:
        return redirect(_case_url(platform, account_id), error=exc)
    return _case_page(viewer, platform, account_id, revealed=name)


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/reveal-note")
async def reveal_note(
    platform: str, account_id: str, request: Request, viewer: Reviewer
) -> Response:
    """A note kept beside a reason: read (audited) by the case page the POST redirects to,
    and rendered in that response alone."""
    form = await form_of(request, viewer)
    note_id = form.get("note_id").strip()
    url = _case_url(platform, account_id)
    try:
        reason = reason_of(form.get("reason"), StaffReadReason) or StaffReadReason.REVIEW
    except BadReason as bad:
        return redirect(url, error=bad.key)
    asked = {
        "case": f"{platform}/{account_id}",
        "what": "note",
        "note_id": note_id,
        "reason": reason.value,
    }
    return _reveal_then_show(url + "#trail", asked)


def _reveal_note(
    viewer: Viewer, platform: str, account_id: str, note_id: str, reason: StaffReadReason
) -> Response:
    try:
        text = viewer.services.reviews.reveal_note(
            platform, account_id, note_id, actor=_actor(viewer), reason=reason
        )
    except ACTION_ERRORS as exc:
        return redirect(_case_url(platform, account_id), error=exc)
    return _case_page(viewer, platform, account_id, revealed_note=(note_id, text))


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/approve")
async def approve(platform: str, account_id: str, request: Request, viewer: Reviewer) -> Response:
    await form_of(request, viewer)
    return await run_in_threadpool(_approve, viewer, platform, account_id)


def _approve(viewer: Viewer, platform: str, account_id: str) -> Response:
    url = _case_url(platform, account_id)
    try:
        viewer.services.reviews.approve(platform, account_id, actor=_actor(viewer))
    except ACTION_ERRORS as exc:
        return redirect(url, error=exc)
    return redirect(url, notice="case_approved")


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/reject")
async def reject(platform: str, account_id: str, request: Request, viewer: Reviewer) -> Response:
    form = await form_of(request, viewer)
    url = _case_url(platform, account_id)
    try:
        reason, note = reason_of(form.get("reason"), RejectionReason), note_of(form.get("note"))
    except BadReason as bad:
        return redirect(url, error=bad.key)
    if reason is None:
        return redirect(url, error="case_reason_required")
    return await run_in_threadpool(_reject, viewer, platform, account_id, reason, note)


def _reject(
    viewer: Viewer, platform: str, account_id: str, reason: RejectionReason, note: str | None
) -> Response:
    url = _case_url(platform, account_id)
    try:
        viewer.services.reviews.reject(
            platform, account_id, reason, actor=_actor(viewer), note=note
        )
    except ACTION_ERRORS as exc:
        return redirect(url, error=exc)
    return redirect(url, notice="case_rejected")


@router.post(PREFIX + "/{platform}/cases/{account_id:path}/appeal-decision")
async def decide_appeal(
    platform: str, account_id: str, request: Request, viewer: Reviewer
) -> Response:
    form = await form_of(request, viewer)
    decision = form.get("decision")
    url = _case_url(platform, account_id)
    if decision not in ("uphold", "deny"):
        return redirect(url, error="case_decision_required")
    try:
        reason = reason_of(form.get("reason"), AppealDecisionReason)
        note = note_of(form.get("note"))
    except BadReason as bad:
        return redirect(url, error=bad.key)
    if reason is None:
        return redirect(url, error="case_reason_required")
    return await run_in_threadpool(
        _decide_appeal, viewer, platform, account_id, decision == "uphold", reason, note
    )


def _decide_appeal(
    viewer: Viewer,
    platform: str,
    account_id: str,
    upheld: bool,
    reason: AppealDecisionReason,
    note: str | None,
) -> Response:
    url = _case_url(platform, account_id)
    try:
        viewer.services.reviews.decide_appeal(
            platform, account_id, upheld=upheld, reason=reason, actor=_actor(viewer), note=note
        )
    except ACTION_ERRORS as exc:
        return redirect(url, error=exc)
    return redirect(url, notice="case_appeal_upheld" if upheld else "case_appeal_denied")
