"""Label preview: an account's profile card as four viewers see it under the policy in force.

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

# The four viewers of the preview, in the order their cards are shown.
VIEWERS: tuple[tuple[str, LabelViewer], ...] = (
    ("logged_out", LabelViewer.of(logged_in=False, identity_verified=False)),
    ("unverified", LabelViewer.of(logged_in=True, identity_verified=False)),
    ("verified", LabelViewer.of(logged_in=True, identity_verified=True)),
    (
        "sanctioned",
        LabelViewer.of(logged_in=True, identity_verified=True, flags=[ViewerCondition.SANCTIONED]),
    ),
)


@router.get(PREFIX + "/{platform}/preview")
def preview(platform: str, viewer: Staff, account: str = "") -> HTMLResponse:
    account_id = account.strip()[:MAX_ACCOUNT_ID]
    cards = []
    if account_id:
        try:
            for name, who in VIEWERS:
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
