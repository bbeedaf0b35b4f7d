"""`byline demo` ends by serving the console and the API: the printed sign-ins work in a
browser, the creator link opens the creator's page, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import byline
from e2e.conftest import Visit, _visits, free_port


def test_the_demo_serves_what_it_prints(
    tmp_path: Path, browser: object, request: pytest.FixtureRequest
) -> None:
    port = free_port()
    # ``python -m byline.cli`` with this tree's source first on the path: the installed
    # ``byline`` script may import another checkout's package.
    src = str(Path(byline.__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "byline.cli",
            "demo",
            "--accounts",
            "200000",
            "--dir",
            str(tmp_path / "demo"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", "PYTHONPATH": path},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    try:
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C stops" in line or time.monotonic() > deadline:
                break
        printed = "".join(lines)
        assert "Ctrl-C stops" in printed, printed[-2000:]
        users = dict(re.findall(r"user (demo-[a-z]+)\s+password (\S+)", printed))
        assert set(users) == {"demo-admin", "demo-compliance", "demo-reviewer"}
        link = re.search(r"(http://\S+/enter\?token=\S+)", printed)
        assert link, printed[-2000:]
        _listening(port, process)  # the banner is printed as the server starts, not after

        for visit in _visits(browser, f"http://127.0.0.1:{port}", request):
            _walk_through(visit, users, link.group(1))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode == 0, rest[-2000:]
    assert "Stopped" in rest


def _walk_through(visit: Visit, users: dict[str, str], creator_link: str) -> None:
    visit.sign_in("demo-compliance", users["demo-compliance"])
    assert visit.page.url.endswith("/console/weibo/dashboard")  # type: ignore[attr-defined]
    assert visit.count("funnel-disclosed") == 1
    visit.page.context.clear_cookies()  # type: ignore[attr-defined]
    visit.sign_in("demo-reviewer", users["demo-reviewer"])
    assert visit.page.url.endswith("/console/weibo/reviews")  # type: ignore[attr-defined]
    visit.page.context.clear_cookies()  # type: ignore[attr-defined]
    visit.goto(creator_link, "creator")
    assert visit.page.url.endswith("/console/weibo/me")  # type: ignore[attr-defined]


def test_the_demo_runs_thousands_of_cases(tmp_path: Path) -> None:
    """The default demo (the head of half of Weibo, a body sample) runs at least 2,000 cases
    through both phases of the policy, with its simulated creators and reviewers."""
    src = str(Path(byline.__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    command = ["demo", "--no-serve", "--json", "--dir", str(tmp_path / "demo")]
    done = subprocess.run(
        [sys.executable, "-m", "byline.cli", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    programme = report["programme"]
    assert programme["cases"] >= 2_000
    weeks = programme["weeks"]
    opened = sum(w["cycle"]["actions"].get("case:opened", 0) for w in weeks)
    assert opened >= 2_000
    by_day = {w["as_of"]: w["cycle"]["actions"].get("case:opened", 0) for w in weeks}
    assert by_day["2023-10-16"] >= 500 and by_day["2023-12-22"] >= 500  # both phases
    done_by_people = sum(sum(w["creator_actions"].values()) for w in weeks)
    assert done_by_people >= 2_000
    assert programme["audit_ok"] and programme["promise_breaches"] == 0


def _listening(port: int, process: subprocess.Popen[str], seconds: float = 60) -> None:
    """Wait until the demo's server accepts connections (it must, within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo stopped before it served"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the demo did not listen on {port} within {seconds:g} s")
