"""Alembic environment: the connection is handed over by ``byline.store.migrate``."""

from __future__ import annotations

from alembic import context

from byline.store.migrate import full_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
