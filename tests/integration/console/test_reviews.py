"""The reviewer's pages: the queue (filters, paging, taking cases, bulk decisions) and a case
(facts, reasons, the name only on request and audited, decisions, appeals, the trail)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from byline import audit
from byline.domain.vocabulary import AccountKind, AppealReason, StaffReadReason
from byline.service import HistoryEntry, Reviews
from byline.service.access import Role, create_staff_user
from byline.service.cycle import run_cycle
from byline.service.programme import Actor, Programme
from integration.console.conftest import NOW, PASSWORD, Console, csrf_of
from integration.console.threads import watch

from factories import write_snapshot

QUEUE = "/console/weibo/reviews"
CASE = "/console/weibo/cases/{}"


def rows_of(html: str) -> list[str]:
    return re.findall(r'data-testid="case-row-([^"]+)"', html)


def state_of(html: str) -> str:
    found = re.search(r'data-testid="case-state" data-state="([^"]+)"', html)
    assert found, "no case state on the page"
    return found.group(1)


def error_after(client: TestClient, response: httpx.Response) -> str:
    """The error the page a POST redirected to shows (its text, unescaped)."""
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    found = re.search(r'data-testid="error">([^<]*)<', page)
    assert found, "no error on the page"
    return html.unescape(found.group(1))


def second_reviewer(console: Console) -> TestClient:
    """Another reviewer of weibo, signed in."""
    create_staff_user(
        console.programme.db,
        "weibo",
        "weibo-reviewer-2",
        PASSWORD,
        Role.REVIEWER,
        actor="test",
        now=NOW,
    )
    client = console.client()
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "username": "weibo-reviewer-2", "password": PASSWORD},
    )
    assert response.status_code == 303
    return client


def test_the_queue_lists_submitted_names_nearest_deadline_first(console: Console) -> None:
    programme = console.programme
    programme.submit("weibo", "quiet", "Zhao Min", consent=True, actor=Actor("creator"))
    client = console.staff(Role.REVIEWER)
    page = client.get(QUEUE)
    assert page.status_code == 200
    expected = [
        c.account_id
        for c in sorted(
            (c for c in programme.list_cases("weibo") if c.name_pending),
            key=lambda c: (c.deadline is None, c.deadline or "", c.account_id),
        )
    ]
    assert rows_of(page.text) == expected == ["quiet", "waiting"]
    assert 'data-testid="queue-count"' in page.text and "2 cases" in page.text
    # other views: every open case, and only the notified ones
    every = rows_of(client.get(QUEUE + "?state=all").text)
    assert sorted(every) == sorted(
        c.account_id for c in programme.list_cases("weibo") if c.closed_at is None
    )
    assert rows_of(client.get(QUEUE + "?state=notified").text) == [
        c.account_id for c in programme.list_cases("weibo", state=None) if c.state == "notified"
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
    assert "taken" in error_after(other, stolen)
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
    assert console.programme.show("weibo", "waiting").state == "disclosed"
    after = client.get(response.headers["location"])
    assert state_of(after.text) == "disclosed" and "Approved" in after.text
    assert 'data-testid="approve"' not in after.text
    history = console.programme.show("weibo", "waiting").history
    assert history[-1].actor == "staff:weibo-reviewer"


def test_reject_needs_a_reason(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    url = CASE.format("waiting")
    response = console.post(client, url, url + "/reject", reason="   ")
    assert response.headers["location"] == url + "?error=case_reason_required"
    assert console.programme.show("weibo", "waiting").state == "submitted"
    response = console.post(
        client, url, url + "/reject", reason="name_mismatch", note="ID says otherwise"
    )
    assert response.headers["location"] == url + "?notice=case_rejected"
    view = console.programme.show("weibo", "waiting")
    assert view.state == "rejected"
    assert view.history[-1].detail["reason"] == "name_mismatch"
    assert "The name does not match the identity document" in client.get(url).text  # trail


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
    posted = console.post(
        client, url, url + "/reveal", reason="identity_check", note="checking against the ID"
    )
    # post, then redirect to the case itself: the name is read by that page, once
    assert posted.status_code == 303
    assert posted.headers["location"] == url + "#name"
    assert "Liu Yang" not in str(posted.headers)
    response = client.get(posted.headers["location"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert re.search(r'data-testid="revealed-name"><bdi class="name">Liu Yang</bdi>', response.text)
    # the read is in the trail of the response and of every later view, the name is not
    assert response.text.count('data-action="name:decrypted"') == 1
    again = client.get(url)
    assert "Liu Yang" not in again.text
    assert again.text.count('data-action="name:decrypted"') == 1
    assert "weibo-reviewer" in again.text and "Identity check" in again.text
    assert "checking against the ID" not in again.text  # the note stays in the vault
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
    assert console.programme.show("weibo", "quiet").state == "notified"
    # markup and invisible characters are accepted, and shown escaped and marked
    accepted = "<script>alert(1)</script>evil\u200b\u200f"
    response = console.post(
        creator, "/console/weibo/me", "/console/weibo/me/submit", name=accepted, consent="yes"
    )
    assert response.headers["location"] == "/console/weibo/me?notice=me_submitted"
    reviewer = console.staff(Role.REVIEWER)
    url = CASE.format("quiet")
    posted = console.post(reviewer, url, url + "/reveal", reason="review")
    shown = reviewer.get(posted.headers["location"])
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
    # a bulk approval covers only names a reviewer has read: nobody has read these two yet
    response = console.post(
        client, QUEUE, QUEUE + "/bulk", decision="approve", account_id=["waiting", "quiet"]
    )
    assert "0 approved, 2 not done" in response.text
    assert response.text.count('data-refusal="name_not_seen"') == 2
    assert "Nobody has read this name yet" in response.text
    assert programme.show("weibo", "waiting").state == "submitted"
    for account in ("waiting", "quiet"):
        programme.reveal_name(
            "weibo", account, actor=Actor("staff:weibo-reviewer"), reason=StaffReadReason.REVIEW
        )
    response = console.post(
        client,
        QUEUE,
        QUEUE + "/bulk",
        decision="approve",
        account_id=["waiting", "quiet", "star", "nobody"],
        next=QUEUE,
    )
    assert response.status_code == 200, response.text
    assert (
        'data-testid="bulk-summary"' in response.text and "2 approved, 2 not done" in response.text
    )
    assert 'data-testid="bulk-failed-star"' in response.text
    assert 'data-testid="bulk-failed-nobody"' in response.text
    assert (
        "No name is waiting for verification (the case is disclosed)" in response.text
        and "no open case" in response.text
    )
    for name in ("Zhao Min", "Liu Yang", "王高飞"):
        assert name not in response.text
    states = {a: programme.show("weibo", a).state for a in ("waiting", "quiet", "star")}
    assert states == {"waiting": "disclosed", "quiet": "disclosed", "star": "disclosed"}
    assert rows_of(client.get(QUEUE).text) == []


def test_bulk_reject_needs_a_reason(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    response = console.post(
        client, QUEUE, QUEUE + "/bulk", decision="reject", account_id="waiting", next=QUEUE
    )
    assert error_after(client, response) == "Give a reason: the creator is told it."
    assert console.programme.show("weibo", "waiting").state == "submitted"
    response = console.post(
        client,
        QUEUE,
        QUEUE + "/bulk",
        decision="reject",
        account_id="waiting",
        reason="document_unreadable",
        next=QUEUE,
    )
    assert "1 rejected, 0 not done" in response.text
    assert console.programme.show("weibo", "waiting").state == "rejected"


def test_an_appeal_is_decided_on_the_case_page(console: Console) -> None:
    programme = console.programme
    programme.appeal("weibo", "quiet", AppealReason.WRONG_CATEGORY, actor=Actor("creator"))
    client = console.staff(Role.REVIEWER)
    url = CASE.format("quiet")
    page = client.get(url)
    assert state_of(page.text) == "appealed" and 'data-testid="appeal-uphold"' in page.text
    assert rows_of(client.get(QUEUE + "?state=appealed").text) == ["quiet"]
    response = console.post(client, url, url + "/appeal-decision", decision="uphold", reason="")
    assert "error=case_reason_required" in response.headers["location"]
    response = console.post(
        client, url, url + "/appeal-decision", decision="uphold", reason="category_corrected"
    )
    assert response.headers["location"] == url + "?notice=case_appeal_upheld"
    assert programme.show("weibo", "quiet").state == "exempted"


def test_the_case_page_explains_the_case_in_words(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    page = client.get(CASE.format("waiting")).text
    assert "weibo.tier.1m" in page and "1,000,000+ followers" in page
    assert "1,100,000" in page  # the account's follower count
    assert "weibo.floor" in page and "weibo.display" in page
    assert 'data-testid="audit-trail"' in page
    history = console.programme.show("weibo", "waiting").history
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
        assert client.get(CASE.format("waiting")).status_code == 200  # the lead reads it
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
    assert console.programme.show("weibo", "waiting").state == "submitted"


def test_a_steep_drop_is_flagged_in_the_queue_and_explained_on_the_case(
    console: Console, tmp_path: Path
) -> None:
    rows = [
        {"account_id": "star", "kind": "individual", "category": "finance", "followers": 3_000_000},
        {"account_id": "quiet", "kind": "individual", "category": "law", "followers": 300_000},
    ]
    snapshot = write_snapshot(tmp_path / "drop.parquet", rows)
    run_cycle(console.programme.db, snapshot, "weibo", dt.date(2023, 10, 20))
    assert "steep_drop" in console.programme.show("weibo", "quiet").flags
    client = console.staff(Role.REVIEWER)
    queue = client.get(QUEUE + "?state=notified").text
    row = queue.split('data-testid="case-row-quiet"', 1)[1].split("</tr>", 1)[0]
    assert "steep follower drop" in row  # the one wording of the flag (byline.words)
    page = client.get(CASE.format("quiet")).text
    assert "fell by 50% or more within 7 days" in page and "weibo.drop" in page
    assert "300,000" in page


# --- a taken case is its holder's to decide ---------------------------------------------------


def test_a_case_taken_by_another_reviewer_is_theirs_to_decide(console: Console) -> None:
    programme = console.programme
    programme.appeal("weibo", "quiet", AppealReason.WRONG_CATEGORY, actor=Actor("creator"))
    holder, other = console.staff(Role.REVIEWER), second_reviewer(console)
    admin = console.staff(Role.ADMIN)
    for account in ("waiting", "quiet"):
        url = CASE.format(account)
        taken = console.post(holder, url, url + "/take", next=url)
        assert taken.headers["location"] == url + "?notice=reviews_taken"
    # the other reviewer is told who may decide, and offered no decision
    url = CASE.format("waiting")
    page = other.get(url).text
    assert 'data-testid="case-taken-by-other"' in page
    assert 'data-testid="approve"' not in page and 'data-testid="reject"' not in page
    assert 'data-testid="reveal"' in page  # reading stays possible (and audited)
    refused = "Another reviewer has taken this case"
    response = console.post(other, url, url + "/approve")
    assert refused in error_after(other, response)
    response = console.post(other, url, url + "/reject", reason="document_unreadable")
    assert refused in error_after(other, response)
    assert programme.show("weibo", "waiting").state == "submitted"
    appeal = CASE.format("quiet")
    assert 'data-testid="appeal-uphold"' not in other.get(appeal).text
    response = console.post(
        other, appeal, appeal + "/appeal-decision", decision="uphold", reason="category_corrected"
    )
    assert refused in error_after(other, response)
    assert programme.show("weibo", "quiet").state == "appealed"
    # in bulk too: the taken case is not done, with the reason; an untaken one is
    programme.volunteer("weibo", "small", "Zhao Min", AccountKind.INDIVIDUAL, actor=Actor("c"))
    result = console.post(
        other,
        QUEUE,
        QUEUE + "/bulk",
        decision="reject",
        reason="document_unreadable",
        account_id=["waiting", "small"],
        next=QUEUE,
    )
    assert "1 rejected, 1 not done" in result.text
    failed = result.text.split('data-testid="bulk-failed-waiting"', 1)[1].split("</tr>", 1)[0]
    assert refused in failed
    assert programme.show("weibo", "waiting").state == "submitted"
    assert programme.show("weibo", "small").state == "rejected"
    # in Chinese, the same refusal in Chinese
    chinese = console.post(other, url, url + "/approve")
    other.cookies.set("byline_lang", "zh-CN")
    assert "其他审核员" in error_after(other, chinese)
    # the holder decides; an admin may decide a case someone else holds
    response = console.post(holder, url, url + "/approve")
    assert response.headers["location"] == url + "?notice=case_approved"
    assert programme.show("weibo", "waiting").state == "disclosed"
    response = console.post(
        admin, appeal, appeal + "/appeal-decision", decision="deny", reason="category_confirmed"
    )
    assert response.headers["location"] == appeal + "?notice=case_appeal_denied"
    assert programme.show("weibo", "quiet").state == "notified"


# --- the compliance lead reads a case ---------------------------------------------------------


def test_the_compliance_lead_reads_a_case_but_cannot_act_on_it(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    url = CASE.format("waiting")
    page = lead.get(url)
    assert page.status_code == 200
    assert state_of(page.text) == "submitted"
    for part in ("case-facts", "case-reasons", "audit-trail", "name-staff-only"):
        assert f'data-testid="{part}"' in page.text, part
    assert "weibo.tier.1m" in page.text and "1,100,000" in page.text
    history = programme_history(console.programme, "waiting")
    assert page.text.count('data-testid="trail-') == len(history)
    assert "<form" not in page.text.split("</header>", 1)[1]  # no form but signing out
    for testid in ("reveal", "approve", "reject", "case-take", "appeal-uphold"):
        assert f'data-testid="{testid}"' not in page.text, testid
    assert 'href="/console/weibo/cases" data-testid="case-back"' in page.text  # the lead's list
    # its restrictions too, for a refused account
    console.programme.refuse("weibo", "quiet", actor=Actor("creator"))
    refused = lead.get(CASE.format("quiet")).text
    assert 'data-testid="case-restrictions"' in refused and "weibo.penalty.feed" in refused
    # the forms stay closed to the lead
    csrf = csrf_of(page.text)
    for action in ("reveal", "approve", "take", "release", "appeal-decision"):
        response = lead.post(f"{url}/{action}", data={"csrf": csrf, "reason": "other"})
        assert response.status_code == 403, action
    response = lead.post(url + "/reject", data={"csrf": csrf, "reason": "other"})
    assert response.status_code == 403
    response = lead.post(QUEUE + "/bulk", data={"csrf": csrf, "decision": "approve"})
    assert response.status_code == 403
    assert console.programme.show("weibo", "waiting").state == "submitted"
    with console.programme.db.reading() as conn:
        assert not [e for e in audit.entries_for(conn) if e["action"] == "name:decrypted"]
    # another platform's lead gets nothing
    assert console.staff(Role.PLATFORM, "douyin").get(url).status_code == 403


def test_the_compliance_lead_lists_cases_with_the_queues_filters(console: Console) -> None:
    lead = console.staff(Role.PLATFORM)
    assert lead.get(QUEUE).status_code == 403  # the queue is the reviewers'
    listed = lead.get("/console/weibo/cases")
    assert listed.status_code == 200
    assert rows_of(listed.text) == rows_of(console.staff(Role.REVIEWER).get(QUEUE).text)
    assert '<form method="post"' not in listed.text.split("</header>", 1)[1]
    for testid in ("select-all", "bulk-approve", "take-waiting"):
        assert f'data-testid="{testid}"' not in listed.text, testid
    every = lead.get("/console/weibo/cases", params={"state": "all", "tier": "weibo.tier.1m"})
    assert {"quiet", "waiting"} <= set(rows_of(every.text))
    chinese = lead.get("/console/weibo/cases", headers={"Accept-Language": "zh-CN"}).text
    assert "全部案件" in chinese and "followers" not in chinese


def programme_history(programme: Programme, account: str) -> tuple[HistoryEntry, ...]:
    history = programme.show("weibo", account).history
    assert history is not None  # one case shown: with its history
    return history


# --- free text --------------------------------------------------------------------------------


def test_note_fields_say_they_are_kept_encrypted(console: Console) -> None:
    console.programme.appeal("weibo", "quiet", AppealReason.WRONG_CATEGORY, actor=Actor("c"))
    client = console.staff(Role.REVIEWER)
    for url, fields in (
        (CASE.format("waiting"), ("reject-note",)),
        (CASE.format("quiet"), ("appeal-note",)),
        (QUEUE, ("bulk-note",)),
    ):
        for lang, hint in (
            ("en", "Kept encrypted"),
            ("zh-CN", "加密保存"),
        ):
            page = client.get(url, headers={"Accept-Language": lang}).text
            for field in fields:
                described = re.search(rf'aria-describedby="([^"]+)" data-testid="{field}"', page)
                assert described, (url, field)
                assert re.search(
                    rf'id="{described.group(1)}" data-testid="note-hint">{hint}', page
                ), (url, field, lang)


# --- off the event loop -----------------------------------------------------------------------


def test_decisions_run_off_the_event_loop(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = watch(monkeypatch, Reviews, "approve", "reject", "decide_appeal", "reveal_name", "show")
    taken = watch(monkeypatch, Reviews, "take", "release", "bulk", "holder")
    programme = console.programme
    programme.appeal("weibo", "quiet", AppealReason.WRONG_CATEGORY, actor=Actor("creator"))
    programme.volunteer("weibo", "small", "Zhao Min", AccountKind.INDIVIDUAL, actor=Actor("c"))
    for name in calls:
        calls[name].clear()
    client = console.staff(Role.REVIEWER)
    waiting, quiet = CASE.format("waiting"), CASE.format("quiet")
    console.post(client, waiting, waiting + "/take", next=waiting)
    console.post(client, waiting, waiting + "/release", next=waiting)
    posted = console.post(client, waiting, waiting + "/reveal", reason="identity_check")
    assert posted.status_code == 303
    assert client.get(posted.headers["location"]).status_code == 200
    console.post(client, waiting, waiting + "/reject", reason="document_unreadable")
    console.post(
        client, quiet, quiet + "/appeal-decision", decision="deny", reason="category_confirmed"
    )
    programme.reveal_name(  # a bulk approval covers only names a reviewer has read
        "weibo", "small", actor=Actor("staff:weibo-reviewer"), reason=StaffReadReason.REVIEW
    )
    console.post(client, QUEUE, QUEUE + "/bulk", decision="approve", account_id="small", next=QUEUE)
    assert programme.show("weibo", "small").state == "disclosed"
    for name, ran in {**calls, **taken}.items():
        assert ran, f"{name} was not called"
        assert not any(ran), f"{name} ran on the event loop"


def test_an_account_id_with_a_slash_opens_and_is_decided(console: Console, tmp_path: Path) -> None:
    law = {"kind": "individual", "category": "law"}
    rows = [
        {"account_id": "news/desk", **law, "followers": 1_300_000},
        {"account_id": "waiting", **law, "followers": 1_100_000},
    ]
    run_cycle(console.programme.db, write_snapshot(tmp_path / "slash.parquet", rows), "weibo",
              dt.date(2023, 10, 20))  # fmt: skip
    console.programme.submit("weibo", "news/desk", "Wang Fang", consent=True, actor=Actor("c"))
    client = console.staff(Role.REVIEWER)
    queue = client.get(QUEUE).text
    link = re.search(r'href="(/console/weibo/cases/news[^"]*)"', queue)
    assert link, "no link to the case in the queue"
    url = html.unescape(link.group(1))
    assert url == "/console/weibo/cases/news%2Fdesk"
    page = client.get(url)
    assert page.status_code == 200 and state_of(page.text) == "submitted"
    assert "news/desk" in page.text
    response = console.post(client, url, url + "/take", next=url)
    assert response.headers["location"] == url + "?notice=reviews_taken"
    response = console.post(client, url, url + "/approve")
    assert response.headers["location"] == url + "?notice=case_approved"
    assert console.programme.show("weibo", "news/desk").state == "disclosed"
    assert console.programme.show("weibo", "waiting").state == "submitted"  # untouched
    # unencoded, the slash reaches the same case
    assert state_of(client.get("/console/weibo/cases/news/desk").text) == "disclosed"


def test_a_refused_decision_is_said_in_the_pages_language(console: Console) -> None:
    client = console.staff(Role.REVIEWER)
    url = CASE.format("quiet")  # notified: no name waits for review
    for lang, expected in (
        ("en", "No name is waiting for verification (the case is notified)."),
        ("zh-CN", "没有等待核验的姓名（案件状态：已通知）。"),
    ):
        client.cookies.set("byline_lang", lang, path="/console")
        response = console.post(client, url, url + "/approve")
        assert error_after(client, response) == expected, lang
    assert console.programme.show("weibo", "quiet").state == "notified"
    # bulk results say it in the page's language too
    page = client.get(QUEUE).text
    response = client.post(
        QUEUE + "/bulk",
        data={"csrf": csrf_of(page), "decision": "approve", "account_id": ["quiet"]},
    )
    assert response.status_code == 200
    assert "没有等待核验的姓名（案件状态：已通知）。" in html.unescape(response.text)
