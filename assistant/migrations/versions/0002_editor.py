"""Editor accounts and the editors' decisions on logged questions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``editor_account`` and ``editor_review``."""
    op.create_table(
        "editor_account",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "editor_review",
        sa.Column("reply_id", sa.String(32), primary_key=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entry_id", sa.String(255), nullable=True),
        sa.Column("editor", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_editor_review_decided_at", "editor_review", ["decided_at"])


def downgrade() -> None:
    """Drop ``editor_review`` and ``editor_account``."""
    op.drop_index("ix_editor_review_decided_at", table_name="editor_review")
    op.drop_table("editor_review")
    op.drop_table("editor_account")
