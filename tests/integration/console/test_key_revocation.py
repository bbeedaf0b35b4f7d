"""A key revoked in the console stops answering the API at once, in this process, even when the
API had just authenticated it (and would otherwise remember it for a few seconds)."""

from __future__ import annotations

import re

from byline.service.access import Role
from integration.console.conftest import Console, csrf_of

ADMIN = "/console/weibo/admin"
LOOKUP = {
    "viewer": {"id": "v1", "logged_in": True, "identity_verified": True, "flags": []},
    "account_ids": ["star"],
}


def test_a_key_revoked_in_the_console_stops_at_once(console: Console) -> None:
    admin = console.staff(Role.ADMIN)
    page = admin.get(f"{ADMIN}/keys")
    created = admin.post(
        f"{ADMIN}/keys", data={"csrf": csrf_of(page.text), "role": "label", "label": "feed"}
    )
    found = re.findall(r'value="([^"]+)" data-testid="new-secret"', created.text)
    assert len(found) == 1, created.text
    key = found[0]
    api = console.client()
    headers = {"Authorization": f"Bearer {key}"}
    assert api.post("/v1/platforms/weibo/labels", json=LOOKUP, headers=headers).status_code == 200
    key_id = key.split(".")[0]
    revoked = console.post(admin, f"{ADMIN}/keys", f"{ADMIN}/keys/{key_id}/revoke")
    assert revoked.status_code == 303
    assert api.post("/v1/platforms/weibo/labels", json=LOOKUP, headers=headers).status_code == 401
