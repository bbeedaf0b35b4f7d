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
from byline.access._staff import (
    STAFF_SESSION,
    Session,
    SignInError,
    check_password,
    close_session,
    create_user,
    disable_user,
    list_users,
    open_session,
    read_session,
    user_exists,
)
from byline.access._tables import api_keys, console_sessions, creator_token_keys, staff_users
from byline.access._tokens import (
    TokenError,
    issue_creator_token,
    read_creator_token,
    token_expiry,
)

__all__ = [
    "STAFF_SESSION",
    "Principal",
    "Role",
    "Session",
    "SignInError",
    "TokenError",
    "api_keys",
    "authenticate",
    "check_password",
    "close_session",
    "console_sessions",
    "create_key",
    "create_user",
    "creator_token_key",
    "creator_token_keys",
    "disable_user",
    "issue_creator_token",
    "list_keys",
    "list_users",
    "open_session",
    "read_creator_token",
    "read_session",
    "revoke_key",
    "set_creator_token_key",
    "staff_users",
    "token_expiry",
    "user_exists",
]
