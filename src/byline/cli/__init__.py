"""The ``byline`` command line: thin adapters that parse, call one service, and render."""

from byline.cli import (  # noqa: F401  (each registers its commands)
    _cases,
    _count,
    _cycle,
    _demo,
    _displays,
    _enforcement,
    _evaluate,
    _log,
    _operations,
    _policy,
    _report,
    _serve,
    _simulate,
    _stream,
    _synth,
)
from byline.cli._app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
