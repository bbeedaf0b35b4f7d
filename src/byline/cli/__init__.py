"""The ``byline`` command line: thin adapters that parse, call one service, and render."""

from byline.cli import _demo, _evaluate, _policy, _synth  # noqa: F401  (each registers commands)
from byline.cli._app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
