"""customer blocked: an operator keeps a spammer or abuser away from the people

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'customers',
        sa.Column('blocked_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('blocked_at')
