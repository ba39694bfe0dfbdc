"""conversation labels: what a conversation was about, marked by the operator

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'conversation_labels',
        sa.Column('conversation_id', BIG_ID, nullable=False),
        sa.Column('label', sa.String(length=32), nullable=False),
        sa.Column('operator_id', BIG_ID, nullable=True),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operators.id']),
        sa.PrimaryKeyConstraint('conversation_id', 'label'),
    )
    with op.batch_alter_table('conversation_labels') as batch:
        batch.create_index('ix_conversation_labels_label', ['label'], unique=False)


def downgrade() -> None:
    op.drop_table('conversation_labels')
