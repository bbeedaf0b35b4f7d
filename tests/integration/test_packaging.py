"""The wheel `python -m build` makes carries everything Byline reads at run time (presets,
templates, messages, static files, migrations), and installed into a new virtual environment it
runs `byline demo --no-serve` and `byline serve`.

The new environment gets the wheel alone (``--no-deps``) and borrows the test interpreter's
installed dependencies through a ``.pth`` line: resolving them from an index would take minutes.
The checkout's own copy of Byline stays out of reach (its editable hook in the borrowed folder is
not run from a ``.pth`` path), and the test checks that ``byline`` is imported from the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from support.chaos import free_port, wait_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
INSIDE = (
    "byline/policy/presets/weibo.toml",
    "byline/console/templates/base.html",
    "byline/console/templates/admin_webhooks_log.html",
    "byline/console/messages/zh-CN/admin.toml",
    "byline/console/static/console.js",
    "byline/words/catalogues/en.toml",
    "byline/synth/profiles/weibo.toml",
    "byline/store/migrations/env.py",
    "byline/store/migrations/script.py.mako",
    "byline/store/migrations/versions/0001_initial_schema.py",
)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYLINE_", "PYTHON"))}
    return {**env, "BYLINE_KEY_FILE": "", "COLUMNS": "80"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the wheel built from this checkout; its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert "License classifiers are deprecated" not in built.stdout + built.stderr
    assert "project.license` as a TOML table is deprecated" not in built.stdout + built.stderr
    [wheel] = (tmp / "dist").glob("byline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in INSIDE if name not in names]
    assert not missing, missing
    home = tmp / "venv"
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "zz_borrowed_dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    return home / "bin"


def test_byline_comes_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import byline; print(byline.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=clean_env(),
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), where


def test_the_installed_wheel_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    demo = subprocess.run(
        [str(installed / "byline"), "demo", "--accounts", "20000", "--no-serve", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=clean_env(),
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    report = json.loads(demo.stdout)
    assert report["programme"]["audit_ok"] and len(report["steps"]) == 4
    assert (tmp_path / "byline-demo" / "byline.db").is_file()


def test_the_installed_wheel_serves(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(installed / "byline"), "serve", "--db", str(tmp_path / "b.db"), "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(argv, cwd=tmp_path, env=clean_env(), stdout=log, stderr=log)
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return server.poll() is not None  # died: stop waiting, and say why below

        wait_until(answers, 60, "the installed byline serve answering")
        assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        login = httpx.get(f"{base}/console/login?lang=zh-CN", timeout=5)
        assert login.status_code == 200 and "<form" in login.text  # a template, in Chinese
        assert httpx.get(f"{base}/console/static/console.css", timeout=5).status_code == 200
        assert httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
