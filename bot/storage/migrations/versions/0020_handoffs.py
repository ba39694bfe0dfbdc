"""every handover to people is kept as its own row: a new one no longer rewrites the past

``handoffs`` keeps one row per handover of a conversation (:mod:`bot.storage.handoffs`): when
it began and why, when and who first answered, when and how it ended. Before, only the
conversation's ``escalated_at`` / ``first_response_at`` told it, and a second handover
overwrote them: the first one's first response, later replies and resolution vanished from
the statistics.

The backfill rebuilds the past handovers from the owner changes kept in ``transitions`` (bot →
queue or operator begins one; queue or operator → bot or closed ends it), takes the latest
one's times and reason from the conversation row as they were, and a conversation handed over
without any such transition from its row alone; each handover's first response (where the row
did not keep it) and first operator are its first operator message between its start and end.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MOMENT = bot.storage.models.UTCDateTime(timezone=True)
HUMAN = ('queued', 'operator')
SAME = timedelta(seconds=2)  # the row's escalated_at and its transition's time differ by µs

handoffs = sa.table(
    'handoffs',
    sa.column('id', BIG_ID),
    sa.column('conversation_id', BIG_ID),
    sa.column('reason', sa.String),
    sa.column('escalated_at', MOMENT),
    sa.column('first_response_at', MOMENT),
    sa.column('first_operator_id', BIG_ID),
    sa.column('ended_at', MOMENT),
    sa.column('outcome', sa.String),
)
conversations = sa.table(
    'conversations',
    sa.column('id', BIG_ID),
    sa.column('owner', sa.String),
    sa.column('escalated_at', MOMENT),
    sa.column('escalation_reason', sa.String),
    sa.column('first_response_at', MOMENT),
    sa.column('closed_at', MOMENT),
    sa.column('updated_at', MOMENT),
)
transitions = sa.table(
    'transitions',
    sa.column('id', BIG_ID),
    sa.column('conversation_id', BIG_ID),
    sa.column('from_owner', sa.String),
    sa.column('to_owner', sa.String),
    sa.column('reason', sa.String),
    sa.column('at', MOMENT),
)
messages = sa.table(
    'messages',
    sa.column('id', BIG_ID),
    sa.column('conversation_id', BIG_ID),
    sa.column('author', sa.String),
    sa.column('kind', sa.String),
    sa.column('operator_id', BIG_ID),
    sa.column('created_at', MOMENT),
)


def upgrade() -> None:
    op.create_table(
        'handoffs',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('conversation_id', BIG_ID, nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.Column('escalated_at', MOMENT, nullable=False),
        sa.Column('first_response_at', MOMENT, nullable=True),
        sa.Column('first_operator_id', BIG_ID, nullable=True),
        sa.Column('ended_at', MOMENT, nullable=True),
        sa.Column('outcome', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
        sa.ForeignKeyConstraint(['first_operator_id'], ['operators.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoffs_conversation_id', 'handoffs', ['conversation_id'], unique=False)
    op.create_index('ix_handoff_escalated_at', 'handoffs', ['escalated_at'], unique=False)
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_handoff_escalated_at', table_name='handoffs')
    op.drop_index('ix_handoffs_conversation_id', table_name='handoffs')
    op.drop_table('handoffs')


def _backfill(bind: sa.Connection) -> None:
    moves = bind.execute(
        sa.select(
            transitions.c.conversation_id,
            transitions.c.from_owner,
            transitions.c.to_owner,
            transitions.c.reason,
            transitions.c.at,
        )
        .where(
            sa.or_(
                sa.and_(transitions.c.from_owner == 'bot', transitions.c.to_owner.in_(HUMAN)),
                sa.and_(
                    transitions.c.from_owner.in_(HUMAN),
                    transitions.c.to_owner.in_(('bot', 'closed')),
                ),
            )
        )
        .order_by(transitions.c.conversation_id, transitions.c.at, transitions.c.id)
    ).all()
    found: dict[int, list[dict[str, Any]]] = {}
    for conversation_id, was, now, reason, at in moves:
        theirs = found.setdefault(conversation_id, [])
        current = theirs[-1] if theirs and theirs[-1]['ended_at'] is None else None
        if was == 'bot':
            if current is not None:  # a start without an end: the next start ends it
                current['ended_at'] = at
            theirs.append(_handoff(conversation_id, reason if now == 'queued' else None, at))
            if now == 'operator':
                theirs[-1]['reason'] = 'operator_joined'
        elif current is not None:
            current['ended_at'], current['outcome'] = at, reason
    rows = bind.execute(
        sa.select(
            conversations.c.id,
            conversations.c.owner,
            conversations.c.escalated_at,
            conversations.c.escalation_reason,
            conversations.c.first_response_at,
            conversations.c.closed_at,
            conversations.c.updated_at,
        ).where(conversations.c.escalated_at.is_not(None))
    ).all()
    for conversation_id, owner, escalated, reason, answered, closed, updated in rows:
        theirs = found.setdefault(conversation_id, [])
        latest = next((h for h in theirs if abs(h['escalated_at'] - escalated) <= SAME), None)
        if latest is None:  # handed over with no transition kept: the row alone tells it
            latest = _handoff(conversation_id, reason, escalated)
            if owner not in HUMAN:
                latest['ended_at'] = closed or updated
            theirs.append(latest)
            theirs.sort(key=lambda h: h['escalated_at'])
        latest.update(escalated_at=escalated, reason=reason, first_response_at=answered)
    everything = [h for theirs in found.values() for h in theirs]
    for start in range(0, len(everything), 5000):
        bind.execute(sa.insert(handoffs), everything[start : start + 5000])
    _first_answers(bind)


def _handoff(conversation_id: int, reason: str | None, at: datetime) -> dict[str, Any]:
    return {
        'conversation_id': conversation_id,
        'reason': reason,
        'escalated_at': at,
        'first_response_at': None,
        'first_operator_id': None,
        'ended_at': None,
        'outcome': None,
    }


def _first_answers(bind: sa.Connection) -> None:
    """Each handover's first operator message between its start and end: its first response
    where the row did not keep one, and who gave it."""
    reply = messages.alias('reply')
    first = (
        sa.select(reply.c.created_at, reply.c.operator_id)
        .where(
            reply.c.conversation_id == handoffs.c.conversation_id,
            reply.c.author == 'operator',
            reply.c.kind == 'message',
            reply.c.operator_id.is_not(None),
            reply.c.created_at >= handoffs.c.escalated_at,
            sa.or_(handoffs.c.ended_at.is_(None), reply.c.created_at <= handoffs.c.ended_at),
        )
        .order_by(reply.c.created_at, reply.c.id)
        .limit(1)
    )
    bind.execute(
        sa.update(handoffs).values(
            first_operator_id=first.with_only_columns(reply.c.operator_id).scalar_subquery(),
            first_response_at=sa.func.coalesce(
                handoffs.c.first_response_at,
                first.with_only_columns(reply.c.created_at).scalar_subquery(),
            ),
        )
    )
