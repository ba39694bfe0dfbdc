"""rating comment: the customer's own words on why a low rating was low

``comment`` is the message typed after «Подскажите, что пошло не так?» (or after «Другое»);
``comment_asked_at`` is when that question was asked — the customer's very next message within
``bot.rating.CHANGE_WINDOW`` is taken as the comment.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        asked = bot.storage.models.UTCDateTime(timezone=True)
        batch_op.add_column(sa.Column('comment_asked_at', asked, nullable=True))
        batch_op.create_index('ix_ratings_comment_asked_at', ['comment_asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_comment_asked_at')
        batch_op.drop_column('comment_asked_at')
        batch_op.drop_column('comment')
