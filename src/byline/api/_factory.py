"""The app as uvicorn starts it in each worker (settings from the environment)."""

from __future__ import annotations

from fastapi import FastAPI

from byline.api._app import create_app
from byline.api._logs import configure_logging


def app() -> FastAPI:
    configure_logging()
    return create_app()
