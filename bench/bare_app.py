"""The baseline for bench/api.py: a bare Starlette endpoint returning a constant."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def constant(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"labels": {}})


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/", constant, methods=["POST"]), Route("/healthz", healthz)])
