"""Alembic environment for the question log, configured in code by :func:`assistant.database.alembic_config`.

:meth:`assistant.database.QuestionLog.migrate` hands in an open connection (``config.attributes["connection"]``);
otherwise one is opened from the ``sqlalchemy.url`` option, e.g. to autogenerate a new revision with
``alembic.command.revision(alembic_config(url), "message", autogenerate=True)``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from assistant.database import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations over the given connection, or over a new one to ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()


run_migrations_online()
