"""The server's log: JSON lines on stderr, written in batches.

A busy server writes a line per request; one write call per line costs more than the label
lookup itself. ``LineBatchHandler`` keeps lines for at most ``delay`` seconds (or until
``max_lines`` wait; a thread writes what waits every ``delay``) and writes them in one call;
a WARNING or worse is written at once, after the lines that came before it, and everything
waiting is written when logging shuts down.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


class LineBatchHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        delay: float = 0.2,
        max_lines: int = 512,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.delay, self.max_lines, self._clock = delay, max_lines, clock
        self._pending: list[str] = []
        self._oldest = 0.0
        self._closed = False
        if background:  # writes what waits when no new line comes to do it
            self._start_ticking()
            os.register_at_fork(after_in_child=self._after_fork)

    def _start_ticking(self) -> None:
        threading.Thread(target=self._tick, name="log-lines", daemon=True).start()

    def _after_fork(self) -> None:
        """In a forked child: the parent writes what waited; the child ticks on its own."""
        self._pending = []
        self._start_ticking()

    def emit(self, record: logging.LogRecord) -> None:
        # Called by Handler.handle with self.lock held.
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        now = self._clock()
        if not self._pending:
            self._oldest = now
        self._pending.append(line)
        if (
            record.levelno >= logging.WARNING
            or len(self._pending) >= self.max_lines
            or now - self._oldest >= self.delay
        ):
            self._write()

    def add_line(self, line: str) -> None:
        """Take a line already formatted, at INFO, as ``emit`` would, without a LogRecord and
        without reading the clock: it waits for a full batch or the next tick (``delay``)."""
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line)
            if len(self._pending) >= self.max_lines:
                self._write()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._closed:
                self._write()

    def _write(self) -> None:
        """Write what waits; a stream that fails is reported as logging reports it (never
        raised to the code that logs)."""
        lines, self._pending = self._pending, []
        try:
            if lines:
                self.stream.write(self.terminator.join(lines) + self.terminator)
            super().flush()
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": f"{len(lines)} log lines not written"}))

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._closed:
                self._write()
            self._closed = True
        super().close()

    def _tick(self) -> None:
        while not self._closed:
            time.sleep(self.delay)
            try:
                if not self._closed:
                    self.flush()
            except Exception:  # the tick goes on whatever happens to one write
                continue


_installed: LineBatchHandler | None = None


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the ``byline`` loggers, written in batches."""
    global _installed
    handler = LineBatchHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("byline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    _installed = handler


def line_writer(logger: logging.Logger) -> Callable[[str], None] | None:
    """Where ``logger``'s INFO lines may go without a LogRecord each: the batch of the handler
    ``configure_logging`` installed, while it alone takes them (no other handler or filter on
    the way). None otherwise: then log through ``logger`` as usual."""
    handler = _installed
    if handler is None or logger.filters or logger.handlers or not logger.propagate:
        return None
    parent = logger.parent
    if parent is None or parent.name != "byline" or parent.handlers != [handler] or parent.filters:
        return None
    return handler.add_line
