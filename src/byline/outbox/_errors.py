"""The refusals of the outbox and its webhooks: personal data in a payload, an address not
sent to, a bad signature, a delivery that got no answer."""

from __future__ import annotations

from byline.domain.errors import CodedError


class PersonalDataError(ValueError):
    """A payload key names personal data; outbox messages carry ids, never names."""


class AddressRefused(CodedError, ValueError):
    """A webhook URL Byline will not send to. ``str()`` names the field (``url: ...``);
    ``reason`` is the same without it (what a delivery attempt records)."""

    def __init__(self, reason: str, *, code: str, **facts: str | int) -> None:
        super().__init__(f"url: {reason}", code=code, **facts)
        self.reason = reason


class SignatureError(ValueError):
    """A webhook request whose signature is missing, malformed, wrong or stale."""


class DeliveryError(Exception):
    """The request did not get an answer (refused, timed out, reset, bad URL)."""
