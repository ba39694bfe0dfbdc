"""QA7 defect 3: «Подскажите, что пошло не так?» can be answered in the customer's own words.

End to end on SQLite and PostgreSQL (the handoff kit's real engine): the words typed after a low
rating (or after «Другое») are the rating's comment, thanked for — not a new question, hand-off
or complaint; a clear call for a person still reaches one; only the very next message, and only
within bot.rating.CHANGE_WINDOW, is taken.

The engine calls ``bot.rating.comment`` before anything else reads the message (the hook in
``bot/engine.py`` ``_write``, right after the rating buttons).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.ownership import Owner
from bot.rating import CHANGE_WINDOW
from bot.rating_words import asks_for_something_else
from bot.storage.db import Database
from bot.storage.erasure import forget_customer
from bot.storage.export import personal_data
from bot.storage.models import Conversation, Message, Rating, utcnow
from tests.handoff_kit import Stack, stack


async def _rated_low(s: Stack, score: int = 1) -> int:
    """Anna helps customer c1 and closes; c1 presses «score»: the conversation's id."""
    anna = await s.operator("anna")
    conv_id = await s.escalate("c1")
    await s.service.reply(conv_id, anna, "Готово.")
    await s.service.close(conv_id, anna)
    await s.say("c1", str(score), payload=f"rate:{conv_id}:{score}")
    return conv_id


async def _rating(db: Database, conv_id: int) -> Rating:
    async with db.read() as session:
        rating = await session.scalar(select(Rating).where(Rating.conversation_id == conv_id))
    assert rating is not None
    return rating


async def _conversations(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Conversation)) or 0)


async def test_the_words_typed_after_a_low_rating_are_its_reason(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s)
        assert "напишите своими словами" in (await s.texts("c1"))[-1]
        # The customer types instead of pressing a button — with «оператор» in it.
        await s.say("c1", "оператор не ответил на мой вопрос про сроки")
        assert (await s.texts("c1"))[-1] == "Спасибо! Передам руководителю поддержки — разберёмся."
        rating = await _rating(db, conv_id)
        assert (rating.score, rating.reason) == (1, None)
        assert rating.comment == "оператор не ответил на мой вопрос про сроки"
        # No new conversation, no hand-off: the words are in the rated conversation's history.
        assert await _conversations(db) == 1
        assert (await s.conversation(conv_id)).owner == Owner.CLOSED.value
        async with db.read() as session:
            last_in = await session.scalar(
                select(Message)
                .where(Message.conversation_id == conv_id, Message.direction == "in")
                .order_by(Message.id.desc())
                .limit(1)
            )
        assert last_in is not None and last_in.text.startswith("оператор не ответил")
        # Only the very next message: the one after it is a new conversation with the bot.
        await s.say("c1", "долго отвечали и толком ничего не объяснили")
        assert await _conversations(db) == 2
        assert (await _rating(db, conv_id)).comment == rating.comment


async def test_other_asks_what_it_was_and_keeps_the_answer(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s, 2)
        await s.say("c1", "Другое", payload=f"rate_reason:{conv_id}:other")
        assert (await s.texts("c1"))[-1].startswith("Расскажите, пожалуйста, в двух словах")
        await s.say("c1", "курьер нагрубил по телефону")
        assert (await s.texts("c1"))[-1].startswith("Спасибо! Передам руководителю")
        rating = await _rating(db, conv_id)
        assert (rating.reason, rating.comment) == ("other", "курьер нагрубил по телефону")


async def test_a_reason_button_is_the_answer_and_ends_the_wait(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s, 3)
        await s.say("c1", "Долго ждал ответа", payload=f"rate_reason:{conv_id}:slow")
        await s.say("c1", "позовите оператора")  # read as usual: the hand-off
        assert await _conversations(db) == 2
        rating = await _rating(db, conv_id)
        assert (rating.reason, rating.comment) == ("slow", None)


async def test_a_clear_call_for_a_person_still_reaches_one(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s)
        await s.say("c1", "позовите оператора")
        assert (await s.texts("c1"))[-1] != "Спасибо! Передам руководителю поддержки — разберёмся."
        assert (await _rating(db, conv_id)).comment is None
        async with db.read() as session:
            newest = await session.scalar(select(Conversation).order_by(Conversation.id.desc()))
        assert newest is not None and newest.id != conv_id
        assert newest.owner in {Owner.QUEUED.value, Owner.OPERATOR.value}


