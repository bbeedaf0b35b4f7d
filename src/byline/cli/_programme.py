"""Running the programme from the command line: cycles, cases, enforcement, audit, outbox,
database and keys. Every command calls one service."""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from byline.cli._app import app, emit_json, fail, on_close, out
from byline.cli._progress import engine_progress
from byline.domain.cases import CaseState
from byline.domain.vocabulary import (
    MAX_NOTE_CHARS,
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    ErasureReason,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
    WithdrawalReason,
    coded,
)
from byline.service import errors
from byline.service.cycle import run_cycle
from byline.service.operations import (
    MessageStatus,
    audit_head,
    audit_seal,
    audit_verify,
    db_upgrade,
    deliver_outbox,
    erase_name,
    list_outbox,
    register_webhook,
    rotate_keys,
)
from byline.service.programme import Actor, Programme, wall_clock
from byline.service.webhooks_admin import list_endpoints, set_endpoint_active
from byline.service.wiring import (
    Database,
    existing_key_provider,
    open_database,
    open_programme,
    webhook_guard,
)
from byline.words import reason_in_words

cases_app = typer.Typer(help="List cases.", no_args_is_help=True)
case_app = typer.Typer(help="Show or act on one account's case.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages to the platform and their delivery.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
keys_app = typer.Typer(help="The vault's master keys.", no_args_is_help=True)
name_app = typer.Typer(help="Names in the vault.", no_args_is_help=True)
for sub, name in (
    (cases_app, "cases"),
    (case_app, "case"),
    (audit_app, "audit"),
    (outbox_app, "outbox"),
    (db_app, "db"),
    (keys_app, "keys"),
    (name_app, "name"),
):
    app.add_typer(sub, name=name)

DbOption = typer.Option(
    None, "--db", envvar="BYLINE_DB", help="Database URL or SQLite file (default: ./byline.db)."
)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")
AtOption = typer.Option(None, "--at", help="When it happens (ISO date-time, UTC); default now.")
ActorOption = typer.Option("cli", "--actor", help="Who acts (recorded in the audit trail).")
PlatformOption = typer.Option(
    None,
    "--platform",
    envvar="BYLINE_PLATFORM",
    help="The platform (its policy id); default: the only one in the database.",
)

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def _code(kind: type[E]) -> dict[str, Any]:
    """The ``--reason`` option's parsing for a code of ``kind``. A value that is not a code is
    refused with the list of codes, never repeating what was given (click's own choice error
    would): free text typed where a code belongs may be a name, and the error lands in
    terminals, shell histories and CI logs."""

    def parse(value: str | E) -> E:
        if isinstance(value, kind):
            return value
        try:
            return coded(kind, str(value))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return {"parser": parse, "metavar": "[" + "|".join(c.value for c in kind) + "]"}


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except errors.OPERATOR_ERRORS as exc:
        fail(escape(str(exc).splitlines()[0] if str(exc) else type(exc).__name__))


def _as(name: str) -> Actor:
    """Who acts, under a fresh request id: every command is a request in the audit trail."""
    return Actor(name, f"cli-{uuid.uuid4().hex[:16]}")


def _when(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(at)
    except ValueError:
        fail(f"--at: not an ISO date-time: {escape(at)}", code=2)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _programme(db: str | None) -> Programme:
    with _errors():
        programme = open_programme(db, must_exist=True)
    on_close(programme.db.dispose)
    return programme


def _database(db: str | None, *, create: bool = False) -> Database:
    with _errors():
        database = open_database(db, must_exist=not create)
    on_close(database.dispose)
    return database


def _platform(programme: Programme, platform: str | None) -> str:
    if platform:
        return platform
    active = programme.policies()
    if len(active) == 1:
        return active[0]
    fail(
        "say which platform with --platform (or BYLINE_PLATFORM): this database has "
        + (", ".join(active) if active else "none yet; run a cycle first"),
        code=2,
    )


def _case_action(
    db: str | None,
    platform: str | None,
    as_json: bool,
    act: Callable[[Programme, str], Any],
    account_id: str,
) -> None:
    programme = _programme(db)
    with _errors():
        tenant = _platform(programme, platform)
        act(programme, tenant)
        view = programme.show(tenant, account_id)
    if as_json:
        emit_json({k: v for k, v in view.items() if k != "history"})
        return
    out.print(
        f"{escape(account_id)}: [bold]{view['state']}[/]"
        + (f", deadline {view['deadline']}" if view["deadline"] else ""),
        highlight=False,
    )


# --- cycle ------------------------------------------------------------------------------------


@app.command()
def cycle(
    snapshot: Path = typer.Option(..., "--snapshot", help="Snapshot file for this cycle."),
    policy: str = typer.Option(..., "--policy", "-p", help="Preset name or policy file."),
    as_of: dt.datetime = typer.Option(
        ..., "--as-of", formats=["%Y-%m-%d"], help="The cycle's date (its clock)."
    ),
    db: str | None = DbOption,
    keep: Path = typer.Option(
        Path("byline-cycles"), "--keep", help="Folder for each cycle's decisions and rejects."
    ),
    transaction_size: int = typer.Option(
        500, "--transaction-size", min=1, help="Cases changed per transaction."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Evaluate a snapshot and move every case: open, notify, observe, sweep, release."""
    with _errors():
        programme = open_programme(db)
    on_close(programme.db.dispose)
    with _errors(), engine_progress(enabled=not as_json) as progress:
        report = run_cycle(
            programme.db,
            snapshot,
            policy,
            as_of.date(),
            transaction_size=transaction_size,
            progress=progress,
            keep=keep,
            sealer=programme.vault.sealer,
        )
    if as_json:
        emit_json(report.as_dict())
        return
    status = "already done: no new effects" if report.already_done else "done"
    out.print(
        f"Cycle {report.cycle_id[:12]} {report.as_of} ({escape(report.policy)}): "
        f"{status} in {report.seconds:.1f}s",
        highlight=False,
    )
    e = report.evaluation
    out.print(
        f"  snapshot: read {e['read']:,} = accepted {e['accepted']:,} + rejected "
        f"{e['rejected']:,}; required {e['required']:,}",
        highlight=False,
    )
    if report.outputs:
        out.print(f"  decisions and rejects: {escape(report.outputs)}", highlight=False)
    if report.actions:
        out.print(
            "  this cycle: " + ", ".join(f"{k} {v:,}" for k, v in report.actions.items()),
            highlight=False,
        )
    out.print(
        "  cases: " + ", ".join(f"{k} {v:,}" for k, v in report.funnel.items()), highlight=False
    )
    out.print(f"  accounts under restriction: {report.restricted_accounts:,}", highlight=False)


# --- cases ------------------------------------------------------------------------------------


@cases_app.command("list")
def cases_list(
    db: str | None = DbOption,
    state: CaseState | None = typer.Option(None, "--state", help="Only cases in this state."),
    limit: int = typer.Option(100, "--limit", min=1),
    offset: int = typer.Option(0, "--offset", min=0),
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """Cases, nearest deadline first."""
    programme = _programme(db)
    with _errors():
        rows = programme.list_cases(_platform(programme, platform), state, limit, offset)
    if as_json:
        emit_json(rows)
        return
    table = Table("account", "state", "tier", "deadline", "restrictions", box=None)
    for r in rows:
        table.add_row(
            escape(r["account_id"]),
            r["state"],
            r["tier"] or "-",
            r["deadline"] or "-",
            str(len(r["restrictions"])),
        )
    out.print(table)


@case_app.command("show")
def case_show(
    account_id: str,
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """State, tier, deadline, restrictions in force and history (no names)."""
    programme = _programme(db)
    with _errors():
        view = programme.show(_platform(programme, platform), account_id)
    if as_json:
        emit_json(view)
        return
    for key in (
        "account_id",
        "state",
        "tier",
        "voluntary",
        "deadline",
        "metrics",
        "flags",
        "restrictions",
        "incentives",
    ):
        out.print(f"{key:>13}: {escape(str(view[key]))}", highlight=False)
    for h in view["history"]:
        detail = h["detail"] or {}
        why = reason_in_words(h["action"], detail.get("reason"))
        if detail.get("note_id"):
            why += f" (note {detail['note_id']} on file)"
        out.print(
            f"  {h['at']}  {h['action']:<22} {escape(h['actor'])}  -> {h['state']}"
            + (f"  {escape(why.strip())}" if why.strip() else ""),
            highlight=False,
        )


# More than any name (the vault allows 200 characters): what is read from stdin, at most.
_NAME_STDIN_CHARS = 4096


def _read_name(name: str | None, name_stdin: bool) -> str:
    if name_stdin:
        # All of stdin, not its first line: a name is one line, and what follows it would
        # otherwise be dropped unseen. One final line break (as echo adds) is not the name's.
        text = sys.stdin.read(_NAME_STDIN_CHARS + 1)
        if len(text) > _NAME_STDIN_CHARS:
            fail(f"--name-stdin: more than {_NAME_STDIN_CHARS} characters; a name is one line")
        text = text.removesuffix("\n").removesuffix("\r")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        if lines > 1:
            fail(
                f"--name-stdin: {lines} lines; a name is one line"
                " (only a final line break is allowed)"
            )
        return text
    if name is None:
        fail(
            "give the name with --name-stdin (preferred: it stays out of shell history) or --name",
            code=2,
        )
    return name


NoteStdinOption = typer.Option(
    False,
    "--note-stdin",
    help=f"Read a note (at most {MAX_NOTE_CHARS} characters) from stdin: kept only in the vault,"
    " encrypted, read through the audited `case reveal-note`.",
)


def _read_note(note_stdin: bool) -> str | None:
    """A note from stdin (so it stays out of shell history), or None."""
    return sys.stdin.read() if note_stdin else None


@case_app.command("submit")
def case_submit(
    account_id: str,
    name: str | None = typer.Option(None, "--name", help="The name (prefer --name-stdin)."),
    name_stdin: bool = typer.Option(False, "--name-stdin", help="Read the name from stdin."),
    consent: bool = typer.Option(
        True, "--consent/--no-consent", help="The holder consents to display."
    ),
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """The holder consents and submits a name (also a name change after disclosure)."""
    text = _read_name(name, name_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.submit(
            pl, account_id, text, consent=consent, actor=_as(actor), at=_when(at)
        ),
        account_id,
    )


@case_app.command("approve")
def case_approve(
    account_id: str,
    reviewer: str = typer.Option(..., "--reviewer"),
    method: str = typer.Option("reviewer", "--method", help="reviewer, or an identity provider"),
    reference: str = typer.Option("", "--reference", help="The verifier's reference."),
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Verify the submitted name; the label goes live where the policy allows."""
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.approve(
            pl,
            account_id,
            actor=_as(reviewer),
            method=method,
            reference=reference,
            at=_when(at),
        ),
        account_id,
    )


@case_app.command("reject")
def case_reject(
    account_id: str,
    reviewer: str = typer.Option(..., "--reviewer"),
    reason: RejectionReason = typer.Option(
        ..., "--reason", **_code(RejectionReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Reject the submitted name with a coded reason; the holder may submit again."""
    note = _read_note(note_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.reject(
            pl, account_id, reason, actor=_as(reviewer), note=note, at=_when(at)
        ),
        account_id,
    )


@case_app.command("refuse")
def case_refuse(
    account_id: str,
    reason: RefusalReason | None = typer.Option(
        None, "--reason", **_code(RefusalReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """The holder declines: the policy's penalties apply."""
    note = _read_note(note_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.refuse(
            pl, account_id, actor=_as(actor), reason=reason, note=note, at=_when(at)
        ),
        account_id,
    )


@case_app.command("appeal")
def case_appeal(
    account_id: str,
    reason: AppealReason = typer.Option(
        ..., "--reason", **_code(AppealReason), help="What is contested, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """The holder contests the obligation (e.g. wrong category); the deadline pauses."""
    note = _read_note(note_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.appeal(pl, account_id, reason, actor=_as(actor), note=note, at=_when(at)),
        account_id,
    )


@case_app.command("decide-appeal")
def case_decide_appeal(
    account_id: str,
    uphold: bool = typer.Option(..., "--uphold/--deny", help="Uphold (withdraw) or deny."),
    reviewer: str = typer.Option(..., "--reviewer"),
    reason: AppealDecisionReason = typer.Option(
        ..., "--reason", **_code(AppealDecisionReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Decide an appeal: upheld withdraws the obligation; denied restarts the deadline."""
    note = _read_note(note_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.decide_appeal(
            pl,
            account_id,
            upheld=uphold,
            reason=reason,
            actor=_as(reviewer),
            note=note,
            at=_when(at),
        ),
        account_id,
    )


@case_app.command("volunteer")
def case_volunteer(
    account_id: str,
    kind: AccountKind = typer.Option(AccountKind.INDIVIDUAL, "--kind"),
    name: str | None = typer.Option(None, "--name"),
    name_stdin: bool = typer.Option(False, "--name-stdin"),
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """A holder below the floor chooses to disclose."""
    text = _read_name(name, name_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.volunteer(pl, account_id, text, kind, actor=_as(actor), at=_when(at)),
        account_id,
    )


@case_app.command("withdraw")
def case_withdraw(
    account_id: str,
    reason: WithdrawalReason | None = typer.Option(
        None, "--reason", **_code(WithdrawalReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Withdraw a voluntary disclosure: the label comes down."""
    note = _read_note(note_stdin)
    _case_action(
        db,
        platform,
        as_json,
        lambda p, pl: p.withdraw(
            pl, account_id, actor=_as(actor), reason=reason, note=note, at=_when(at)
        ),
        account_id,
    )


@case_app.command("reveal")
def case_reveal(
    account_id: str,
    actor: str = typer.Option(..., "--actor", help="The staff member."),
    reason: StaffReadReason = typer.Option(
        ...,
        "--reason",
        **_code(StaffReadReason),
        help="Why the name is read (audited), as a code.",
    ),
    note_stdin: bool = NoteStdinOption,
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Decrypt the name under review for a member of staff. Audited as name:decrypted."""
    note = _read_note(note_stdin)
    programme = _programme(db)
    with _errors():
        name = programme.reveal_name(
            _platform(programme, platform),
            account_id,
            actor=_as(actor),
            reason=reason,
            note=note,
        )
    out.print(escape(name), highlight=False)


@case_app.command("reveal-note")
def case_reveal_note(
    account_id: str,
    note_id: str = typer.Option(
        ..., "--note-id", help="The note's id (a history entry's note_id in `case show --json`)."
    ),
    actor: str = typer.Option(..., "--actor", help="The staff member."),
    reason: StaffReadReason = typer.Option(
        ...,
        "--reason",
        **_code(StaffReadReason),
        help="Why the note is read (audited), as a code.",
    ),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Decrypt a note kept beside a reason for a member of staff. Audited as note:decrypted."""
    programme = _programme(db)
    with _errors():
        note = programme.reveal_note(
            _platform(programme, platform), account_id, note_id, actor=_as(actor), reason=reason
        )
    out.print(escape(note), highlight=False)


# --- enforcement, audit, outbox ---------------------------------------------------------------


@app.command()
def enforcement(
    account_id: str | None = typer.Argument(None, help="One account (or all changes)."),
    changed_since: int | None = typer.Option(
        None, "--changed-since", help="All changes after this cursor."
    ),
    limit: int = typer.Option(1000, "--limit", min=1),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """Restrictions in force for an account, or every change since a cursor."""
    programme = _programme(db)
    with _errors():
        tenant = _platform(programme, platform)
        if account_id is not None:
            data = programme.enforcement(tenant, account_id)
        else:
            data = programme.enforcement_changes(tenant, changed_since or 0, limit)
    if as_json:
        emit_json(data)
        return
    if account_id is not None:
        restrictions = data["restrictions"] or []
        out.print(
            f"{escape(account_id)}: {len(restrictions)} restriction(s) since "
            f"{data['since'] or '-'} ({data['reason'] or 'none'})",
            highlight=False,
        )
        for r in restrictions:
            out.print(
                f"  {r['restriction']} (kept {r['factor']:.0%}) by {r['penalty_id']} "
                f"on {r['trigger']}",
                highlight=False,
            )
        return
    for c in data["changes"]:
        out.print(
            f"{c['cursor']:>8}  {c['at']}  {escape(c['account_id'])}  "
            f"{len(c['restrictions'])} restriction(s)  {c['reason']}",
            highlight=False,
        )
    out.print(f"next cursor: {data['next_cursor']}")


@audit_app.command("verify")
def audit_verify_cmd(
    db: str | None = DbOption,
    anchor: str | None = typer.Option(
        None,
        "--anchor",
        help="SEQ:HASH of a head a witness kept (the platform gets a seal per cycle and per"
        " staff read of a name)",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Exit 0 when the hash chain is intact and its seals check out under the key ring; else
    name the first bad entry and exit 1."""
    expected = None
    if anchor is not None:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            fail("--anchor: give SEQ:HASH, e.g. 1532:9f2c... (64 hex characters)", code=2)
        expected = (int(seq), digest)
    with _errors():
        database = _database(db)
        sealer = existing_key_provider(db)
        report = audit_verify(database, expected, sealer)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "first_bad_seq": report.first_bad_seq,
                "problem": report.problem,
                "seals": report.seals,
            }
        )
    elif report.ok:
        sealed = (
            f"; sealed to entry {report.seals['sealed_to']:,} ({report.seals['checked']:,} seals"
            " checked with the key)"
            if report.seals is not None
            else "; seals not checked: no key (BYLINE_KEY_FILE or BYLINE_MASTER_KEY)"
        )
        out.print(f"audit chain intact: {report.entries:,} entries{sealed}")
    else:
        out.print(
            f"[red]audit chain broken[/] at entry {report.first_bad_seq}: {escape(report.problem)}"
        )
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("seal")
def audit_seal_cmd(
    db: str | None = DbOption,
    actor: str = typer.Option(..., "--actor", help="Who seals (recorded)."),
    as_json: bool = JsonOption,
) -> None:
    """Seal the chain's head with the key ring now (once after upgrading a database whose log
    predates seals; cycles and staff reads of a name seal it by themselves)."""
    programme = _programme(db)
    with _errors():
        sealed = audit_seal(programme.db, programme.vault.sealer, actor)
    if as_json:
        emit_json(sealed.as_dict())
        return
    out.print(f"sealed entry {sealed.seq:,} under master key {sealed.key_id}")


@audit_app.command("head")
def audit_head_cmd(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """The chain's newest entry as SEQ:HASH, for a witness to keep."""
    with _errors():
        seq, digest = audit_head(_database(db))
    if as_json:
        emit_json({"seq": seq, "hash": digest})
        return
    out.print(f"{seq}:{digest}")


@outbox_app.command("list")
def outbox_list(
    db: str | None = DbOption,
    status: MessageStatus | None = typer.Option(None, "--status", help="Only these."),
    limit: int = typer.Option(100, "--limit", min=1),
    platform: str | None = typer.Option(
        None,
        "--platform",
        envvar="BYLINE_PLATFORM",
        help="Only this platform's messages (its policy id); default: every platform's.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Messages to the platforms, with their delivery status."""
    with _errors():
        data = list_outbox(_database(db), status, limit, platform)
    if as_json:
        emit_json(data)
        return
    out.print(f"backlog: {data['backlog']}")
    for m in data["messages"]:
        out.print(
            f"{m['message_id'][:8]}  {escape(m['platform']):<12} {m['topic']:<12} "
            f"{escape(str(m['account_id']))}  {m['status']}",
            highlight=False,
        )


@outbox_app.command("deliver")
def outbox_deliver(
    db: str | None = DbOption,
    rounds: int = typer.Option(1, "--rounds", min=1),
    at: str | None = AtOption,
    timeout: float = typer.Option(
        10.0, "--timeout", min=0.01, help="Seconds to wait for an endpoint's answer."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Deliver due messages to the registered webhook endpoints (one pass per round). Each
    endpoint's address is checked again before each attempt (BYLINE_WEBHOOK_ALLOW). A message
    whose answer does not come within --timeout is tried again later (the same message: an
    endpoint that took it late sees it twice, under one Byline-Message-Id)."""
    with _errors():
        stats = deliver_outbox(
            _database(db), rounds, now=_when(at), timeout_s=timeout, guard=webhook_guard()
        )
    if as_json:
        emit_json(stats)
        return
    out.print(", ".join(f"{k} {v}" for k, v in stats.items()))


@outbox_app.command("add-endpoint")
def outbox_add_endpoint(
    url: str,
    platform: str = typer.Option(
        ...,
        "--platform",
        envvar="BYLINE_PLATFORM",
        help="The platform (its policy id) whose messages the endpoint receives.",
    ),
    secret: str = typer.Option(..., "--secret", envvar="BYLINE_WEBHOOK_SECRET"),
    topics: str = typer.Option("notice,enforcement,label,audit", "--topics"),
    db: str | None = DbOption,
) -> None:
    """Register a webhook endpoint for one platform's messages of some topics. Its URL must
    lead to a public address, or to one allowed by BYLINE_WEBHOOK_ALLOW."""
    database = _database(db)
    with _errors():
        guard = webhook_guard()
        try:
            endpoint_id = register_webhook(
                database, platform, url, secret, topics.split(","), guard=guard
            )
        except ValueError as exc:  # a bad platform, url (or where it leads), secret or topic
            fail(escape(str(exc)), code=2)
    out.print(endpoint_id)


@outbox_app.command("endpoints")
def outbox_endpoints(
    db: str | None = DbOption,
    platform: str | None = typer.Option(
        None,
        "--platform",
        envvar="BYLINE_PLATFORM",
        help="Only this platform's endpoints; default: every platform's.",
    ),
    as_json: bool = JsonOption,
) -> None:
    """The webhook endpoints (never their secrets), oldest first."""
    with _errors():
        endpoints = list_endpoints(_database(db), platform)
    if as_json:
        emit_json(endpoints)
        return
    for e in endpoints:
        state = "active" if e["active"] else "disabled"
        out.print(
            f"{e['endpoint_id']}  {escape(e['platform']):<12} {state:<8} {escape(e['url'])}  "
            f"{','.join(e['topics'])}",
            highlight=False,
        )


def _set_endpoint(
    endpoint_id: str, active: bool, db: str | None, actor: str, as_json: bool
) -> None:
    with _errors():
        result = set_endpoint_active(
            _database(db), endpoint_id, active, actor=actor, now=wall_clock()
        )
    if as_json:
        emit_json(result)
        return
    was = "already " if result["was_active"] == active else ""
    out.print(f"endpoint {endpoint_id} {was}{'enabled' if active else 'disabled'}")


@outbox_app.command("disable-endpoint")
def outbox_disable_endpoint(
    endpoint_id: str,
    db: str | None = DbOption,
    actor: str = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Stop delivering to an endpoint (audited): it gets no new deliveries; what it is owed
    waits, and is delivered if it is enabled again."""
    _set_endpoint(endpoint_id, False, db, actor, as_json)


@outbox_app.command("enable-endpoint")
def outbox_enable_endpoint(
    endpoint_id: str,
    db: str | None = DbOption,
    actor: str = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Deliver to a disabled endpoint again (audited), including what it missed."""
    _set_endpoint(endpoint_id, True, db, actor, as_json)


@db_app.command("upgrade")
def db_upgrade_cmd(db: str | None = DbOption) -> None:
    """Apply the migrations (also done automatically by every command)."""
    with _errors():
        before, after = db_upgrade(db)
    out.print(f"database at revision {after} (was {before or 'empty'})")


@keys_app.command("rotate")
def keys_rotate(
    db: str | None = DbOption, actor: str = ActorOption, as_json: bool = JsonOption
) -> None:
    """Add a new master key and re-wrap every data key under it (audited)."""
    with _errors():
        result = rotate_keys(_programme(db), actor)
    if as_json:
        emit_json(result)
        return
    out.print(f"re-wrapped {result['rewrapped']} data key(s) under {result['key_id']}")


@name_app.command("erase")
def name_erase(
    account_id: str,
    actor: str = typer.Option(..., "--actor"),
    reason: ErasureReason = typer.Option(
        ..., "--reason", **_code(ErasureReason), help="Why, as a code."
    ),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Crypto-shred an account's names and notes: its data key is deleted (audited)."""
    programme = _programme(db)
    with _errors():
        count = erase_name(programme, _platform(programme, platform), account_id, actor, reason)
    out.print(f"erased {count} name(s) of {escape(account_id)}")
