"""What every programme command shares: the sub-command groups, the options, parsing a coded
reason, the one place errors become a line on stderr, and opening the service floor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TypeVar

import typer
from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from byline.cli._app import app, emit_json, fail, on_close, out
from byline.domain.vocabulary import coded
from byline.service import Actor, Services, errors, open_services

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
# Where an engine on Apache Spark runs (``--engine spark``): ``evaluate`` and ``count``.
SparkMasterOption = typer.Option(
    None,
    "--spark-master",
    help="With --engine spark: local[4], spark://host:7077, yarn, k8s://... "
    "(default: what spark-submit says, else every core here).",
)
SparkConfOption = typer.Option(
    [], "--spark-conf", help="With --engine spark: a session setting KEY=VALUE (repeatable)."
)
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


def code_option(kind: type[E]) -> dict[str, Any]:
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
def errors_as_lines() -> Iterator[None]:
    """An operator's error as one line on stderr, exit 1; a refusal the service coded ends
    with its code, ``(code: taken_by_other)``, the same code the API and the console give."""
    try:
        yield
    except errors.OPERATOR_ERRORS as exc:
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        code = getattr(exc, "code", "")
        fail(escape(f"{line} (code: {code})" if isinstance(code, str) and code else line))


def as_actor(name: str) -> Actor:
    """Who acts, under a fresh request id: every command is a request in the audit trail."""
    return Actor(name, f"cli-{uuid.uuid4().hex[:16]}")


def when(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(at)
    except ValueError:
        fail(f"--at: not an ISO date-time: {escape(at)}", code=2)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def services(
    db: str | None, *, keys: bool = True, create: bool = False, webhooks: bool = True
) -> Services:
    """The service floor over ``--db`` (it must exist unless ``create``); ``keys=False``: use
    key material only if it is there, and ``webhooks=False``: ignore where webhooks may lead
    (commands that only read the audit chain or the outbox)."""
    with errors_as_lines():
        floor = open_services(
            db, must_exist=not create, keys=keys, configured_webhooks=keys or webhooks
        )
    on_close(floor.close)
    return floor


def platform_of(floor: Services, platform: str | None) -> str:
    """``--platform``, or the database's only platform."""
    if platform:
        return platform
    active = floor.cases.policies()
    if len(active) == 1:
        return active[0]
    fail(
        "say which platform with --platform (or BYLINE_PLATFORM): this database has "
        + (", ".join(active) if active else "none yet; run a cycle first"),
        code=2,
    )


def case_action(
    db: str | None,
    platform: str | None,
    as_json: bool,
    act: Callable[[Services, str], Any],
    account_id: str,
) -> None:
    """Run ``act(services, platform)`` on one account's case, then show the case."""
    floor = services(db)
    with errors_as_lines():
        tenant = platform_of(floor, platform)
        act(floor, tenant)
        view = floor.cases.show(tenant, account_id)
    if as_json:
        emit_json({k: v for k, v in view.as_dict().items() if k != "history"})
        return
    out.print(
        f"{escape(account_id)}: [bold]{view.state.value}[/]"
        + (f", deadline {view.deadline.isoformat()}" if view.deadline else ""),
        highlight=False,
    )


# --- human output ------------------------------------------------------------------------------


def cell(value: object) -> str:
    """A value as people read it, never a Python repr: None is "-", a number has thousands
    separators, a mapping is "key value, key value", a list is comma-separated."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')} {cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value) or "-"
    return str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TEXT_COLUMN_AT_LEAST = 16  # a text column may wrap down to this width before tables split


def print_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    keys: int = 1,
) -> None:
    """Rows as a table that fits the output's width: every value through ``cell`` (and escaped);
    numbers right-aligned, text left-aligned, the first ``keys`` columns kept whole. When the
    columns do not fit side by side, even with text wrapped, they are split over several
    tables, each repeating the ``keys`` columns."""
    values = [list(row) for row in rows]
    texts = [[cell(v) for v in row] for row in values]
    numeric = [
        any(_numeric(r[i]) for r in values) and all(_numeric(r[i]) or r[i] is None for r in values)
        for i in range(len(headers))
    ]
    widths = []
    for i, h in enumerate(headers):
        natural = max(cell_len(h), *(cell_len(r[i]) for r in texts))
        wraps = not numeric[i] and i >= keys
        widths.append((min(natural, TEXT_COLUMN_AT_LEAST) if wraps else natural) + 2)
    groups: list[list[int]] = []
    current, used = list(range(keys)), sum(widths[:keys])
    for i in range(keys, len(headers)):
        if used + widths[i] > out.width and len(current) > keys:
            groups.append(current)
            current, used = list(range(keys)), sum(widths[:keys])
        current.append(i)
        used += widths[i]
    groups.append(current)
    for n, group in enumerate(groups):
        table = Table(
            box=box.SIMPLE_HEAD,
            title=escape(title) if title and n == 0 else None,
            title_justify="left",
            pad_edge=False,
        )
        for i in group:
            table.add_column(
                escape(headers[i]),
                justify="right" if numeric[i] else "left",
                overflow="fold",
                no_wrap=i < keys,  # kept whole (an id to copy); the other columns give way
            )
        for r in texts:
            table.add_row(*(escape(r[i]) for i in group))
        out.print(table)
