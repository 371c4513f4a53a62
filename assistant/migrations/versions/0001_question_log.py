"""The question log: one row per answered question, with the visitor's feedback.

Revision ID: 0001
Revises:
Create Date: 2025-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``question_log``."""
    op.create_table(
        "question_log",
        sa.Column("reply_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("masked", sa.String(255), nullable=False, server_default=""),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.String(255), nullable=True),
        sa.Column("intent", sa.String(255), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_question_log_created_at", "question_log", ["created_at"])


def downgrade() -> None:
    """Drop ``question_log``."""
    op.drop_index("ix_question_log_created_at", table_name="question_log")
    op.drop_table("question_log")
