"""The creator's own pages: what is required of me and why, the deadline, my name with my
consent, refusing (its consequences spelled out before I confirm), appealing, volunteering and
withdrawing, and the restrictions on my account with how to lift them.

Creator sessions only (``page(creator=True)`` with no staff role); every action is on the
session's own account. Each POST redirects back to ``/me`` with a notice or an error; the work
runs in the thread pool (the handlers are ``async`` only to read the form). An error's text
never carries the name that was typed: the vault's messages give positions and code points
only, and any message that would repeat the name is replaced by a general one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from byline import words
from byline.console._reasons import BadReason, note_of, reason_of
from byline.console._web import (
    PREFIX,
    Form,
    Viewer,
    form_of,
    page,
    redirect,
    render,
    worded,
)
from byline.domain.labels import VERIFIED_CLASS
from byline.domain.policy import Policy
from byline.domain.vocabulary import (
    AccountKind,
    AppealReason,
    RefusalReason,
    Trigger,
    WithdrawalReason,
)
from byline.service import Actor, CaseView, Obligation, errors, limits

router = APIRouter(include_in_schema=False)
Creator = Annotated[Viewer, Depends(page(creator=True))]

ACTION_ERRORS: tuple[type[Exception], ...] = (*errors.USER_ERRORS, ValueError)

# Which actions the page offers in each state (the case's state machine has the last word:
# an action it refuses comes back as an error). ``None``: no case, or the last one is closed.
# A name waiting for review, an appeal being decided: the holder waits, with nothing to send.
_SUBMIT = {"required", "notified", "rejected", "overdue", "refused", "verified", "disclosed"}
_REFUSE = {"required", "notified", "rejected", "overdue", "verified", "disclosed"}
_APPEAL = {"required", "notified", "rejected", "overdue", "refused"}
_CLOSED = {None, "released", "withdrawn"}
# States in which the deadline runs (shown with its countdown); in the others it is met,
# paused, passed (the state says so) or has no bearing.
_DEADLINE_RUNS = {"notified", "rejected"}


def _actor(viewer: Viewer) -> Actor:
    return Actor(viewer.actor_name, getattr(viewer.request.state, "request_id", None))


def _account(viewer: Viewer) -> str:
    assert viewer.principal is not None and viewer.principal.account_id is not None
    return viewer.principal.account_id


def _me_url(platform: str) -> str:
    return f"{PREFIX}/{platform}/me"


def _actions(duty: Obligation) -> dict[str, bool]:
    state = duty.state
    voluntary = duty.voluntary
    closed = state in _CLOSED
    return {
        "submit": not voluntary and state in _SUBMIT,
        "refuse": not voluntary and state in _REFUSE,
        "appeal": not voluntary and state in _APPEAL,
        "volunteer": closed and duty.voluntary_allowed,
        "withdraw": voluntary and not closed,
        "change_name": voluntary and state in {"submitted", "verified", "disclosed"},
    }


def _countdown(viewer: Viewer, deadline: dt.datetime | None) -> str | None:
    """The time left, as the server sees it now (the page's script keeps it ticking)."""
    if deadline is None:
        return None
    left = int((deadline - viewer.now()).total_seconds())
    if left <= 0:
        return viewer.t("me.countdown_over")
    days, rest = divmod(left, 86400)
    return viewer.t("me.countdown_left", days=days, hours=rest // 3600, minutes=rest % 3600 // 60)


def _duty(viewer: Viewer, platform: str) -> tuple[Obligation, CaseView | None]:
    """The obligation in words, and the case itself (None when there is none)."""
    account_id = _account(viewer)
    duty = viewer.services.creators.obligation(platform, account_id, viewer.t.lang)
    try:
        view: CaseView | None = viewer.services.creators.show(platform, account_id)
    except errors.NotFoundError:
        view = None
    return duty, view


def _no_policy(viewer: Viewer) -> Response:
    return render(
        viewer, "message.html", status=404, title_key="me.no_policy_title", body_key="me.no_policy"
    )


def _name_free(message: str, name: str) -> bool:
    """Whether ``message`` repeats neither ``name``, nor a word of it (3+ characters), nor two
    adjacent non-ASCII characters of it (a part of a name written without spaces)."""
    folded = message.casefold()
    if name.casefold() in folded:
        return False
    for word in name.split():
        if len(word) >= 3 and re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", folded):
            return False
    pairs = {name[i : i + 2] for i in range(len(name) - 1)}
    return not any(not p.isascii() and p.strip() == p and p in message for p in pairs)


def _error_text(exc: Exception, name: str) -> str:
    message = str(exc)
    return message if _name_free(message, name) else "me_name_not_accepted"


def _act(back: str, notice: str, work: Callable[[], object], name: str = "") -> Response:
    """Run ``work`` (in the thread pool) and redirect with its notice, or with its error."""
    try:
        work()
    except ACTION_ERRORS as exc:
        if worded(exc):  # said from its code and facts, which never hold a name
            return redirect(back, error=exc)
        return redirect(back, error=_error_text(exc, name) if name else str(exc))
    return redirect(back, notice=notice)


@router.get(PREFIX + "/{platform}/me")
def me_page(platform: str, viewer: Creator) -> Response:
    try:
        duty, view = _duty(viewer, platform)
        policy = viewer.services.policies.in_force(platform)
    except errors.NotFoundError:
        return _no_policy(viewer)
    t = viewer.t
    kind = view.kind.value if view else None
    return render(
        viewer,
        "me.html",
        duty=duty,
        view=view,
        kind=kind,
        actions=_actions(duty),
        deadline_runs=duty.state in _DEADLINE_RUNS and duty.deadline is not None,
        countdown=_countdown(viewer, duty.deadline),
        reasons=(
            words.case_reasons(policy, t.lang, view.as_dict(), meaning=False, date=t.date)
            if view
            else []
        ),
        restrictions=words.restriction_lines(
            policy, t.lang, [r.as_dict() for r in duty.restrictions]
        ),
        incentives=[i for i in policy.incentives if view and i.id in view.incentives],
        quoted=words.Quoted.of(policy, t.lang),
        kinds=[k.value for k in AccountKind],
        me_url=_me_url(platform),
        **_displays(viewer, platform),
        statements=_statements(viewer, platform, policy),
    )


def _class_words(viewer: Viewer, viewer_class: str) -> str:
    """A viewer class in words: ``verified``, or the conditions it names, joined."""
    t = viewer.t
    if viewer_class == VERIFIED_CLASS:
        return t("me.displays_verified")
    named = viewer_class.split("+")
    return t("me.displays_and").join(words.word(t.lang, "viewer_condition", c) for c in named)


def _displays(viewer: Viewer, platform: str) -> dict[str, Any]:
    """The creator's displays: per day and class, a chart of the daily totals, the classes
    in words, and the classes the policy hides names from that the counts show no display to.
    """
    t = viewer.t
    seen = viewer.services.displays.view(platform, _account(viewer))
    return {
        "displays": seen,
        "display_classes": {c: _class_words(viewer, c) for c in seen.classes},
        "displays_chart": Markup(
            words.chart_svg(
                t.lang,
                t("me.displays_chart", days=len(seen.days)),
                t("me.displays_day"),
                t("me.displays_axis"),
                [str(d.day.day) for d in seen.days[-14:]],  # the day of the month
                [words.Series(t("me.displays_axis"), [d.total for d in seen.days[-14:]])],
                bars=True,
                chart_id="displays-chart",
            )
        ),
        "never_shown_to": "; ".join(
            words.word(t.lang, "viewer_condition", c.value) for c in seen.never_shown_to
        ),
        "shown_to_hidden": [
            (words.word(t.lang, "viewer_condition", c.value), n)
            for c, n in seen.shown_to_hidden.items()
            if n
        ],
    }


def _counts(viewer: Viewer, counts: dict[str, int] | None) -> str:
    return (
        ", ".join(
            f"{words.word(viewer.t.lang, 'metric', m)} {viewer.t.number(v)}"
            for m, v in (counts or {}).items()
        )
        or "–"
    )


def _statements(viewer: Viewer, platform: str, policy: Policy) -> list[dict[str, Any]]:
    """The statements of reasons issued to the account, in the viewer's words."""
    t, shown = viewer.t, []
    for s in viewer.services.creators.statements(platform, _account(viewer)):
        facts, ground = s["decision_facts"], s["incompatible_content_ground"]
        yes_no = {True: t("me.statements.yes"), False: t("me.statements.no")}
        shown.append(
            {
                "id": s["statement_id"],
                "issued": t.datetime(s["application_date"]),
                "restrictions": words.restriction_lines(policy, t.lang, s["restrictions"]),
                "ground": t(
                    "me.statements.ground",
                    policy=ground["policy_id"],
                    version=ground["policy_version"],
                    tier=ground["tier"] or "–",
                    rules=", ".join(ground["penalty_ids"]),
                ),
                "facts": t(
                    "me.statements.facts",
                    trigger=" / ".join(words.word(t.lang, "trigger", x) for x in facts["triggers"]),
                    counts=_counts(viewer, facts["counts"]),
                    threshold=_counts(viewer, facts["threshold"]),
                ),
                "notified": (
                    t("me.statements.notified", at=t.datetime(facts["notified_at"]))
                    if facts["notified_at"]
                    else None
                ),
                "automated": t(
                    "me.statements.automated",
                    detection=yes_no[bool(s["automated_detection"])],
                    decision=yes_no[s["automated_decision"] == "AUTOMATED_DECISION_FULLY"],
                ),
            }
        )
    return shown


@router.get(PREFIX + "/{platform}/me/refuse")
def refuse_page(platform: str, viewer: Creator) -> Response:
    """What refusing costs, before the creator confirms it."""
    try:
        duty, _ = _duty(viewer, platform)
        policy = viewer.services.policies.in_force(platform)
    except errors.NotFoundError:
        return _no_policy(viewer)
    if not _actions(duty)["refuse"]:
        return redirect(_me_url(platform), error="me_cannot_refuse")
    return render(
        viewer,
        "me_refuse.html",
        duty=duty,
        consequences=words.penalties_on(policy, viewer.t.lang, Trigger.REFUSED),
        me_url=_me_url(platform),
    )


def _name_problem(name: str, form: Form) -> str | None:
    """What is wrong with a name given with consent (an error code), or None."""
    if not name:
        return "me_name_required"
    if len(name) > limits.NAME_MAX:
        return "me_name_too_long"
    if form.get("consent") != "yes":
        return "me_consent_required"
    return None


@router.post(PREFIX + "/{platform}/me/submit")
async def submit(platform: str, request: Request, viewer: Creator) -> Response:
    form = await form_of(request, viewer)
    name = form.get("name").strip()
    back = _me_url(platform)
    problem = _name_problem(name, form)
    if problem:
        return redirect(back, error=problem)
    account_id, actor = _account(viewer), _actor(viewer)
    return await run_in_threadpool(
        _act,
        back,
        "me_submitted",
        lambda: viewer.services.creators.submit(
            platform, account_id, name, consent=True, actor=actor
        ),
        name,
    )


@router.post(PREFIX + "/{platform}/me/refuse")
async def refuse(platform: str, request: Request, viewer: Creator) -> Response:
    form = await form_of(request, viewer)
    back = _me_url(platform)
    if form.get("confirm") != "yes":
        return redirect(back + "/refuse", error="me_confirm_required")
    try:
        reason, note = reason_of(form.get("reason"), RefusalReason), note_of(form.get("note"))
    except BadReason as bad:
        return redirect(back + "/refuse", error=bad.key)
    account_id, actor = _account(viewer), _actor(viewer)
    return await run_in_threadpool(
        _act,
        back,
        "me_refused",
        lambda: viewer.services.creators.refuse(
            platform, account_id, actor=actor, reason=reason, note=note
        ),
    )


@router.post(PREFIX + "/{platform}/me/appeal")
async def appeal(platform: str, request: Request, viewer: Creator) -> Response:
    form = await form_of(request, viewer)
    back = _me_url(platform)
    try:
        reason, note = reason_of(form.get("reason"), AppealReason), note_of(form.get("note"))
    except BadReason as bad:
        return redirect(back, error=bad.key)
    if reason is None:
        return redirect(back, error="me_reason_required")
    account_id, actor = _account(viewer), _actor(viewer)
    return await run_in_threadpool(
        _act,
        back,
        "me_appealed",
        lambda: viewer.services.creators.appeal(
            platform, account_id, reason, actor=actor, note=note
        ),
    )


@router.post(PREFIX + "/{platform}/me/volunteer")
async def volunteer(platform: str, request: Request, viewer: Creator) -> Response:
    form = await form_of(request, viewer)
    name = form.get("name").strip()
    back = _me_url(platform)
    try:
        kind = AccountKind(form.get("kind").strip() or AccountKind.INDIVIDUAL.value)
    except ValueError:
        return redirect(back, error="me_kind_required")
    problem = _name_problem(name, form)
    if problem:
        return redirect(back, error=problem)
    account_id, actor = _account(viewer), _actor(viewer)
    return await run_in_threadpool(
        _act,
        back,
        "me_volunteered",
        lambda: viewer.services.creators.volunteer(
            platform, account_id, name, kind, actor=actor, consent=True
        ),
        name,
    )


@router.post(PREFIX + "/{platform}/me/withdraw")
async def withdraw(platform: str, request: Request, viewer: Creator) -> Response:
    form = await form_of(request, viewer)
    back = _me_url(platform)
    try:
        reason, note = reason_of(form.get("reason"), WithdrawalReason), note_of(form.get("note"))
    except BadReason as bad:
        return redirect(back, error=bad.key)
    account_id, actor = _account(viewer), _actor(viewer)
    return await run_in_threadpool(
        _act,
        back,
        "me_withdrawn",
        lambda: viewer.services.creators.withdraw(
            platform, account_id, actor=actor, reason=reason, note=note
        ),
    )