async def test_words_typed_long_after_the_question_are_a_new_message(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s)
        async with db.write() as session:  # the question was asked a while ago
            rating = await session.scalar(select(Rating))
            assert rating is not None and rating.comment_asked_at is not None
            rating.comment_asked_at = utcnow() - CHANGE_WINDOW - timedelta(minutes=1)
        await s.say("c1", "доставка")
        assert (await _rating(db, conv_id)).comment is None
        assert await _conversations(db) == 2


async def test_a_good_rating_waits_for_no_words(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s, 5)
        assert (await _rating(db, conv_id)).comment_asked_at is None
        await s.say("c1", "всё отлично, спасибо")
        assert (await _rating(db, conv_id)).comment is None


def test_what_clearly_asks_for_something_else() -> None:
    for other in (
        "позовите оператора",
        "соедините с живым человеком, пожалуйста",
        "хочу поговорить с менеджером",
        "Позовите, пожалуйста, живого оператора",
        "переведите на специалиста",
        "Оператор!!!",
        "живой человек",
        "а сколько стоит доставка?",
        "/start",
        "   ",
        # A question word first, no «?» — as messenger users write.
        "как вернуть товар",
        "где мой заказ",
        "можно ли оплатить картой",
        "что делать, если товар сломался",
        "подскажите, сколько идёт доставка",
        "а когда привезут",
    ):
        assert asks_for_something_else(other), other
    for reason in (
        "оператор не ответил на мой вопрос про сроки",
        "долго отвечали и толком ничего не объяснили",
        "специалист был невежлив",
        "хочу сказать, что оператор был груб",
        "нужен был ответ, а менеджер молчал",
        "никто не помог",
        "грубо ответили",
        "оператор долго отвечал и ничего не решил",
        "можно было ответить быстрее",
        "что-то пошло не так",
        # About how the rated conversation went, put as a question: still the comment.
        "почему так долго отвечали?",
        "почему мне так и не ответили",
    ):
        assert not asks_for_something_else(reason), reason


def test_the_nlu_reading_makes_a_question_of_words_without_a_question_word() -> None:
    """``understood``: the NLU confidently read a knowledge-base question or a flow's intent."""
    assert asks_for_something_else("а вы доставляете в казань", understood=True)
    assert not asks_for_something_else("а вы доставляете в казань")
    # Words about the conversation stay the comment whatever entry «про сроки» resembles.
    text = "оператор не ответил на мой вопрос про сроки"
    assert not asks_for_something_else(text, understood=True)


async def test_the_comment_is_the_customers_data_exported_and_erased(db: Database) -> None:
    async with stack(db) as s:
        conv_id = await _rated_low(s, 2)
        await s.say("c1", "курьер опоздал на три часа, зовут Пётр")
        customer_id = (await s.conversation(conv_id)).customer_id
        async with db.read() as session:
            exported = await personal_data(session, customer_id)
        assert [(r.score, r.comment) for r in exported.ratings] == [
            (2, "курьер опоздал на три часа, зовут Пётр")
        ]
        async with db.write() as session:
            await forget_customer(session, customer_id, actor="test")
        rating = await _rating(db, conv_id)
        assert (rating.score, rating.comment) == (2, None)  # the figure stays, the words go


async def test_a_low_rating_changed_to_another_low_one_asks_why_once(db: Database) -> None:
    """QA8 L2: 2 then 3 changed the score and asked «что пошло не так?» again, with a second row
    of reason buttons under the first."""
    async with stack(db) as s:
        conv_id = await _rated_low(s, 2)
        assert "что пошло не так" in (await s.texts("c1"))[-1]
        await s.say("c1", "3", payload=f"rate:{conv_id}:3")
        assert (await s.texts("c1"))[-1] == "Спасибо за оценку! Она помогает нам работать лучше."
        assert (await _rating(db, conv_id)).score == 3
        # The question asked once still takes the customer's words.
        await s.say("c1", "долго ждал ответа")
        assert (await _rating(db, conv_id)).comment == "долго ждал ответа"
