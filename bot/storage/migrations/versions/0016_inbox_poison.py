"""the inbox gives up on an event that fails every time it is processed

``inbox.attempts`` counts the failed attempts to process an event; after a few of them
``failed_at`` is set with the last ``error`` and the recovery loop no longer retries it (a
message with a lone surrogate used to be retried every two minutes, forever). The row stays
for an admin to see; ``/healthz`` counts such rows (``ix_inbox_failed``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbox') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(
            sa.Column('failed_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column('error', sa.String(length=300), nullable=True))
        batch.create_index('ix_inbox_failed', ['failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox') as batch:
        batch.drop_index('ix_inbox_failed')
        batch.drop_column('error')
        batch.drop_column('failed_at')
        batch.drop_column('attempts')
