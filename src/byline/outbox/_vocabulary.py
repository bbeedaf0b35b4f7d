"""Outbox words: what a message is about, and where it stands, per endpoint and as a whole."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    """What a message tells the platform. Endpoints subscribe to topics."""

    NOTICE = "notice"  # a notice to a creator, relayed by the platform
    ENFORCEMENT = "enforcement"  # a restriction applied, changed or lifted
    LABEL = "label"  # a public label shown or removed
    AUDIT = "audit"  # the audit chain's head after a cycle, for the platform to witness


class DeliveryStatus(StrEnum):
    """A message's delivery to one endpoint: pending until a 2xx answer, then delivered."""

    PENDING = "pending"
    DELIVERED = "delivered"


class MessageStatus(StrEnum):
    """A message as a whole: pending while anyone it is for still lacks it."""

    PENDING = "pending"
    DELIVERED = "delivered"
