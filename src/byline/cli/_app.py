"""The Typer application and the commands' shared helpers."""

from __future__ import annotations

import json
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

# Piped output is not cut at 80 columns: tables stay readable in logs and CI.
out = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


_on_close: list[Callable[[], None]] = []


def on_close(release: Callable[[], None]) -> None:
    """Release a resource (a database's connections) when the command ends."""
    _on_close.append(release)


@app.callback()
def _root(ctx: typer.Context) -> None:
    def release_all() -> None:
        while _on_close:
            _on_close.pop()()

    ctx.call_on_close(release_all)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)
