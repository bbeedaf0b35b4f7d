"""``byline log verify`` as a third party runs it, with the public key alone: over HTTP from a
running server and from a static export. It accepts the honest log; it catches an entry edited,
removed, reordered or inserted, a checkpoint signed with another key, a history rewritten
against a kept checkpoint, and a disclosure below the floor without volunteering (by index)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from byline import translog
from byline.cli import app as cli
from byline.service import Services
from byline.translog import Checkpoint, Signer, bundle, unbundle
from conftest import World

runner = CliRunner()


def verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["log", "verify", *args])
    return result.exit_code, result.output


@pytest.fixture
def exported(world: World, tmp_path: Path) -> tuple[Path, str]:
    log = Services.of(world.programme.deps).public_log
    folder = tmp_path / "export"
    log.export("weibo", folder)
    return folder, log.key("weibo")


def _bundle_path(folder: Path) -> Path:
    return next(p for p in (folder / "tile" / "entries").rglob("*") if p.is_file())


def _rewrite(folder: Path, entries: list[bytes]) -> None:
    path = _bundle_path(folder)
    path.write_bytes(bundle(entries))


def test_an_honest_export_verifies(exported: tuple[Path, str]) -> None:
    folder, key = exported
    code, output = verify(str(folder), "--key", key)
    assert code == 0, output
    assert "OK byline/weibo: 2 entries" in output and "2 disclosures" in output


@pytest.mark.parametrize("change", ["edit", "remove", "reorder", "insert"])
def test_a_changed_entry_is_caught(exported: tuple[Path, str], change: str) -> None:
    folder, key = exported
    entries = unbundle(_bundle_path(folder).read_bytes())
    if change == "edit":
        entries[0] = entries[0].replace(b'"star"', b'"stat"').replace(b'"org"', b'"orb"')
    elif change == "remove":
        entries = entries[1:] + entries[1:]  # the same count, one entry gone
    elif change == "reorder":
        entries.reverse()
    else:
        entries = [entries[0], entries[0]]
    _rewrite(folder, entries)
    code, output = verify(str(folder), "--key", key)
    assert code == 1 and "the entries do not make the checkpoint's root" in output


def test_another_key_is_refused(exported: tuple[Path, str]) -> None:
    folder, _ = exported
    other = Signer.generate("byline/weibo").verifier().text()
    code, output = verify(str(folder), "--key", other)
    assert code == 1 and "no signature by byline/weibo" in output


def test_a_rewritten_history_is_refused_against_a_kept_checkpoint(
    world: World, exported: tuple[Path, str], tmp_path: Path
) -> None:
    folder, key = exported
    kept = tmp_path / "kept"
    code, _ = verify(str(folder), "--key", key, "--keep", str(kept))
    assert code == 0 and Checkpoint.parse(kept.read_text().split("\n\n")[0] + "\n").size == 2
    # the operator rewrites its first entry and signs a new, larger tree with its real key
    deps = world.programme.deps
    with deps.db.transaction() as conn:
        from byline.translog._tables import log_entries

        conn.execute(log_entries.update().where(log_entries.c.idx == 0).values(entry="{}"))
        translog.append(conn, "weibo", {"event": "note"}, 1, dt.datetime.now(dt.UTC))
    shutil.rmtree(folder)
    Services.of(deps).public_log.export("weibo", folder)
    code, output = verify(str(folder), "--key", key, "--previous", str(kept))
    assert code == 1 and "history rewritten" in output


def test_a_disclosure_below_the_floor_is_named_by_index(world: World, tmp_path: Path) -> None:
    deps = world.programme.deps
    entry = {
        "event": "disclosed",
        "basis": "required",
        "counts": {"followers": 1_000},
        "floor": {"followers": 500_000},
        "account_id": "small",
    }
    with deps.db.transaction() as conn:
        translog.append(conn, "weibo", entry, 1, dt.datetime.now(dt.UTC))
    folder = tmp_path / "export"
    log = Services.of(deps).public_log
    log.export("weibo", folder)
    code, output = verify(str(folder), "--key", log.key("weibo"))
    assert code == 1
    assert "FAIL entry 2: disclosed below the floor (followers) without volunteering" in output


@pytest.fixture
def served(world: World) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(world.app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/log/weibo"
    server.should_exit = True
    thread.join(5)


def test_the_log_verifies_over_http_and_matches_the_export(
    served: str, exported: tuple[Path, str], tmp_path: Path
) -> None:
    folder, key = exported
    code, output = verify(served, "--key", key, "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["ok"] and report["size"] == 2 and report["disclosed"] == 2
    for path in (p for p in folder.rglob("*") if p.is_file() and "tile" in p.parts):
        relative = path.relative_to(folder).as_posix()
        import urllib.request

        with urllib.request.urlopen(f"{served}/{relative}") as response:
            assert response.read() == path.read_bytes(), relative


def test_a_key_rotation_keeps_the_logs_key_and_lets_the_old_master_key_go(world: World) -> None:
    services = Services.of(world.programme.deps)
    log, provider = services.public_log, world.programme.deps.keys
    assert provider is not None
    before = log.key("weibo")
    old = provider.current_key_id
    services.operations.rotate_keys("ops:test")
    provider.remove_key(old)  # type: ignore[attr-defined]
    assert log.key("weibo") == before  # the same seed, wrapped anew
    note = log.checkpoint("weibo")
    assert Checkpoint.open(note, translog.Verifier.parse(before)).size == 2
