"""``byline log``: the public log of disclosures — its key, its export as static files, and the
check anyone can run with the public key alone (``verify``)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import app, emit_json, fail, out
from byline.cli._common import DbOption, JsonOption, errors_as_lines, services
from byline.service import NoteError, verify_public_log

log_app = typer.Typer(help="The public log of disclosures.", no_args_is_help=True)
app.add_typer(log_app, name="log")
PlatformOption = typer.Option(..., "--platform", help="Whose log.")


@log_app.command("key")
def key(platform: str = PlatformOption, db: str | None = DbOption) -> None:
    """Print the log's verifier key (publish it where verifiers find it)."""
    with errors_as_lines():
        out.print(services(db).public_log.key(platform), highlight=False)


@log_app.command("export")
def export(
    out_dir: Path = typer.Argument(..., help="Folder to write (served by any web server)."),
    platform: str = PlatformOption,
    db: str | None = DbOption,
) -> None:
    """Write the signed checkpoint, the key and the tiles (C2SP tlog-tiles) as static files."""
    with errors_as_lines():
        size = services(db).public_log.export(platform, out_dir)
    out.print(f"Exported {size:,} entries to {escape(str(out_dir))}", highlight=False)


@log_app.command("verify")
def verify(
    source: str = typer.Argument(..., help="The log's base URL (…/log/<platform>) or a folder."),
    key_text: str = typer.Option(..., "--key", help="The verifier key, or a file holding it."),
    previous: Path | None = typer.Option(
        None, "--previous", help="A checkpoint kept from an earlier check: history must hold."
    ),
    keep: Path | None = typer.Option(None, "--keep", help="Keep this checkpoint here if it holds."),
    as_json: bool = JsonOption,
) -> None:
    """Check the log with its public key alone: the checkpoint's signature, the root rebuilt
    from every entry, history kept since --previous, and the threshold promise entry by entry."""
    verifier = Path(key_text).read_text().strip() if Path(key_text).is_file() else key_text
    kept = previous.read_text() if previous is not None else None
    try:
        found = verify_public_log(_reader(source), verifier, kept)
    except NoteError as exc:
        fail(escape(f"{source}: {exc}"))
    except OSError as exc:
        fail(escape(f"{source}: cannot read the checkpoint ({exc})"))
    checkpoint = found.checkpoint
    if as_json:
        emit_json(
            {
                "ok": found.ok,
                "origin": checkpoint.origin,
                "size": checkpoint.size,
                "disclosed": found.disclosed,
                "volunteered": found.volunteered,
                "failures": [{"index": i, "what": w} for i, w in found.failures],
            }
        )
    for index, what in found.failures if not as_json else ():
        where = "log" if index is None else f"entry {index}"
        out.print(f"FAIL {where}: {escape(what)}", highlight=False)
    if not found.ok:
        raise typer.Exit(1)
    if keep is not None:
        keep.write_text(found.note)  # the checkpoint verified, not one read again
    if not as_json:
        out.print(
            f"OK {escape(checkpoint.origin)}: {checkpoint.size:,} entries, root verified,"
            f" {found.disclosed:,} disclosures ({found.volunteered:,} volunteered), every one"
            " at or above the floor or volunteered"
            + ("; consistent with the kept checkpoint" if previous is not None else ""),
            highlight=False,
        )


def _reader(source: str) -> Callable[[str], bytes]:
    if source.startswith(("http://", "https://")):
        base = source.rstrip("/") + "/"

        def fetch(path: str) -> bytes:
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    body: bytes = response.read()
                    return body
            except urllib.error.HTTPError as exc:
                raise OSError(f"{path}: HTTP {exc.code}") from None
            except urllib.error.URLError as exc:
                raise OSError(f"{path}: {exc.reason}") from None

        return fetch
    root = Path(source)

    def read(path: str) -> bytes:
        return (root / path).read_bytes()

    return read
