"""The web console: server-rendered pages for compliance leads, reviewers, creators and admins,
in Chinese and English, on the same services as the API. Mounted by the API app at /console."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from byline.console import (
    _admin,
    _creator,
    _dashboard,
    _preview,
    _report,
    _reviews,
    _signin,
    _whatif,
)
from byline.console._web import (
    PREFIX,
    ConsoleState,
    Denied,
    SignInRequired,
    anonymous,
    redirect,
    render,
)
from byline.service import Services

__all__ = ["ConsoleState", "mount_console"]

PAGES = (_signin, _dashboard, _report, _whatif, _reviews, _creator, _preview, _admin)


def mount_console(app: FastAPI, services: Services) -> None:
    """The console's pages on ``app``, over ``services`` (the API's, in the same process)."""
    app.state.byline_console = ConsoleState(services)
    for module in PAGES:
        app.include_router(module.router)
    app.mount(
        PREFIX + "/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="console-static",
    )

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return redirect(f"{PREFIX}/login", next=exc.next_url)

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
        viewer = anonymous(request)
        return render(
            viewer,
            "message.html",
            status=403,
            title_key="denied.title",
            body_key=f"denied.{exc.reason}",
        )
