"""operator auto away: when the server, not the operator, set «Не на месте»

``operators.auto_away_at`` is set when every console window of an online operator has been
closed or unreachable for ``handoff.presence_grace_seconds``, and cleared by any status the
operator (or a login) sets; while it is set, the console says why the status changed and how to
come back.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        at = bot.storage.models.UTCDateTime(timezone=True)
        batch_op.add_column(sa.Column("auto_away_at", at, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("auto_away_at")
