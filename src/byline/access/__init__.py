"""API access: hashed keys bound to a platform and a role; creator tokens signed by platforms."""

from byline.access._errors import SignInError, TokenError
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
from byline.access._staff import (
    STAFF_SESSION,
    Session,
    check_password,
    close_session,
    create_user,
    disable_user,
    list_users,
    open_session,
    read_session,
    spend_entry_link,
    user_exists,
)
from byline.access._tokens import CLOCK_SKEW, issue_creator_token, read_creator_token, token_expiry

__all__ = [
    "CLOCK_SKEW",
    "STAFF_SESSION",
    "Principal",
    "Role",
    "Session",
    "SignInError",
    "TokenError",
    "authenticate",
    "check_password",
    "close_session",
    "create_key",
    "create_user",
    "creator_token_key",
    "disable_user",
    "issue_creator_token",
    "list_keys",
    "list_users",
    "open_session",
    "read_creator_token",
    "read_session",
    "revoke_key",
    "set_creator_token_key",
    "spend_entry_link",
    "token_expiry",
    "user_exists",
]
