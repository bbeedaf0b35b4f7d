"""``byline displays``: the display records staff may read for an abuse report (a reason named,
the read audited), the purge of records past the policy's retention, and the harvesting
signals."""

from __future__ import annotations

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import (
    DbOption,
    JsonOption,
    as_actor,
    code_option,
    errors_as_lines,
    services,
)
from byline.domain.vocabulary import StaffReadReason

displays_app = typer.Typer(
    help="Name displays: display records (audited reads), purge, harvesting signals.",
    no_args_is_help=True,
)
app.add_typer(displays_app, name="displays")


@displays_app.command("read")
def read(
    platform: str = typer.Option(..., "--platform"),
    reason: StaffReadReason = typer.Option(
        ..., "--reason", **code_option(StaffReadReason), help="Why, as a code (audited)."
    ),
    actor: str = typer.Option(..., "--actor", help="The staff member reading."),
    viewer: str | None = typer.Option(None, "--viewer", help="The viewer id."),
    account: str | None = typer.Option(None, "--account", help="The account id."),
    key: str | None = typer.Option(None, "--key", help="The API key id."),
    limit: int = typer.Option(1000, "--limit", min=1, max=1000),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Display records (minute, key, viewer, account; never a name) of a viewer, an account or
    a key, newest first. The read is audited with its reason."""
    floor = services(db, keys=False)
    with errors_as_lines():
        try:
            found = floor.displays.read(
                platform,
                reason=reason,
                actor=as_actor(actor),
                viewer_id=viewer,
                account_id=account,
                key_id=key,
                limit=limit,
            )
        except ValueError as exc:
            fail(escape(str(exc)), code=2)
    if as_json:
        emit_json({"records": [r.as_dict() for r in found]})
        return
    for r in found:
        out.print(
            escape(f"{r.minute.isoformat()}  {r.key_id}  {r.viewer_id}  {r.account_id}"),
            highlight=False,
        )
    out.print(f"{len(found)} records", highlight=False)


@displays_app.command("purge")
def purge(
    platform: str | None = typer.Option(None, "--platform", help="Default: every platform."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Delete display records older than each policy's retention (``[displays]
    retention_days``, default 30). ``byline serve`` also does this every hour."""
    floor = services(db, keys=False)
    with errors_as_lines():
        gone = floor.displays.purge(platform, actor="cli")
    if as_json:
        emit_json({"purged": {p.platform: p.records for p in gone}})
        return
    for p in gone:
        out.print(
            f"{escape(p.platform)}: {p.records:,} records purged (older than"
            f" {p.retention_days} days)",
            highlight=False,
        )


@displays_app.command("signals")
def signals(
    platform: str = typer.Option(..., "--platform"),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Keys and viewers over the harvesting threshold in the sliding hour now."""
    floor = services(db, keys=False)
    with errors_as_lines():
        found = floor.displays.harvest_signals(platform)
    if as_json:
        emit_json(found.as_dict())
        return
    out.print(
        f"threshold {found.threshold} distinct accounts, {found.since:%H:%M}-{found.until:%H:%M}",
        highlight=False,
    )
    for key_id, n in found.keys:
        out.print(escape(f"key {key_id}: {n}"), highlight=False)
    for viewer_id, n in found.viewers:
        out.print(escape(f"viewer {viewer_id}: {n}"), highlight=False)
