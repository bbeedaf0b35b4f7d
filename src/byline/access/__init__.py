"""API access: hashed keys bound to a platform and a role; creator tokens signed by platforms."""

from byline.access._keys import (
    Principal,
    Role,
    authenticate,
    create_key,
    creator_token_key,
    list_keys,
    revoke_key,
    set_creator_token_key,
)
from byline.access._tables import api_keys, creator_token_keys
from byline.access._tokens import TokenError, issue_creator_token, read_creator_token

__all__ = [
    "Principal",
    "Role",
    "TokenError",
    "api_keys",
    "authenticate",
    "create_key",
    "creator_token_key",
    "creator_token_keys",
    "issue_creator_token",
    "list_keys",
    "read_creator_token",
    "revoke_key",
    "set_creator_token_key",
]
