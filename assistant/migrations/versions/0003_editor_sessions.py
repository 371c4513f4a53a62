"""Revocable editor sessions: a random session token per account, changed to end every session at once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``editor_account.session_token``; every existing account gets a fresh one (logging everyone out)."""
    op.add_column("editor_account", sa.Column("session_token", sa.String(64), nullable=False, server_default=""))
    account = sa.table("editor_account", sa.column("name", sa.String), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for name in connection.execute(sa.select(account.c.name)).scalars().all():
        connection.execute(account.update().where(account.c.name == name)
                           .values(session_token=secrets.token_urlsafe(32)))


def downgrade() -> None:
    """Drop ``editor_account.session_token``."""
    with op.batch_alter_table("editor_account") as batch:
        batch.drop_column("session_token")
