"""``byline report``: the programme's report for a period (JSON, HTML, PDF), and its
statements of reasons as JSON lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import (
    DbOption,
    JsonOption,
    PlatformOption,
    errors_as_lines,
    platform_of,
    services,
)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not an ISO date (YYYY-MM-DD): {escape(value)}", code=2)


@app.command()
def report(
    first: str = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD, UTC)."),
    last: str = typer.Option(..., "--to", help="Last day of the period, included."),
    out_dir: Path = typer.Option(..., "--out", help="Folder to write the files into."),
    formats: str = typer.Option("json,html,pdf", "--format", help="Any of json,html,pdf."),
    lang: str = typer.Option("en", "--lang", help="The words of the HTML and PDF: en or zh-CN."),
    with_statements: bool = typer.Option(
        False, "--statements", help="Also the period's statements of reasons, as JSON lines."
    ),
    db: str | None = DbOption,
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """The programme's report for a period: every figure counted from its records."""
    start, end = _day(first, "--from"), _day(last, "--to")
    floor = services(db)
    with errors_as_lines():
        tenant = platform_of(floor, platform)
        written = floor.reports.write(
            tenant,
            start,
            end,
            out_dir,
            [f.strip() for f in formats.split(",") if f.strip()],
            lang,
            with_statements=with_statements,
        )
    if as_json:
        emit_json({"platform": tenant, "files": [str(p) for p in written]})
        return
    for path in written:
        out.print(str(path), highlight=False)
