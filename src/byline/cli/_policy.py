"""``byline policy list|check|show``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from byline.cli._app import emit_json, err, fail, out, policy_app
from byline.service import PolicyFileError, below_pledged_floor, load_policy, preset_names
from byline.words import LANGUAGES, explain, one_line


@policy_app.command("list")
def list_presets(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the shipped presets."""
    policies = [load_policy(name) for name in preset_names()]
    if as_json:
        emit_json(
            [
                {
                    "name": name,
                    "id": p.id,
                    "version": p.version,
                    "platform": p.policy.platform,
                    "title": p.policy.title,
                }
                for name, p in zip(preset_names(), policies, strict=True)
            ]
        )
        return
    for name, p in zip(preset_names(), policies, strict=True):
        out.print(f"[bold]{name:<12}[/] {escape(p.policy.title)} (version {p.version})")


@policy_app.command("check")
def check(
    file: Path = typer.Argument(..., help="A policy file (TOML)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Validate a policy file: a one-line summary, or every problem with file, line and field.
    A floor below the one its platform pledged (as the presets record it) is valid, with a
    warning naming the pledge."""
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        policy = load_policy(file)
    except PolicyFileError as exc:
        if as_json:
            emit_json(
                {
                    "valid": False,
                    "file": str(file),
                    "problems": [
                        {"line": p.line, "field": p.field, "message": p.message}
                        for p in exc.problems
                    ],
                }
            )
            raise typer.Exit(1) from None
        fail(escape(str(exc)))
    warnings = [str(w) for w in below_pledged_floor(policy)]
    if as_json:
        emit_json(
            {
                "valid": True,
                "file": str(file),
                "id": policy.id,
                "version": policy.version,
                "summary": one_line(policy),
                "warnings": warnings,
            }
        )
        return
    summary = f"{escape(str(file))}: valid — {escape(one_line(policy))}"
    out.print(summary, highlight=False, soft_wrap=True)  # one line, for scripts to read
    for warning in warnings:  # valid all the same: a platform may change its rule
        err.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)


@policy_app.command("show")
def show(
    name_or_file: str = typer.Argument(
        ..., help="A preset name (see `byline policy list`) or a policy file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    lang: str = typer.Option(
        "en", "--lang", help=f"Language of the explanation: {', '.join(LANGUAGES)}."
    ),
) -> None:
    """Explain a policy in plain words (in English, or in Chinese with --lang zh-CN)."""
    if lang not in LANGUAGES:
        fail(f"--lang {escape(lang)}: choose one of {', '.join(LANGUAGES)}")
    try:
        policy = load_policy(name_or_file)
    except PolicyFileError as exc:
        fail(escape(str(exc)))
    sections = explain(policy, lang)
    if as_json:
        emit_json(
            {
                "id": policy.id,
                "version": policy.version,
                "lang": lang,
                "sections": [{"title": s.title, "lines": list(s.lines)} for s in sections],
                "policy": policy.model_dump(mode="json"),
            }
        )
        return
    for section in sections:
        out.print(f"\n[bold]{escape(section.title)}[/]")
        for line in section.lines:
            out.print(f"  {escape(line)}", highlight=False)
