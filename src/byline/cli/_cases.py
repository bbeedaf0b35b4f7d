"""Cases from the command line: list them, show one, act on one as its holder or as a
reviewer (each verb one service call), read a name or a note (audited), enforcement."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from byline.cli._app import emit_json, fail, out
from byline.cli._common import (
    ActorOption,
    AtOption,
    DbOption,
    JsonOption,
    PlatformOption,
    as_actor,
    case_action,
    case_app,
    cases_app,
    cell,
    code_option,
    errors_as_lines,
    platform_of,
    print_table,
    services,
    when,
)
from byline.domain.cases import CaseState
from byline.domain.vocabulary import (
    AccountKind,
    AppealDecisionReason,
    AppealReason,
    RefusalReason,
    RejectionReason,
    StaffReadReason,
    WithdrawalReason,
)
from byline.service import limits
from byline.words import reason_in_words

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
    floor = services(db)
    with errors_as_lines():
        rows = floor.cases.list_cases(platform_of(floor, platform), state, limit, offset)
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    print_table(
        ("account", "state", "tier", "deadline", "restrictions"),
        [(r.account_id, r.state.value, r.tier, r.deadline, len(r.restrictions)) for r in rows],
    )


@case_app.command("show")
def case_show(
    account_id: str,
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """State, tier, deadline, restrictions in force and history (no names)."""
    floor = services(db)
    with errors_as_lines():
        view = floor.cases.show(platform_of(floor, platform), account_id).as_dict()
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
        out.print(f"{key:>13}: {escape(cell(view[key]))}", highlight=False)
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
    help=f"Read a note (at most {limits.NOTE_MAX} characters) from stdin: kept only in the vault,"
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
    consent: bool | None = typer.Option(
        None,
        "--consent/--no-consent",
        help="Required: --consent records that the holder consents to their name being shown"
        " where the policy says; --no-consent submits without it (refused where the policy"
        " shows names only with consent).",
    ),
    actor: str = ActorOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """The holder submits a name, consenting to its display (also a name change after
    disclosure). Consent is never assumed: say --consent (or --no-consent)."""
    if consent is None:
        fail(
            "case submit records the holder's consent to show their name, so it must be given"
            " explicitly: --consent once they have consented (--no-consent if they have not;"
            " a holder who declines can `byline case refuse`)",
            code=2,
        )
    text = _read_name(name, name_stdin)
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.creators.submit(
            pl, account_id, text, consent=consent, actor=as_actor(actor), at=when(at)
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
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.reviews.approve(
            pl,
            account_id,
            actor=as_actor(reviewer),
            method=method,
            reference=reference,
            at=when(at),
        ),
        account_id,
    )


@case_app.command("reject")
def case_reject(
    account_id: str,
    reviewer: str = typer.Option(..., "--reviewer"),
    reason: RejectionReason = typer.Option(
        ..., "--reason", **code_option(RejectionReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Reject the submitted name with a coded reason; the holder may submit again."""
    note = _read_note(note_stdin)
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.reviews.reject(
            pl, account_id, reason, actor=as_actor(reviewer), note=note, at=when(at)
        ),
        account_id,
    )


@case_app.command("refuse")
def case_refuse(
    account_id: str,
    reason: RefusalReason | None = typer.Option(
        None, "--reason", **code_option(RefusalReason), help="Why, as a code."
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
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.creators.refuse(
            pl, account_id, actor=as_actor(actor), reason=reason, note=note, at=when(at)
        ),
        account_id,
    )


@case_app.command("appeal")
def case_appeal(
    account_id: str,
    reason: AppealReason = typer.Option(
        ..., "--reason", **code_option(AppealReason), help="What is contested, as a code."
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
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.creators.appeal(
            pl, account_id, reason, actor=as_actor(actor), note=note, at=when(at)
        ),
        account_id,
    )


@case_app.command("decide-appeal")
def case_decide_appeal(
    account_id: str,
    uphold: bool = typer.Option(..., "--uphold/--deny", help="Uphold (withdraw) or deny."),
    reviewer: str = typer.Option(..., "--reviewer"),
    reason: AppealDecisionReason = typer.Option(
        ..., "--reason", **code_option(AppealDecisionReason), help="Why, as a code."
    ),
    note_stdin: bool = NoteStdinOption,
    at: str | None = AtOption,
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Decide an appeal: upheld withdraws the obligation; denied restarts the deadline."""
    note = _read_note(note_stdin)
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.reviews.decide_appeal(
            pl,
            account_id,
            upheld=uphold,
            reason=reason,
            actor=as_actor(reviewer),
            note=note,
            at=when(at),
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
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.creators.volunteer(
            pl, account_id, text, kind, actor=as_actor(actor), at=when(at)
        ),
        account_id,
    )


@case_app.command("withdraw")
def case_withdraw(
    account_id: str,
    reason: WithdrawalReason | None = typer.Option(
        None, "--reason", **code_option(WithdrawalReason), help="Why, as a code."
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
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.creators.withdraw(
            pl, account_id, actor=as_actor(actor), reason=reason, note=note, at=when(at)
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
        **code_option(StaffReadReason),
        help="Why the name is read (audited), as a code.",
    ),
    note_stdin: bool = NoteStdinOption,
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Decrypt the name under review for a member of staff. Audited as name:decrypted."""
    note = _read_note(note_stdin)
    floor = services(db)
    with errors_as_lines():
        name = floor.reviews.reveal_name(
            platform_of(floor, platform),
            account_id,
            actor=as_actor(actor),
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
        **code_option(StaffReadReason),
        help="Why the note is read (audited), as a code.",
    ),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Decrypt a note kept beside a reason for a member of staff. Audited as note:decrypted."""
    floor = services(db)
    with errors_as_lines():
        note = floor.reviews.reveal_note(
            platform_of(floor, platform), account_id, note_id, actor=as_actor(actor), reason=reason
        )
    out.print(escape(note), highlight=False)


@case_app.command("take")
def case_take(
    account_id: str,
    reviewer: str = typer.Option(..., "--reviewer"),
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Take the case: its decisions are reserved to this reviewer until released."""
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.reviews.take(pl, account_id, actor=as_actor(reviewer)),
        account_id,
    )


@case_app.command("release")
def case_release(
    account_id: str,
    reviewer: str = typer.Option(..., "--reviewer"),
    platform: str | None = PlatformOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Give a taken case back."""
    case_action(
        db,
        platform,
        as_json,
        lambda s, pl: s.reviews.release(pl, account_id, actor=as_actor(reviewer)),
        account_id,
    )
