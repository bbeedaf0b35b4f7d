"""The composition root of the web server: one service floor, and the API and the console
mounted side by side on it (one process, one port). ``app`` is what uvicorn starts in each
worker; ``create_app`` is what the demo and the tests build."""

from __future__ import annotations

import gc
from dataclasses import replace

from fastapi import FastAPI

from byline.api import ApiSettings, RateLimiter, configure_logging, create_api
from byline.console import mount_console
from byline.service import Services, open_services

__all__ = ["app", "create_app"]


def create_app(
    services: Services | None = None,
    settings: ApiSettings | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """The API and the console over ``services`` (default: opened from ``settings``, from the
    environment). Staff pick snapshots from ``settings.snapshot_dir``, whichever door."""
    settings = settings or ApiSettings.from_env()
    if services is None:
        services = open_services(settings.db_url, snapshot_dir=settings.snapshot_dir)
    elif services.deps.snapshot_dir != settings.snapshot_dir:
        services = Services.of(replace(services.deps, snapshot_dir=settings.snapshot_dir))
    web = create_api(services, settings, limiter)
    mount_console(web, services)
    return web


def app() -> FastAPI:
    configure_logging()
    settings = ApiSettings.from_env()
    services = open_services(settings.db_url, snapshot_dir=settings.snapshot_dir)
    # the API's lifespan writes this worker's displays and label lookups in the background
    web = create_app(services, settings)
    # What start-up made (modules, the app, its routes: most of the heap) lives as long as the
    # worker: kept out of the collector's full passes, which otherwise walk all of it a few
    # times a minute under load (bench/api.py: about a tenth of the label path's CPU).
    gc.collect()
    gc.freeze()
    return web
