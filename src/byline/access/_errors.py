"""The refusals of access: a sign-in or a token that cannot be accepted."""

from __future__ import annotations


class SignInError(ValueError):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""


class TokenError(ValueError):
    """The token cannot be accepted; the message says why (never echoes the token)."""
