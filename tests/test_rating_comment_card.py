"""The operator sees a customer's own words on a low rating in the customer card, next to the
score and the reason: «№12 · … · оценка 1 · «оператор не ответил на мой вопрос про сроки»»."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Conversation
from handoff.views import customer_card
from tests.handoff_kit import WALL_CLOCK, stack


async def test_the_card_shows_what_the_customer_wrote_about_a_low_rating(db: Database) -> None:
    async with stack(db) as s:
        anna = await s.operator("anna")
        conv_id = await s.escalate("c1")
        await s.service.reply(conv_id, anna, "Готово.")
        await s.service.close(conv_id, anna)
        await s.say("c1", "1", payload=f"rate:{conv_id}:1")
        await s.say("c1", "оператор не ответил на мой вопрос про сроки")
        async with db.read() as session:
            customer_id = await session.scalar(
                select(Conversation.customer_id).where(Conversation.id == conv_id)
            )
            assert customer_id is not None
            card = await customer_card(session, customer_id, WALL_CLOCK)
    [rated] = [c for c in card["conversations"] if c["id"] == conv_id]
    assert rated["rating"] == 1
    assert rated["rating_comment"] == "оператор не ответил на мой вопрос про сроки"
