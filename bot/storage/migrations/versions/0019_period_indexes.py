"""indexes for a period's rows: the statistics no longer scan the whole history

The manager's figures (``handoff.metrics``) read one period's handoffs, conversations,
operator replies, closings and ratings by time; without an index on those times each query
read every row ever stored — nothing in a month-old database, seconds in a year-old one.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 07:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ('ix_conversation_escalated_at', 'conversations', 'escalated_at'),
    ('ix_conversation_created_at', 'conversations', 'created_at'),
    ('ix_message_created_at', 'messages', 'created_at'),
    ('ix_transition_at', 'transitions', 'at'),
    ('ix_rating_created_at', 'ratings', 'created_at'),
]


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
