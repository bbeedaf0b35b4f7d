"""The errors a user can cause and fix, each with a message that says what and where.

Adapters (CLI, API) show these as they are; anything else is a bug and is not caught."""

from __future__ import annotations

from byline import store
from byline.cases import ConcurrentUpdate
from byline.domain.cases import TransitionError
from byline.engine import DiffError, SnapshotError
from byline.policy import PolicyFileError
from byline.service._desk import AssignmentConflict, NameNotSeen, NoCase
from byline.service.access import NoKey, NoUser
from byline.service.cycle import CycleRunning, StaleSnapshot
from byline.service.limits import LimitExceeded
from byline.service.policies import NoActivePolicy
from byline.service.webhooks_admin import NoEndpoint
from byline.vault import VaultError


class NoDatabase(LookupError):
    """The database named does not exist (yet): a mistyped --db must not look like an empty one."""


USER_ERRORS: tuple[type[Exception], ...] = (
    NoDatabase,
    AssignmentConflict,
    ConcurrentUpdate,
    LimitExceeded,
    CycleRunning,
    DiffError,
    NameNotSeen,
    NoActivePolicy,
    NoCase,
    NoEndpoint,
    NoKey,
    NoUser,
    PolicyFileError,
    SnapshotError,
    StaleSnapshot,
    TransitionError,
    VaultError,
)

# For adapters that map errors to statuses (the API): what kind of mistake each is.
NotFoundError: tuple[type[Exception], ...] = (
    NoActivePolicy,
    NoCase,
    NoEndpoint,
    NoKey,
    NoUser,
)
ConflictError: tuple[type[Exception], ...] = (
    AssignmentConflict,
    NameNotSeen,
    TransitionError,
    ConcurrentUpdate,
    CycleRunning,
    StaleSnapshot,
)
InvalidInputError: tuple[type[Exception], ...] = (
    LimitExceeded,
    PolicyFileError,
    SnapshotError,
    DiffError,
    VaultError,
    ValueError,
)

# What an operator at the command line can cause: the user errors, bad values, files that
# cannot be read or written, a database that cannot be reached. Shown as one line, no trace.
OPERATOR_ERRORS: tuple[type[Exception], ...] = (
    *USER_ERRORS,
    ValueError,
    OSError,
    store.Unreachable,
)


# The database's own errors, for a door to tell "out of reach" (a restart, a failover, a network
# cut: try again shortly) from a bug: ``DatabaseError`` and ``database_unreachable(exc)``, from
# the store.
DatabaseError = store.DatabaseError
database_unreachable = store.database_unreachable
