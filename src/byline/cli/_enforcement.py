"""``byline enforcement``: the restrictions in force for an account, or every change since a
cursor (the platform's feed)."""

from __future__ import annotations

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, out
from byline.cli._common import (
    DbOption,
    JsonOption,
    PlatformOption,
    errors_as_lines,
    platform_of,
    services,
)


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
    floor = services(db)
    with errors_as_lines():
        tenant = platform_of(floor, platform)
        if account_id is not None:
            data = floor.cases.enforcement(tenant, account_id).as_dict()
        else:
            data = floor.cases.enforcement_changes(tenant, changed_since or 0, limit).as_dict()
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
