"""What every programme command shares: the sub-command groups, the options, parsing a coded
reason, the one place errors become a line on stderr, and opening the service floor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TypeVar

import typer
from rich.markup import escape

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
