"""customer notes: what the team keeps about a customer across conversations

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'customer_notes',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('customer_id', BIG_ID, nullable=False),
        sa.Column('operator_id', BIG_ID, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operators.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('customer_notes') as batch:
        batch.create_index('ix_customer_notes_customer_id', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_table('customer_notes')
