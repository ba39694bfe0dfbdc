"""a join of two customer cards is recorded, so that it can be undone

``customer_merges`` keeps, per join, the ids that moved from the joined customer to the kept
one (identities, conversations, notes) and which of the kept customer's fields the join filled;
«Разъединить» in the console moves them back (:mod:`handoff.unmerging`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'customer_merges',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('keep_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('joined_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('operator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('moved', sa.JSON(), nullable=False),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('undone_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('undone_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.ForeignKeyConstraint(['keep_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['joined_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['operator_id'], ['operators.id']),
        sa.ForeignKeyConstraint(['undone_by'], ['operators.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_merges_keep_id', 'customer_merges', ['keep_id'], unique=False)
    op.create_index('ix_customer_merges_joined_id', 'customer_merges', ['joined_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_merges_joined_id', table_name='customer_merges')
    op.drop_index('ix_customer_merges_keep_id', table_name='customer_merges')
    op.drop_table('customer_merges')
