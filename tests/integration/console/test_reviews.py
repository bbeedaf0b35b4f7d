"""The reviewer's pages: the queue (filters, paging, taking cases, bulk decisions) and a case
(facts, reasons, the name only on request and audited, decisions, appeals, the trail)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from byline import audit
from byline.service.access import Role
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from integration.console.conftest import Console

from factories import write_snapshot

QUEUE = "/console/weibo/reviews"
CASE = "/console/weibo/cases/{}"


def rows_of(html: str) -> list[str]:
    return re.findall(r'data-testid="case-row-([^"]+)"', html)


def state_of(html: str) -> str:
    found = re.search(r'data-testid="case-state" data-state="([^"]+)"', html)
    assert found, "no case state on the page"
    return found.group(1)


def test_the_queue_lists_submitted_names_nearest_deadline_first(console: Console) -> None:
    programme = console.programme
    programme.submit("weibo", "quiet", "Zhao Min", consent=True, actor=Actor("creator"))
    client = console.staff(Role.REVIEWER)
    page = client.get(QUEUE)
    assert page.status_code == 200
    expected = [
        c["account_id"]
        for c in sorted(
            (c for c in programme.list_cases("weibo") if c["name_pending"]),
            key=lambda c: (c["deadline"] is None, c["deadline"] or "", c["account_id"]),
        )
    ]
    assert rows_of(page.text) == expected == ["quiet", "waiting"]
    assert 'data-testid="queue-count"' in page.text and "2 cases" in page.text
    # other views: every open case, and only the notified ones
    every = rows_of(client.get(QUEUE + "?state=all").text)
    assert sorted(every) == sorted(
        c["account_id"] for c in programme.list_cases("weibo") if c["closed_at"] is None
    )
    assert rows_of(client.get(QUEUE + "?state=notified").text) == [
        c["account_id"]
        for c in programme.list_cases("weibo", state=None)
        if c["state"] == "notified"
    ]
    # nothing the queue shows is a name
    for name in ("Zhao Min", "Liu Yang", "王高飞"):
        assert name not in page.text


def test_queue_paging_and_a_bad_filter_falls_back(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    first = client.get(QUEUE + "?state=all&limit=1")
    second = client.get(QUEUE + "?state=all&limit=1&offset=1")
    assert len(rows_of(first.text)) == len(rows_of(second.text)) == 1
    assert rows_of(first.text) != rows_of(second.text)
    assert 'data-testid="page-next"' in first.text and 'data-testid="page-previous"' in second.text
    assert rows_of(client.get(QUEUE + "?state=bogus&limit=x").text) == ["waiting"]


def test_take_and_release_and_the_mine_filter(console: Console) -> None:
    mine, other = console.staff(Role.REVIEWER), console.staff(Role.ADMIN)
    assert rows_of(mine.get(QUEUE + "?assigned=me").text) == []
    response = console.post(mine, QUEUE, CASE.format("waiting") + "/take", next=QUEUE)
    assert response.status_code == 303 and "notice=reviews_taken" in response.headers["location"]
    assert rows_of(mine.get(QUEUE + "?assigned=me").text) == ["waiting"]
    assert rows_of(mine.get(QUEUE + "?assigned=unassigned").text) == []
    assert 'data-testid="release-waiting"' in mine.get(QUEUE).text
    # another reviewer sees who has it and cannot take it
    theirs = other.get(QUEUE)
    assert "weibo-reviewer" in theirs.text and 'data-testid="take-waiting"' not in theirs.text
    taken = console.post(
        console.staff(Role.REVIEWER), QUEUE, CASE.format("waiting") + "/take", next=QUEUE
    )
    assert "notice=reviews_taken" in taken.headers["location"]  # the same reviewer: still theirs
    stolen = console.post(other, QUEUE, CASE.format("waiting") + "/take", next=QUEUE)
    assert "error=" in stolen.headers["location"] and "taken" in stolen.headers["location"]
    assert rows_of(other.get(QUEUE + "?assigned=me").text) == []
    # the holder releases it
    response = console.post(mine, QUEUE, CASE.format("waiting") + "/release", next=QUEUE)
    assert "notice=reviews_released" in response.headers["location"]
    assert rows_of(mine.get(QUEUE + "?assigned=me").text) == []
    assert rows_of(mine.get(QUEUE + "?assigned=unassigned").text) == ["waiting"]
    # the case page takes and releases too, and says who has it
    url = CASE.format("waiting")
    response = console.post(other, url, url + "/take", next=url)
    assert response.headers["location"] == url + "?notice=reviews_taken"
    assert 'data-testid="case-release"' in other.get(url).text
    page = mine.get(url).text
    assert "weibo-admin" in page and 'data-testid="case-take"' not in page


def test_a_reviewer_approves_and_the_case_is_disclosed(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    page = client.get(CASE.format("waiting"))
    assert page.status_code == 200
    assert state_of(page.text) == "submitted"
    assert 'data-testid="approve"' in page.text
    response = console.post(client, CASE.format("waiting"), CASE.format("waiting") + "/approve")
    assert response.status_code == 303
    assert response.headers["location"] == CASE.format("waiting") + "?notice=case_approved"
    assert console.programme.show("weibo", "waiting")["state"] == "disclosed"
    after = client.get(response.headers["location"])
    assert state_of(after.text) == "disclosed" and "Approved" in after.text
    assert 'data-testid="approve"' not in after.text
    history = console.programme.show("weibo", "waiting")["history"]
    assert history[-1]["actor"] == "staff:weibo-reviewer"


def test_reject_needs_a_reason(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    url = CASE.format("waiting")
    response = console.post(client, url, url + "/reject", reason="   ")
    assert response.headers["location"] == url + "?error=case_reason_required"
    assert console.programme.show("weibo", "waiting")["state"] == "submitted"
    response = console.post(client, url, url + "/reject", reason="name does not match the ID")
    assert response.headers["location"] == url + "?notice=case_rejected"
    view = console.programme.show("weibo", "waiting")
    assert view["state"] == "rejected"
    assert view["history"][-1]["detail"]["reason"] == "name does not match the ID"
    assert "name does not match the ID" in client.get(url).text  # in the trail


def test_the_name_is_shown_only_on_request_and_every_showing_is_audited(
    console: Console,
) -> None:
    client = console.staff(Role.REVIEWER)
    url = CASE.format("waiting")
    before = client.get(url)
    assert "Liu Yang" not in before.text and 'data-testid="revealed-name"' not in before.text
    assert 'data-testid="reveal"' in before.text
    reads_before = before.text.count('data-action="name:decrypted"')
    assert reads_before == 0
    response = console.post(client, url, url + "/reveal", reason="checking against the ID")
    assert response.status_code == 200  # rendered, never a redirect to a URL with the name
    assert response.headers["cache-control"] == "no-store"
    assert re.search(r'data-testid="revealed-name"><bdi class="name">Liu Yang</bdi>', response.text)
    # the read is in the trail of the response and of every later view, the name is not
    assert response.text.count('data-action="name:decrypted"') == 1
    again = client.get(url)
    assert "Liu Yang" not in again.text
    assert again.text.count('data-action="name:decrypted"') == 1
    assert "weibo-reviewer" in again.text and "checking against the ID" in again.text
    with console.programme.db.reading() as conn:
        reads = [e for e in audit.entries_for(conn) if e["action"] == "name:decrypted"]
    assert reads[-1]["actor"] == "staff:weibo-reviewer"
    assert reads[-1]["account_id"] == "weibo/waiting"
    assert "Liu Yang" not in str(reads[-1])


def test_a_hostile_name_is_refused_or_shown_inertly(console: Console) -> None:
    creator = console.creator("quiet")
    # a right-to-left override could make the label read other than what was verified: refused
    hostile = "<script>alert(1)</script>\u202eevil\u200b"
    response = console.post(
        creator, "/console/weibo/me", "/console/weibo/me/submit", name=hostile, consent="yes"
    )
    assert "error=" in response.headers["location"]
    assert "script" not in response.headers["location"]
    assert "evil" not in response.headers["location"]
    assert console.programme.show("weibo", "quiet")["state"] == "notified"
    # markup and invisible characters are accepted, and shown escaped and marked
    accepted = "<script>alert(1)</script>evil\u200b\u200f"
    response = console.post(
        creator, "/console/weibo/me", "/console/weibo/me/submit", name=accepted, consent="yes"
    )
    assert response.headers["location"] == "/console/weibo/me?notice=me_submitted"
    reviewer = console.staff(Role.REVIEWER)
    url = CASE.format("quiet")
    shown = console.post(reviewer, url, url + "/reveal", reason="review")
    assert "<script>alert(1)" not in shown.text
    assert (
        '<bdi class="name">&lt;script&gt;alert(1)&lt;/script&gt;evil[U+200B][U+200F]</bdi>'
        in shown.text
    )
    assert "\u200b" not in shown.text and "\u200f" not in shown.text


def test_bulk_approve_reports_what_was_done_and_what_was_not(console: Console) -> None:
    programme = console.programme
    programme.submit("weibo", "quiet", "Zhao Min", consent=True, actor=Actor("creator"))
    client = console.staff(Role.REVIEWER)
    page = client.get(QUEUE)
    assert 'data-testid="bulk-approve"' in page.text and 'data-check-all="account_id"' in page.text
    response = console.post(
        client,
        QUEUE,
        QUEUE + "/bulk",
        decision="approve",
        account_id=["waiting", "quiet", "star", "nobody"],
        next=QUEUE,
    )
    assert response.status_code == 200
    assert (
        'data-testid="bulk-summary"' in response.text and "2 approved, 2 not done" in response.text
    )
    assert 'data-testid="bulk-failed-star"' in response.text
    assert 'data-testid="bulk-failed-nobody"' in response.text
    assert "no name is waiting" in response.text and "no open case" in response.text
    for name in ("Zhao Min", "Liu Yang", "王高飞"):
        assert name not in response.text
    states = {a: programme.show("weibo", a)["state"] for a in ("waiting", "quiet", "star")}
    assert states == {"waiting": "disclosed", "quiet": "disclosed", "star": "disclosed"}
    assert rows_of(client.get(QUEUE).text) == []


def test_bulk_reject_needs_a_reason(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    response = console.post(
        client, QUEUE, QUEUE + "/bulk", decision="reject", account_id="waiting", next=QUEUE
    )
    assert response.headers["location"] == QUEUE + "?error=case_reason_required"
    assert console.programme.show("weibo", "waiting")["state"] == "submitted"
    response = console.post(
        client,
        QUEUE,
        QUEUE + "/bulk",
        decision="reject",
        account_id="waiting",
        reason="blurred scan",
        next=QUEUE,
    )
    assert "1 rejected, 0 not done" in response.text
    assert console.programme.show("weibo", "waiting")["state"] == "rejected"


def test_an_appeal_is_decided_on_the_case_page(console: Console) -> None:
    programme = console.programme
    programme.appeal("weibo", "quiet", "my account is about cooking", actor=Actor("creator"))
    client = console.staff(Role.REVIEWER)
    url = CASE.format("quiet")
    page = client.get(url)
    assert state_of(page.text) == "appealed" and 'data-testid="appeal-uphold"' in page.text
    assert rows_of(client.get(QUEUE + "?state=appealed").text) == ["quiet"]
    response = console.post(client, url, url + "/appeal-decision", decision="uphold", reason="")
    assert "error=case_reason_required" in response.headers["location"]
    response = console.post(
        client, url, url + "/appeal-decision", decision="uphold", reason="posts are about cooking"
    )
    assert response.headers["location"] == url + "?notice=case_appeal_upheld"
    assert programme.show("weibo", "quiet")["state"] == "exempted"


def test_the_case_page_explains_the_case_in_words(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    page = client.get(CASE.format("waiting")).text
    assert "weibo.tier.1m" in page and "1,000,000+ followers" in page
    assert "1,100,000" in page  # the account's follower count
    assert "weibo.floor" in page and "weibo.display" in page
    assert 'data-testid="audit-trail"' in page
    history = console.programme.show("weibo", "waiting")["history"]
    assert page.count('data-testid="trail-') == len(history)
    chinese = client.get(CASE.format("waiting"), headers={"Accept-Language": "zh-CN"})
    assert "立案原因" in chinese.text and "审计记录" in chinese.text


def test_an_unknown_account_is_a_404_page(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    response = client.get(CASE.format("no-such-account"))
    assert response.status_code == 404 and "no case" in response.text
    assert client.get(CASE.format("small")).status_code == 404


def test_only_reviewers_and_admins_of_the_platform_open_these_pages(console: Console) -> None:
    for role, status in ((Role.REVIEWER, 200), (Role.ADMIN, 200), (Role.PLATFORM, 403)):
        client = console.staff(role)
        assert client.get(QUEUE).status_code == status
        assert client.get(CASE.format("waiting")).status_code == status
    douyin = console.staff(Role.REVIEWER, platform="douyin")
    response = douyin.get(CASE.format("waiting"))
    assert response.status_code == 403 and "another platform" in response.text
    assert douyin.get(QUEUE).status_code == 403
    creator = console.creator("waiting")
    assert creator.get(CASE.format("waiting")).status_code == 403
    # a POST needs the page's role too, and the session's CSRF token
    stranger = console.client()
    assert stranger.post(CASE.format("waiting") + "/approve").status_code == 303
    reviewer = console.staff(Role.REVIEWER)
    forged = reviewer.post(CASE.format("waiting") + "/approve", data={"csrf": "forged"})
    assert forged.status_code == 403
    assert douyin.post(CASE.format("waiting") + "/reveal", data={"csrf": "x"}).status_code == 403
    assert console.programme.show("weibo", "waiting")["state"] == "submitted"


def test_a_steep_drop_is_flagged_in_the_queue_and_explained_on_the_case(
    console: Console, tmp_path: Path
) -> None:
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000},
        {"account_id": "quiet", "kind": "individual", "category": "law", "followers": 300_000},
    ]
    snapshot = write_snapshot(tmp_path / "drop.parquet", rows)
    run_cycle(console.programme.db, snapshot, "weibo", dt.date(2023, 10, 20))
    assert "steep_drop" in console.programme.show("weibo", "quiet")["flags"]
    client = console.staff(Role.REVIEWER)
    queue = client.get(QUEUE + "?state=notified").text
    row = queue.split('data-testid="case-row-quiet"', 1)[1].split("</tr>", 1)[0]
    assert "steep drop" in row
    page = client.get(CASE.format("quiet")).text
    assert "fell by 50% or more within 7 days" in page and "weibo.drop" in page
    assert "300,000" in page
