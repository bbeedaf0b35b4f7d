"""Every input limit, in one place: the API's schemas, the console's forms and the CLI's options
read these, and the services check them inside the call, whichever door it came from."""

from __future__ import annotations

from collections.abc import Sized

from byline.domain.errors import CodedError
from byline.domain.vocabulary import MAX_NOTE_CHARS

BULK_MAX = 100  # accounts in one bulk decision
KEY_LABEL_MAX = 120  # characters of an API key's label
POLICY_MAX_BYTES = 256 * 1024  # a policy file, UTF-8
NAME_MAX = 200  # characters of a submitted name
ACCOUNT_ID_MAX = 200
WEBHOOK_URL_MAX = 500
WEBHOOK_SECRET_MIN = 16
WEBHOOK_SECRET_MAX = 200
COUNTS_MAX = 1000  # follower counts in one push
NOTE_MAX = MAX_NOTE_CHARS

__all__ = [
    "ACCOUNT_ID_MAX",
    "BULK_MAX",
    "COUNTS_MAX",
    "KEY_LABEL_MAX",
    "NAME_MAX",
    "NOTE_MAX",
    "POLICY_MAX_BYTES",
    "WEBHOOK_SECRET_MAX",
    "WEBHOOK_SECRET_MIN",
    "WEBHOOK_URL_MAX",
    "LimitExceeded",
    "check_bulk",
    "check_key_label",
    "check_policy_source",
]


class LimitExceeded(CodedError, ValueError):
    """An input over (or under) one of these limits; the message names the field."""


def check_bulk(account_ids: Sized) -> None:
    if len(account_ids) == 0:
        raise LimitExceeded("account_ids: none given", code="bulk_none", most=BULK_MAX)
    if len(account_ids) > BULK_MAX:
        raise LimitExceeded(
            f"account_ids: at most {BULK_MAX} in one bulk decision",
            code="bulk_too_many",
            most=BULK_MAX,
        )


def check_key_label(label: str) -> None:
    if len(label) > KEY_LABEL_MAX:
        raise LimitExceeded(
            f"label: at most {KEY_LABEL_MAX} characters",
            code="key_label_too_long",
            most=KEY_LABEL_MAX,
        )


def check_policy_source(source: str) -> None:
    if len(source.encode("utf-8", "surrogatepass")) > POLICY_MAX_BYTES:
        raise LimitExceeded(
            f"policy file: larger than {POLICY_MAX_BYTES // 1024} KiB",
            code="policy_too_large",
            most=POLICY_MAX_BYTES // 1024,
        )
