"""Label preview: an account's profile card as each viewer the policy in force tells apart sees
it: one who meets none of its ``[viewers]`` conditions, and one per condition that hides names.

The cards come from the same lookup the API serves, so they show exactly what the platform
would: a name to viewers the policy allows, the rule that hides it from the others, and for an
account that is not disclosed the same card as for an account that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from byline.console._web import PREFIX, Viewer, page, render
from byline.domain.labels import Viewer as LabelViewer
from byline.domain.vocabulary import ViewerCondition
from byline.service import Role, errors

router = APIRouter(include_in_schema=False)
Staff = Annotated[Viewer, Depends(page(Role.ADMIN, Role.PLATFORM, Role.REVIEWER))]

MAX_ACCOUNT_ID = 200


def viewer_classes(hidden_from: tuple[ViewerCondition, ...]) -> list[tuple[str, LabelViewer]]:
    """The viewers a policy tells apart, in the order their cards are shown: a signed-in,
    verified viewer with no condition (``allowed``), then one per condition the policy hides
    names from, holding that condition (a logged-out viewer is also unverified)."""
    classes = [("allowed", LabelViewer.of(logged_in=True, identity_verified=True))]
    for condition in hidden_from:
        if condition is ViewerCondition.LOGGED_OUT:
            who = LabelViewer.of(logged_in=False, identity_verified=False)
        elif condition is ViewerCondition.UNVERIFIED:
            who = LabelViewer.of(logged_in=True, identity_verified=False)
        else:
            who = LabelViewer.of(logged_in=True, identity_verified=True, flags=[condition])
        classes.append((condition.value, who))
    return classes


@router.get(PREFIX + "/{platform}/preview")
def preview(platform: str, viewer: Staff, account: str = "") -> HTMLResponse:
    account_id = account.strip()[:MAX_ACCOUNT_ID]
    cards = []
    if account_id:
        try:
            policy = viewer.services.policies.in_force(platform)
            for name, who in viewer_classes(policy.viewers.hidden_from):
                found = viewer.services.labels.lookup(platform, who, [account_id])
                cards.append(
                    {
                        "viewer": name,
                        "label": found.labels.get(account_id),
                        "hidden_by": found.hidden_by,
                    }
                )
        except errors.NotFoundError:
            return render(
                viewer,
                "message.html",
                status=404,
                title_key="preview.no_policy_title",
                body_key="preview.no_policy",
            )
    return render(viewer, "preview.html", account_id=account_id, cards=cards)
