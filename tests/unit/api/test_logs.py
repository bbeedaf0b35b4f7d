"""The server's log lines: written in batches, in order, never lost at a warning or shutdown."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from byline.api import _logs
from byline.api._context import _RequestIds
from byline.api._logs import LineBatchHandler, configure_logging, line_writer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Counted(io.StringIO):
    """A stream that counts its write calls."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, Counted, Clock]]:
    stream, clock = Counted(), Clock()
    handler = LineBatchHandler(stream, delay=0.2, max_lines=3, clock=clock, background=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("byline-test-lines")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log, stream, clock
    log.handlers[:] = []


def test_lines_wait_for_a_batch_and_come_out_in_order(
    logger: tuple[logging.Logger, Counted, Clock],
) -> None:
    log, stream, _ = logger
    log.info("one")
    log.info("two")
    assert stream.getvalue() == ""  # waiting
    log.info("three")  # the batch is full
    assert stream.getvalue() == "one\ntwo\nthree\n" and stream.writes == 1


def test_a_warning_is_written_at_once_after_what_came_before(
    logger: tuple[logging.Logger, Counted, Clock],
) -> None:
    log, stream, _ = logger
    log.info("request")
    log.warning("trouble")
    assert stream.getvalue() == "request\ntrouble\n"


def test_a_line_waits_no_longer_than_the_delay(
    logger: tuple[logging.Logger, Counted, Clock],
) -> None:
    log, stream, clock = logger
    log.info("early")
    clock.now = 0.1
    log.info("still waiting")
    assert stream.getvalue() == ""
    clock.now = 0.25  # the oldest line is older than the delay: the next line writes them all
    log.info("late")
    assert stream.getvalue() == "early\nstill waiting\nlate\n"


def test_flushing_writes_what_waits_as_logging_does_at_shutdown(
    logger: tuple[logging.Logger, Counted, Clock],
) -> None:
    log, stream, _ = logger
    log.info("last words")
    handler = log.handlers[0]
    assert isinstance(handler, LineBatchHandler)
    handler.add_line("a line without a record")
    handler.flush()
    assert stream.getvalue() == "last words\na line without a record\n"
    handler.flush()  # nothing left: nothing written twice
    assert stream.getvalue().count("last words") == 1


def test_request_lines_skip_records_only_while_the_installed_handler_alone_takes_them() -> None:
    root, api = logging.getLogger("byline"), logging.getLogger("byline.api")
    saved = (root.handlers[:], root.level, root.propagate, _logs._installed)
    try:
        _logs._installed = None
        assert line_writer(api) is None  # logging not configured by Byline: records as usual
        configure_logging()
        installed = _logs._installed
        assert installed is not None and line_writer(api) == installed.add_line
        extra = logging.NullHandler()
        api.addHandler(extra)  # someone listens to the API's lines: records again
        assert line_writer(api) is None
        api.removeHandler(extra)
        root.addFilter(lambda record: True)
        assert line_writer(api) is None
    finally:
        if _logs._installed is not None:
            _logs._installed.close()  # its tick stops; nothing is left to write later
        root.filters.clear()
        root.handlers[:], root.level, root.propagate, _logs._installed = saved


def test_request_ids_are_unique_and_differ_between_processes() -> None:
    ids = _RequestIds()
    made = [ids() for _ in range(1000)]
    assert len(set(made)) == 1000 and all(len(i) == 32 for i in made)
    first_prefix = made[0][:16]
    ids.reseed()  # as in a forked child
    assert ids()[:16] != first_prefix


class Broken(io.StringIO):
    """A stream whose reader is gone (a closed pipe)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError("the reader is gone")

    def flush(self) -> None:
        raise BrokenPipeError("the reader is gone")


def test_a_broken_stream_never_raises_into_the_code_that_logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = LineBatchHandler(Broken(), max_lines=2, background=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("byline-test-broken")
    log.handlers[:] = [handler]
    log.propagate = False
    try:
        log.warning("written at once: fails, reported, not raised")
        handler.add_line("one")
        handler.add_line("two")  # a full batch: fails, reported, not raised
        handler.flush()
        handler.close()  # reported too; then nothing is left for logging's shutdown to try
    finally:
        log.handlers[:] = []
    assert "Logging error" in capsys.readouterr().err  # as logging reports a failed write
