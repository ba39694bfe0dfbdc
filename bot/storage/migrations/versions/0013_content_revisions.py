"""content revisions: what each editor's change rewrote, so that it can be undone

``content_revisions`` keeps the content files a change rewrote as they were before it;
``editor_actions.revision_id`` points each journal line at its change («Отменить»).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'content_revisions',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('kept', sa.Boolean(), nullable=False),
        sa.Column('operator_id', BIG_ID, nullable=False),
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reverted_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reverted_by', BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(['operator_id'], ['operators.id']),
        sa.ForeignKeyConstraint(['reverted_by'], ['operators.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('editor_actions') as batch:
        batch.add_column(sa.Column('revision_id', BIG_ID, nullable=True))
        batch.create_foreign_key(
            'fk_editor_actions_revision', 'content_revisions', ['revision_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('editor_actions') as batch:
        batch.drop_constraint('fk_editor_actions_revision', type_='foreignkey')
        batch.drop_column('revision_id')
    op.drop_table('content_revisions')
