"""the period indexes carry what the statistics read: a month's figures without row lookups

``handoff.metrics`` reads a period's operator replies and customer messages (who wrote, in
which conversation, when) and counts a period's conversations per channel. With an index on
the time alone, SQLite looked up each of those rows in the table (two thirds of the time of
those reads for a month of 30 000 handoffs, docs/benchmarks.md). The period indexes now hold
the columns these reads need; they replace the time-only ones of 0019, so a write still
updates one index per table for them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (new index, old index of 0019, table, the new one's columns)
INDEXES = [
    (
        "ix_message_period",
        "ix_message_created_at",
        "messages",
        ["created_at", "author", "kind", "conversation_id", "operator_id"],
    ),
    (
        "ix_conversation_period",
        "ix_conversation_created_at",
        "conversations",
        ["created_at", "channel", "erased_at"],
    ),
]


def upgrade() -> None:
    for name, old, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for name, old, table, _ in INDEXES:
        op.create_index(old, table, ["created_at"], unique=False)
        op.drop_index(name, table_name=table)
