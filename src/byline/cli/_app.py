"""The Typer application and the commands' shared helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    name="byline",
    help="Byline: carry out a real-name disclosure programme, correctly and at platform scale.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="List, check and explain policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")



def output_width() -> int | None:
    """The width output is laid out for: ``COLUMNS`` when set, else the terminal's; piped
    output without ``COLUMNS`` gets 160 columns (tables stay whole in logs and CI)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if sys.stdout.isatty() else 160


# Lines are wrapped at the width and tables shrink or split to fit it (``print_table``); a
# line that must stay whole (a link, a key) is printed with ``soft_wrap=True``.
out = Console(width=output_width())
err = Console(stderr=True, soft_wrap=True)


_on_close: list[Callable[[], None]] = []


def on_close(release: Callable[[], None]) -> None:
    """Release a resource (a database's connections) when the command ends."""
    _on_close.append(release)


@app.callback()
def _root(ctx: typer.Context) -> None:
    width = output_width()  # again: the environment may have changed since the import
    if width is not None:
        out.width = width

    def release_all() -> None:
        while _on_close:
            _on_close.pop()()

    ctx.call_on_close(release_all)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)
