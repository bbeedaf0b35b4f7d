"""The admin's webhooks page in headless Chromium shows deliveries as they happen: an attempt
made after the page was loaded appears in its delivery log without a reload."""

from __future__ import annotations

from byline.outbox import AllowList, WebhookGuard
from byline.service.operations import deliver_outbox
from byline.service.webhooks_admin import register_endpoint
from e2e.conftest import NOW, Site, Visit

URL = "http://127.0.0.1:9/live"  # nothing is sent there: the sink refuses


class Refusing:
    """A platform that answers 503 to everything."""

    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        return 503


def test_the_delivery_log_updates_itself(site: Site, visit: Visit) -> None:
    guard = WebhookGuard(AllowList.parse("127.0.0.1"))
    db = site.programme.db
    register_endpoint(
        db, "weibo", URL, "whsec-live-0123456789", ["audit"], actor="test", now=NOW, guard=guard
    )
    visit.sign_in("weibo-admin")
    visit.goto("/console/weibo/admin/webhooks", "webhooks before")
    page = visit.page
    assert "HTTP 503" not in visit.text("delivery-log")
    page.evaluate("window.sameDocument = true")  # type: ignore[attr-defined]
    deliver_outbox(db, sink=Refusing(), now=NOW, guard=guard)
    log = page.get_by_test_id("delivery-log")  # type: ignore[attr-defined]
    log.get_by_text("HTTP 503").first.wait_for(timeout=20_000)
    visit.shot("webhooks after")
    assert page.evaluate("window.sameDocument") is True  # type: ignore[attr-defined]
    assert URL in visit.text("delivery-log")
