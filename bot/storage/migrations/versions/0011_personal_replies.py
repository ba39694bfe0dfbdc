"""personal ready replies: an operator's own «шаблоны» beside the team's

``canned_replies.owner_id`` (NULL: the team's); a shortcut is unique per owner instead of in
the whole table, so Anna's «/спс» does not take Boris's. The table is rebuilt (SQLite cannot
drop a constraint in place), keeping every reply and its id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _create(name: str, *, personal: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('shortcut', sa.String(length=32), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('operator_id', BIG_ID, nullable=True),
    ]
    constraints: list[sa.schema.SchemaItem] = [
        sa.ForeignKeyConstraint(['operator_id'], ['operators.id']),
        sa.PrimaryKeyConstraint('id'),
    ]
    if personal:
        columns.append(sa.Column('owner_id', BIG_ID, nullable=True))
        constraints += [
            sa.ForeignKeyConstraint(['owner_id'], ['operators.id']),
            sa.UniqueConstraint('shortcut', 'owner_id', name='uq_canned_shortcut_owner'),
        ]
    else:
        constraints.append(sa.UniqueConstraint('shortcut'))
    columns.append(
        sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False)
    )
    op.create_table(name, *columns, *constraints)


def _rebuild(*, personal: bool) -> None:
    _create('canned_replies_new', personal=personal)
    op.execute(
        'INSERT INTO canned_replies_new (id, shortcut, text, operator_id, created_at) '
        'SELECT id, shortcut, text, operator_id, created_at FROM canned_replies'
        + ('' if personal else ' WHERE owner_id IS NULL')
    )
    op.drop_table('canned_replies')
    op.rename_table('canned_replies_new', 'canned_replies')
    if op.get_bind().dialect.name == 'postgresql':  # the copied ids: the sequence goes on
        op.execute(
            "SELECT setval(pg_get_serial_sequence('canned_replies', 'id'), "
            'COALESCE(MAX(id), 0) + 1, false) FROM canned_replies'
        )


def upgrade() -> None:
    _rebuild(personal=True)


def downgrade() -> None:
    _rebuild(personal=False)  # the team's replies stay; personal ones go
