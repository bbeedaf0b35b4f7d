"""The OpenAPI contract against a live `byline serve`: schemathesis finds no server error and
no response outside the documented statuses, content types and schemas."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def byline(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "byline"), *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> object:
    root = tmp_path_factory.mktemp("contract")
    env = {
        **os.environ,
        "BYLINE_DB": str(root / "byline.db"),
        "BYLINE_KEY_FILE": "",
        "BYLINE_SNAPSHOT_DIR": str(root / "snap"),
        "BYLINE_LOG_REQUESTS": "",
    }
    byline(env, "synth", "--accounts", "50000", "--out", str(root / "snap"))
    byline(
        env,
        "cycle",
        "--snapshot",
        str(root / "snap" / "accounts.parquet"),
        "--policy",
        "weibo",
        "--as-of",
        "2023-12-22",
    )
    keys = {
        role: byline(env, "api-key", "create", "--platform", "weibo", "--role", role)
        for role in ("admin", "label", "reviewer")
    }
    port = free_port()
    log = (root / "server.log").open("w")  # read it when a test fails
    server = subprocess.Popen(
        [str(BIN / "byline"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield base, keys
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.mark.parametrize(
    "role, include",
    [
        ("admin", None),  # every route an admin may call, and the 403s of the others
        ("label", "/v1/platforms/{platform}/labels"),
        ("reviewer", "/v1/platforms/{platform}/review/"),
    ],
)
def test_schemathesis_finds_no_contract_violation(
    live: tuple[str, dict[str, str]], role: str, include: str | None
) -> None:
    base, keys = live
    st = shutil.which("st", path=str(BIN)) or shutil.which("schemathesis", path=str(BIN))
    assert st, "schemathesis is a test dependency"
    args = [
        st,
        "run",
        f"{base}/openapi.json",
        "-H",
        f"Authorization: Bearer {keys[role]}",
        "--checks",
        CHECKS,
        "--max-examples",
        "25",
        "--workers",
        "1",
        "--seed",
        "7",
        "--warnings",
        "off",
    ]
    if include:
        args += ["--include-path-regex", "^" + include.replace("{platform}", r"\{platform\}")]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
