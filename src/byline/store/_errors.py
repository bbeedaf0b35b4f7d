"""The database's own errors, told apart for the doors: out of reach (a restart, a failover, a
network cut: try again shortly) or a statement that is wrong (a bug)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

DatabaseError = DBAPIError
"""Any error the database (or its driver) raised."""

Unreachable = OperationalError
"""The database could not be reached or refused to work (locked, gone, out of space): what an
operator at the command line can cause and fix."""


def database_unreachable(exc: BaseException) -> bool:
    """A database error that says the database cannot be reached or the connection was lost,
    as opposed to a statement that is wrong."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
