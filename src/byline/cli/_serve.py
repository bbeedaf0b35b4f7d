"""``byline serve`` and ``byline api-key create``."""

from __future__ import annotations

import typer

from byline.cli._app import app, emit_json, fail, out
from byline.service.access import (
    Role,
    create_api_key,
    create_staff_user,
    disable_staff_user,
    register_creator_key,
)
from byline.service.programme import wall_clock
from byline.service.wiring import open_database

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
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json)."""
    import os

    import uvicorn

    if db:
        os.environ["BYLINE_DB"] = db
    os.environ["BYLINE_WORKERS"] = str(workers)  # each worker's share of a limit without Redis
    open_database(db).dispose()  # migrate once before workers start
    uvicorn.run(
        "byline.api._factory:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


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
    database = open_database(db)
    try:
        key = create_api_key(
            database,
            platform,
            role,
            actor="cli",
            now=wall_clock(),
            label=label,
            name_budget=name_budget,
        )
    finally:
        database.dispose()
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
    database = open_database(db)
    try:
        out.print(register_creator_key(database, platform, actor="cli", now=wall_clock()))
    except ValueError as exc:
        fail(str(exc))
    finally:
        database.dispose()


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
    import secrets
    import sys

    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    database = open_database(db)
    try:
        create_staff_user(
            database, platform, username, password, role, actor="cli", now=wall_clock()
        )
    except ValueError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    if not password_stdin:
        out.print(password, highlight=False)


@staff_app.command("disable")
def staff_user_disable(
    platform: str = typer.Option(..., "--platform"),
    username: str = typer.Option(..., "--username"),
    db: str | None = typer.Option(None, "--db", envvar="BYLINE_DB"),
) -> None:
    """Disable a console user: their sessions stop working at once."""
    database = open_database(db)
    try:
        if not disable_staff_user(database, platform, username, actor="cli", now=wall_clock()):
            fail(f"no active user {username!r} on platform {platform!r}")
    finally:
        database.dispose()
    out.print(f"disabled {username}")
