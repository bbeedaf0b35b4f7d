"""``byline serve`` and ``byline api-key create``."""

from __future__ import annotations

import typer

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import errors_as_lines, services
from byline.service import NoUser, Role, open_services

api_key_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")


@app.command()
def serve(
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB", help="Database URL."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Processes; share rate limits with BYLINE_REDIS_URL."
    ),
    dispatch: bool = typer.Option(
        True,
        "--dispatch/--no-dispatch",
        help="Deliver the outbox in the background (default); --no-dispatch leaves it to a"
        " separate `byline outbox run`.",
    ),
) -> None:
    """Serve the HTTP API and the console (OpenAPI at /docs and /openapi.json), and deliver
    the outbox's webhooks in the background as they become due."""
    import os

    import uvicorn

    if db:
        os.environ["BYLINE_DB"] = db
    os.environ["BYLINE_WORKERS"] = str(workers)  # each worker's share of a limit without Redis
    with errors_as_lines():
        floor = open_services(db, keys=False)  # migrate once before workers start
    # one dispatcher for the server, however many processes answer requests
    worker = floor.webhooks.worker().start() if dispatch else None
    try:
        uvicorn.run(
            "byline.web:app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
    finally:
        if worker is not None:
            worker.stop()
        floor.close()


@api_key_app.command("create")
def api_key_create(
    platform: str = typer.Option(..., "--platform", help="The platform (policy id) it serves."),
    role: Role = typer.Option(..., "--role"),
    label: str = typer.Option("", "--label", help="What the key is for."),
    name_budget: int | None = typer.Option(
        None,
        "--name-budget",
        min=1,
        help="Distinct disclosed names this key may be shown per hour, whatever viewers it"
        " claims (default: BYLINE_KEY_NAME_BUDGET_PER_HOUR of the server).",
    ),
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    with errors_as_lines():
        key = services(db, keys=False, create=True).access.create_api_key(
            platform, role, actor="cli", label=label, name_budget=name_budget
        )
    if as_json:
        emit_json({"key": key, "platform": platform, "role": role.value})
        return
    out.print(key, highlight=False)


@api_key_app.command("creator-key")
def creator_key(
    platform: str = typer.Option(..., "--platform"),
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB"),
) -> None:
    """Register a new creator-token signing key for a platform and print it once."""
    access = services(db, keys=False, create=True).access
    try:
        out.print(access.register_creator_key(platform, actor="cli"))
    except ValueError as exc:
        fail(str(exc))


staff_app = typer.Typer(
    help="Console users (staff: admin, compliance, reviewer).", no_args_is_help=True
)
app.add_typer(staff_app, name="staff-user")


@staff_app.command("create")
def staff_user_create(
    platform: str = typer.Option(..., "--platform", help="The platform (policy id) they work on."),
    username: str = typer.Option(..., "--username"),
    role: Role = typer.Option(..., "--role", help="admin, platform (compliance) or reviewer."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB"),
) -> None:
    """Create a console user. Without --password-stdin a password is generated and printed once;
    only its scrypt hash is stored."""
    import sys

    given = sys.stdin.readline().rstrip("\n") if password_stdin else None
    access = services(db, keys=False, create=True).access
    try:
        password = access.create_staff_user(platform, username, role, actor="cli", password=given)
    except ValueError as exc:
        fail(str(exc))
    if not password_stdin:
        out.print(password, highlight=False)


@staff_app.command("disable")
def staff_user_disable(
    platform: str = typer.Option(..., "--platform"),
    username: str = typer.Option(..., "--username"),
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB"),
) -> None:
    """Disable a console user: their sessions stop working at once."""
    access = services(db, keys=False, create=True).access
    try:
        access.disable_staff_user(platform, username, actor="cli")
    except NoUser:
        fail(f"no active user {username!r} on platform {platform!r}")
    out.print(f"disabled {username}")
