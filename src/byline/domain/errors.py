"""Errors a person can cause, said so that any adapter can say them again in its reader's language.

A ``CodedError`` keeps its English message (``str(exc)``: logs, the CLI, the API's problem
details) and adds a stable ``code`` and the ``facts`` the message was made from (a case state,
a limit), so the console can look the code up in its catalogue (``error.service.<code>``) and
word it in Chinese or English. Facts are never names or document numbers.
"""

from __future__ import annotations


class CodedError(Exception):
    def __init__(self, message: str, *, code: str = "", **facts: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.facts = facts
