"""Labels: what a conversation was about, in the operator's words («Возврат и обмен», «Брак»).

The bot's statistics say after which question a conversation reached a person
(:mod:`handoff.metrics_reasons`); a label says what it turned out to be, as Chatwoot's labels and
Zendesk's tags do. The team's labels are ``handoff.labels`` in config.yml (id → title); anyone in
the console sets a conversation's labels (the whole set at once, so two clicks never race into a
half-state), and the statistics count them over the conversations handed over in a period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bus import BusEvent
from bot.storage.models import Conversation, ConversationLabel, Handoff, Operator
from handoff.errors import HandoffError, NotFound
from handoff.service import HandoffService
from handoff.views import conversation_labels


def available(titles: Mapping[str, str]) -> list[dict[str, str]]:
    """The configured labels, in the config's order, for the console."""
    return [{"id": label, "title": title} for label, title in titles.items()]


async def set_labels(
    service: HandoffService, conversation_id: int, operator: Operator, labels: Iterable[str]
) -> list[str]:
    """Make ``labels`` the conversation's labels; an unknown one refuses them all."""
    titles = service.config.labels
    wanted = sorted(set(labels))
    unknown = [label for label in wanted if label not in titles]
    if unknown:
        raise HandoffError(f"Нет такой метки: {', '.join(unknown)}.", "unknown_label")
    async with service.db.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("Диалог не найден.", "not_found")
        current = set(await conversation_labels(session, conversation_id))
        gone = current - set(wanted)
        if gone:
            await session.execute(
                delete(ConversationLabel).where(
                    ConversationLabel.conversation_id == conversation_id,
                    ConversationLabel.label.in_(gone),
                )
            )
        session.add_all(
            ConversationLabel(conversation_id=conversation_id, label=label, operator_id=operator.id)
            for label in wanted
            if label not in current
        )
    service.bus.publish(
        BusEvent("labels", conversation_id, conversation.customer_id, {"labels": wanted})
    )
    return wanted


async def counted(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    titles: Mapping[str, str],
    total: int | None = None,
) -> dict[str, Any]:
    """Labels of the conversations handed over in ``[since, until)``: how many carry each
    (most frequent first) and how many carry none. A caller that has counted those
    conversations already passes the ``total``."""
    handed = select(Handoff.conversation_id).where(  # every handoff (bot.storage.handoffs)
        Handoff.escalated_at >= since, Handoff.escalated_at < until
    )
    # One read of those conversations' labels (the period's handoffs listed once).
    labelled_ids: set[int] = set()
    counts: Counter[str] = Counter()
    for conversation_id, label in await session.execute(
        select(ConversationLabel.conversation_id, ConversationLabel.label).where(
            ConversationLabel.conversation_id.in_(handed)
        )
    ):
        labelled_ids.add(conversation_id)
        counts[label] += 1
    labelled = len(labelled_ids)
    if total is None:
        total = await session.scalar(select(func.count()).select_from(handed.distinct().subquery()))
    return {
        "labels": [
            {
                "label": label,
                "title": titles.get(label, label),
                "count": n,
                "share": round(n / total, 3) if total else None,
            }
            for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        "unlabelled": int(total or 0) - labelled,
    }
