"""The stream consumer: a front door that reads follow and count events from a Redis Stream and
keeps the live counter of the ``Live`` service (``byline stream run``)."""

from byline.stream._consumer import Consumer, StreamSettings
from byline.stream._decode import Refusal, decode
from byline.stream._gaps import Gap, StreamGap
from byline.stream._send import lines_of, send_events

__all__ = [
    "Consumer",
    "Gap",
    "Refusal",
    "StreamGap",
    "StreamSettings",
    "decode",
    "lines_of",
    "send_events",
]
