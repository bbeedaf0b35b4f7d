"""Operations from the command line: the audit chain, the outbox and its endpoints, the
database, the key ring, erasure. Every command calls one service."""

from __future__ import annotations

import contextlib
from dataclasses import asdict

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
    audit_app,
    cell,
    code_option,
    db_app,
    errors_as_lines,
    keys_app,
    name_app,
    outbox_app,
    platform_of,
    print_table,
    services,
    when,
)
from byline.domain.vocabulary import ErasureReason
from byline.service import MessageStatus, db_upgrade


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
    with errors_as_lines():
        report = services(db, keys=False, webhooks=False).operations.audit_verify(expected)
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
    floor = services(db)
    with errors_as_lines():
        sealed = floor.operations.audit_seal(actor)
    if as_json:
        emit_json(sealed.as_dict())
        return
    out.print(f"sealed entry {sealed.seq:,} under master key {sealed.key_id}")


@audit_app.command("head")
def audit_head_cmd(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """The chain's newest entry as SEQ:HASH, for a witness to keep."""
    with errors_as_lines():
        seq, digest = services(db, keys=False, webhooks=False).operations.audit_head()
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
    with errors_as_lines():
        data = services(db, keys=False, webhooks=False).operations.outbox(status, limit, platform)
    if as_json:
        emit_json(data.as_dict())
        return
    out.print(f"backlog: {escape(cell(data.backlog.as_dict()))}", highlight=False)
    print_table(
        ("message", "platform", "topic", "account", "status"),
        [
            (m["message_id"][:8], m["platform"], m["topic"], m["account_id"], m["status"])
            for m in data.messages
        ],
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
    with errors_as_lines():
        stats = services(db, keys=False).webhooks.deliver(rounds, timeout_s=timeout, at=when(at))
    if as_json:
        emit_json(asdict(stats))
        return
    out.print(", ".join(f"{k} {v}" for k, v in asdict(stats).items()))


@outbox_app.command("run")
def outbox_run(
    db: str | None = DbOption,
    interval: float = typer.Option(
        2.0, "--interval", min=0.1, help="Seconds between passes over what is due."
    ),
    timeout: float = typer.Option(
        10.0, "--timeout", min=0.01, help="Seconds to wait for an endpoint's answer."
    ),
) -> None:
    """Deliver the outbox until stopped (Ctrl-C or SIGTERM): a pass over what is due every
    --interval seconds, a failed delivery retried after its backoff (10 s doubling to 10 min,
    never dropped). For a server started with `byline serve --no-dispatch`; several may run."""
    import signal

    worker = services(db, keys=False).webhooks.worker(interval, timeout)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop(0))
    out.print(f"delivering the outbox every {interval:g}s; Ctrl-C stops", highlight=False)
    with contextlib.suppress(KeyboardInterrupt):
        worker.run()
    t = worker.totals
    out.print(
        f"stopped: {t.passes} passes, {t.attempted} attempted, {t.delivered} delivered,"
        f" {t.failed} failed",
        highlight=False,
    )


@outbox_app.command("rotate-secret")
def outbox_rotate_secret(
    endpoint_id: str,
    secret: str | None = typer.Option(
        None,
        "--secret",
        envvar="BYLINE_WEBHOOK_SECRET",
        help="The new secret (default: a whsec_ one is generated and printed once).",
    ),
    keep_old_hours: float = typer.Option(
        24.0,
        "--keep-old-hours",
        min=0,
        help="Hours the previous secret keeps signing beside the new one.",
    ),
    actor: str = ActorOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Rotate an endpoint's signing secret (audited). Until --keep-old-hours have passed every
    delivery carries a signature by each secret, so the platform can switch at its pace."""
    floor = services(db, keys=False, webhooks=False)
    with errors_as_lines():
        try:
            rotated = floor.webhooks.rotate_secret(
                endpoint_id, actor=actor, secret=secret, keep_previous_s=keep_old_hours * 3600
            )
        except ValueError as exc:
            fail(escape(str(exc)), code=2)
    if as_json:
        emit_json(
            {
                "endpoint_id": rotated.endpoint_id,
                "previous_until": rotated.previous_until.isoformat(),
                **({"secret": rotated.secret} if rotated.generated else {}),
            }
        )
        return
    out.print(
        f"endpoint {endpoint_id}: the previous secret signs too until"
        f" {rotated.previous_until:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    if rotated.generated:
        out.print(f"secret (shown once): {rotated.secret}", highlight=False)


@outbox_app.command("add-endpoint")
def outbox_add_endpoint(
    url: str,
    platform: str = typer.Option(
        ...,
        "--platform",
        envvar="BYLINE_PLATFORM",
        help="The platform (its policy id) whose messages the endpoint receives.",
    ),
    secret: str | None = typer.Option(
        None,
        "--secret",
        envvar="BYLINE_WEBHOOK_SECRET",
        help="The signing secret (default: one is generated and printed once).",
    ),
    topics: str = typer.Option("notice,enforcement,label,audit", "--topics"),
    actor: str = ActorOption,
    db: str | None = DbOption,
) -> None:
    """Register a webhook endpoint for one platform's messages of some topics. Its URL must
    lead to a public address, or to one allowed by BYLINE_WEBHOOK_ALLOW."""
    floor = services(db, keys=False)
    with errors_as_lines():
        try:
            registered = floor.webhooks.register(
                platform, url, topics.split(","), actor=actor, secret=secret
            )
        except ValueError as exc:  # a bad platform, url (or where it leads), secret or topic
            fail(escape(str(exc)), code=2)
    out.print(registered.endpoint_id)
    if registered.generated:
        out.print(f"secret (shown once): {registered.secret}", highlight=False)


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
    with errors_as_lines():
        endpoints = services(db, keys=False, webhooks=False).webhooks.endpoints(platform)
    if as_json:
        emit_json([asdict(e) for e in endpoints])
        return
    for e in endpoints:
        state = "active" if e.active else "disabled"
        out.print(f"{e.endpoint_id}  {escape(e.platform)}  {state}", highlight=False)
        out.print(f"  {escape(e.url)}", highlight=False, soft_wrap=True)  # whole, to copy
        out.print(f"  topics: {', '.join(e.topics)}", highlight=False)


def _set_endpoint(
    endpoint_id: str, active: bool, db: str | None, actor: str, as_json: bool
) -> None:
    with errors_as_lines():
        result = services(db, keys=False, webhooks=False).webhooks.set_active(
            endpoint_id, active, actor=actor
        )
    if as_json:
        emit_json(asdict(result))
        return
    was = "already " if result.was_active == active else ""
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
    with errors_as_lines():
        before, after = db_upgrade(db)
    out.print(f"database at revision {after} (was {before or 'empty'})")


@keys_app.command("rotate")
def keys_rotate(
    db: str | None = DbOption, actor: str = ActorOption, as_json: bool = JsonOption
) -> None:
    """Add a new master key and re-wrap every data key under it (audited)."""
    with errors_as_lines():
        result = services(db).operations.rotate_keys(actor)
    if as_json:
        emit_json(asdict(result))
        return
    out.print(f"re-wrapped {result.rewrapped} data key(s) under {result.key_id}")


@name_app.command("erase")
def name_erase(
    account_id: str,
    actor: str = typer.Option(..., "--actor"),
    reason: ErasureReason = typer.Option(
        ..., "--reason", **code_option(ErasureReason), help="Why, as a code."
    ),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
) -> None:
    """Crypto-shred an account's names and notes: its data key is deleted (audited)."""
    floor = services(db)
    with errors_as_lines():
        count = floor.cases.erase(
            platform_of(floor, platform), account_id, actor=as_actor(actor), reason=reason
        )
    out.print(f"erased {count} name(s) of {escape(account_id)}")
