"""the editor's journal records changes made from a shell (zabota kb import)

``editor_actions.operator_id`` and ``content_revisions.operator_id`` become nullable: NULL is
the command line, which has no operator account. The journal shows such a line as the
command line's, and «Отменить» undoes it like any other.

The downgrade deletes those lines and their revisions (the older schema has no way to say who
made them); every operator's line stays.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('editor_actions') as batch:
        batch.alter_column('operator_id', existing_type=BIG_ID, nullable=True)
    with op.batch_alter_table('content_revisions') as batch:
        batch.alter_column('operator_id', existing_type=BIG_ID, nullable=True)


def downgrade() -> None:
    op.execute(
        'DELETE FROM editor_actions WHERE operator_id IS NULL OR revision_id IN '
        '(SELECT id FROM content_revisions WHERE operator_id IS NULL)'
    )
    op.execute('DELETE FROM content_revisions WHERE operator_id IS NULL')
    with op.batch_alter_table('content_revisions') as batch:
        batch.alter_column('operator_id', existing_type=BIG_ID, nullable=False)
    with op.batch_alter_table('editor_actions') as batch:
        batch.alter_column('operator_id', existing_type=BIG_ID, nullable=False)
