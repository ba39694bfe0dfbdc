"""Dialogues with the demo bot «Вольт», over the real engine, storage and outbox.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.engine import Status
from bot.ownership import Owner
from bot.storage import repo
from bot.storage.models import Conversation, Message, Transition
from tests.conftest import brain_for
from tests.dialogue import TestBot, start_bot


async def owner_of(bot: TestBot, conversation_id: int | None) -> str:
    async with bot.runtime.db.read() as s:
        conv = await s.get(Conversation, conversation_id)
        assert conv is not None
        return conv.owner


async def test_a_faq_question_gets_the_concrete_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("как вернуть товар?")
    assert len(replies) == 1
    assert "https://volt-shop.ru/returns" in alice.last_text
    assert "14 дней" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_an_order_the_shop_cancelled_is_explained_not_how_to_cancel_one(
    bot: TestBot,
) -> None:
    # «почему отменили мой заказ» used to get «Отменить заказ можно … кнопкой «Отменить заказ»».
    olga = bot.customer("olga")
    await olga.say("заказ отменили сами без объяснений")
    assert olga.last_text.startswith("Заказ отменяется без вашего участия в трёх случаях")
    assert "https://volt-shop.ru/orders" in olga.last_text
    # The customer who cancels still reads how to (that order's own: tests/test_order_answers.py).
    await bot.customer("pavel").say("хочу отменить заказ 12345678")
    assert bot.customer("pavel").last_text.startswith("Заказ № 12345678 можно отменить")


@pytest.mark.parametrize(
    "typed",
    [
        "здравствуйте подскажите скока стоит доставка курером по москве",  # typos, a greeting
        "СКОЛЬКО СТОИТ ДОСТАВКА КУРЬЕРОМ ПО МОСКВЕ???",
        "crjkmrj cnjbn ljcnfdrf rehmthjv gj vjcrdt?",  # the keyboard layout left on QWERTY
        "skolko stoit dostavka kurerom po moskve?",  # Latin letters
    ],
)
async def test_the_delivery_price_however_the_question_is_typed(bot: TestBot, typed: str) -> None:
    alice = bot.customer("alice")
    await alice.say(typed)
    assert "299" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_two_questions_in_one_message_get_two_answers_in_order(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("Здравствуйте! Сколько стоит доставка? И ещё: как вернуть товар")
    assert len(replies) == 2
    assert "299 ₽" in replies[0].text
    assert "https://volt-shop.ru/returns" in replies[1].text
    assert alice.last_outcome.owner is Owner.BOT


async def test_two_questions_joined_by_and_get_two_answers(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(
        "сколько идет доставка в казань и можно ли оплатить картой при получении"
    )
    assert len(replies) == 2
    assert "2–5 дней" in replies[0].text  # the delivery time …
    assert "при получении — картой" in replies[1].text  # … and the ways to pay


async def test_a_two_word_question_is_a_question_of_its_own(bot: TestBot) -> None:
    """QA8 M4: «рассрочка есть?» was too short to stand alone, so the return question after
    it went unanswered without a word."""
    alice = bot.customer("alice")
    replies = await alice.say("рассрочка есть? и можно ли вернуть товар купленный в рассрочку")
    assert len(replies) == 2
    assert "рассрочка «0-0-6»" in replies[0].text
    assert "https://volt-shop.ru/returns" in replies[1].text


async def test_a_second_question_only_guessed_at_is_asked_about_not_dropped(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(
        "сколько идет доставка в казань? можно оплатить картой при получении?"
    )
    assert "при получении — картой" in replies[0].text  # the question understood: answered
    assert replies[-1].text.startswith("А про «сколько идет доставка в казань» уточните")
    assert "Сроки доставки" in alice.buttons() and "Позвать оператора" in alice.buttons()
    await alice.press("Сроки доставки")
    assert "2–5 дней" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_one_question_in_many_words_gets_one_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(
        "Здравствуйте! Подскажите, пожалуйста, можно ли оплатить заказ частями, "
        "и если да, то какие банки?"
    )
    assert len(replies) == 1


async def test_the_question_understood_is_answered_when_the_other_is_not(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(
        "у меня кот уронил вазу с подоконника. сколько стоит доставка курьером по москве"
    )
    assert [r for r in replies if "299" in r.text] == replies and len(replies) == 1


async def test_a_question_asked_together_with_a_person_is_answered_after_the_handoff(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("как вернуть товар? и позовите оператора")
    assert replies[0].text.startswith("Передаю")  # the person asked for, first …
    assert "https://volt-shop.ru/returns" in replies[1].text  # … then the answer the bot has
    assert alice.last_outcome.owner is Owner.QUEUED  # (tests/test_waiting_and_calls.py)
    assert len(replies) == 3  # and that the request keeps its place in the queue


async def test_a_person_asked_for_before_a_colon_is_called_not_clarified(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("Позовите оператора: влезет ли этот холодильник в нишу 60 см?")
    assert alice.last_outcome.owner is Owner.QUEUED
    assert "вы имели в виду" not in replies[0].text
    assert "Передаю" in replies[0].text


async def test_asking_for_a_person_in_the_wrong_keyboard_layout_still_queues(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("jgthfnjh!")  # «оператор!»
    assert await owner_of(bot, alice.last_outcome.conversation_id) == Owner.QUEUED


async def test_asking_for_a_person_queues_the_conversation_and_says_what_next(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("позовите человека")
    assert await owner_of(bot, alice.last_outcome.conversation_id) == Owner.QUEUED
    # Nobody of the team is online: no minutes nobody is there to keep, and what happens next.
    assert alice.last_text.startswith("Передаю ваш вопрос")
    assert "как только вернётся" in alice.last_text and "примерно через" not in alice.last_text
    async with bot.runtime.db.read() as s:
        reason = await s.scalar(select(Conversation.escalation_reason))
    assert reason == "customer_request"


async def test_while_a_person_owns_the_conversation_the_bot_stays_silent(bot: TestBot) -> None:
    from handoff.auth import create_operator

    async with bot.runtime.db.write() as s:
        anna = await create_operator(s, "anna", "anna-pass-1", display_name="Анна")
        anna.status = "online"
    alice = bot.customer("alice")
    await alice.say("оператор")  # Anna is free: she has it at once
    assert alice.last_outcome.owner is Owner.OPERATOR
    replies = await alice.say("как вернуть товар?")
    assert replies == []  # Anna answers, not the bot (queued, the bot would: test_queued_customer)
    assert alice.last_outcome.status is Status.FORWARDED
    async with bot.runtime.db.read() as s:
        texts = (await s.scalars(select(Message.text).where(Message.author == "customer"))).all()
    assert "как вернуть товар?" in texts  # reached the operator side


async def test_a_redelivered_update_gets_no_second_reply(bot: TestBot) -> None:
    alice = bot.customer("alice")
    event = alice.event(text="где мой заказ")
    first = await alice.redeliver(event)
    again = await alice.redeliver(event)
    assert len(first) == 1 and again == []
    assert alice.last_outcome.status is Status.DUPLICATE


async def test_two_misses_in_a_row_hand_over_to_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("абырвалг кукуруза синхрофазотрон")
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("фывапролдж зщшгнекуцй")
    assert alice.last_outcome.owner is Owner.QUEUED
    async with bot.runtime.db.read() as s:
        reason = await s.scalar(select(Conversation.escalation_reason))
    assert reason == "not_understood"


async def test_the_operator_sees_the_bots_guesses_at_the_question_not_at_the_request(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    await alice.say("спасибо")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    async with bot.runtime.db.read() as s:
        context = await s.scalar(select(Conversation.context))
    assert context is not None
    guessed = [g["intent"] for g in context["escalation"]["guesses"]]
    assert guessed[0] == "return_goods", guessed  # the question, not «позовите оператора»
    assert "handoff_request" not in guessed and "thanks" not in guessed
    assert context["last_guesses"] == context["escalation"]["guesses"]


async def test_a_bare_topic_gets_its_entries_to_choose_from(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("возврат")
    assert alice.last_text == "Что именно вас интересует?"
    offered = alice.buttons()
    assert offered[-1] == "Позвать оператора"
    assert set(offered[:-1]) == {
        "Как вернуть товар",
        "Когда вернутся деньги",
        "Какие товары нельзя вернуть",
    }
    await alice.press("Как вернуть товар")
    assert "14 дней" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_topic_named_in_a_phrase_is_a_topic_too_and_a_question_is_answered(
    bot: TestBot,
) -> None:
    bob = bot.customer("bob")
    await bob.say("вопрос по оплате")
    assert bob.last_text == "Что именно вас интересует?"
    assert "Способы оплаты" in bob.buttons() and "Не проходит оплата" in bob.buttons()
    await bob.say("как вернуть товар?")  # a question, not a topic: the answer at once
    assert "14 дней" in bob.last_text


async def test_a_project_can_answer_bare_topics_directly(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.runtime.engine.brain.config.policy, "clarify_bare_topics", False)
    alice = bot.customer("alice")
    await alice.say("возврат")
    assert alice.last_text != "Что именно вас интересует?"


async def test_the_operator_button_under_not_understood(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("абырвалг кукуруза синхрофазотрон")
    await alice.press("Позвать оператора")
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_broken_pipeline_fails_open_to_a_person(bot: TestBot) -> None:
    class Broken:
        name = "broken"

        def match(self, turn: Any) -> bool:
            return True

        async def handle(self, turn: Any) -> None:
            raise RuntimeError("boom: secret internals")

    bot.runtime.engine.handlers.insert(0, Broken())
    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    assert alice.last_outcome.owner is Owner.QUEUED
    texts = [m.text for m in alice.sent]
    assert not any("boom" in t or "Traceback" in t for t in texts)
    assert any("коллег" in t or "оператор" in t for t in texts)
    async with bot.runtime.db.read() as s:
        reason = await s.scalar(select(Conversation.escalation_reason))
        stored = await s.scalar(select(Message.text).where(Message.author == "customer"))
    assert reason == "bot_failure"
    assert stored == "как вернуть товар?"  # the customer's message is not lost


async def test_what_a_broken_handler_half_wrote_is_undone_and_the_message_kept_once(
    bot: TestBot,
) -> None:
    class HalfWay:
        name = "half-way"

        def match(self, turn: Any) -> bool:
            return True

        async def handle(self, turn: Any) -> None:
            turn.conversation.context = {**turn.conversation.context, "half": True}
            await repo.add_event(turn.session, turn.conversation, "полдела")
            turn.utter("utter_greet")
            raise RuntimeError("boom")

    bot.runtime.engine.handlers.insert(0, HalfWay())
    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    assert alice.last_outcome.owner is Owner.QUEUED
    greeting = bot.runtime.brain.domain.render("utter_greet", "telegram").text
    assert greeting not in [m.text for m in alice.sent]  # the apology and hand-off only
    async with bot.runtime.db.read() as s:
        texts = (await s.scalars(select(Message.text).order_by(Message.id))).all()
        context = await s.scalar(select(Conversation.context))
    assert texts.count("как вернуть товар?") == 1
    assert "полдела" not in texts
    assert context is not None and "half" not in context
    assert context["escalation"]["guesses"], "the operator still sees what the bot guessed"


async def test_customers_writing_at_the_same_moment_are_understood_in_one_batch(
    bot: TestBot,
) -> None:
    questions = ["как вернуть товар?", "сколько стоит доставка?", "где мой заказ?"]
    customers = [bot.customer(f"c{i}") for i in range(len(questions))]
    before = bot.runtime.engine._batcher.batches
    await asyncio.gather(*(c.say(q) for c, q in zip(customers, questions, strict=True)))
    assert bot.runtime.engine._batcher.batches - before == 1
    assert "14 дней" in customers[0].last_text  # each still gets the answer to their question
    assert all(c.last_outcome.prediction for c in customers)
    intents = [c.last_outcome.prediction.intent for c in customers]  # type: ignore[union-attr]
    assert intents[0] == "return_goods" and len(set(intents)) == 3


async def test_customers_answered_together_share_one_transaction_on_sqlite(bot: TestBot) -> None:
    """SQLite writes one transaction at a time: those ready together share one. PostgreSQL
    overlaps separate transactions, which the benchmark found faster (bot/group_commit.py)."""
    questions = ["как вернуть товар?", "сколько стоит доставка?", "где мой заказ?"]
    customers = [bot.customer(f"c{i}") for i in range(len(questions))]
    group = bot.runtime.engine.group
    before = group.transactions
    await asyncio.gather(*(c.say(q) for c, q in zip(customers, questions, strict=True)))
    assert group.transactions - before == (1 if bot.runtime.db.is_sqlite else 3)
    assert "14 дней" in customers[0].last_text and all(len(c.sent) == 1 for c in customers)
    async with bot.runtime.db.read() as s:
        stored = (await s.scalars(select(Message.text).where(Message.author == "customer"))).all()
    assert sorted(stored) == sorted(questions)


async def test_a_handler_failing_for_one_customer_of_a_group_fails_open_for_them_alone(
    bot: TestBot,
) -> None:
    class BrokenForBob:
        name = "broken-for-bob"

        def match(self, turn: Any) -> bool:
            return turn.event.user_id == "bob"

        async def handle(self, turn: Any) -> None:
            await repo.add_event(turn.session, turn.conversation, "полдела")
            raise RuntimeError("boom")

    bot.runtime.engine.handlers.insert(0, BrokenForBob())
    alice, bob, carol = bot.customer("alice"), bot.customer("bob"), bot.customer("carol")
    await asyncio.gather(
        alice.say("как вернуть товар?"), bob.say("как вернуть товар?"), carol.say("привет")
    )
    assert bot.runtime.engine.group.regrouped == (1 if bot.runtime.db.is_sqlite else 0)
    assert "14 дней" in alice.last_text and alice.last_outcome.owner is Owner.BOT
    assert carol.last_outcome.owner is Owner.BOT and len(carol.sent) == 1
    assert bob.last_outcome.owner is Owner.QUEUED  # the apology and the hand-off
    assert not any("boom" in m.text for m in bob.sent)
    async with bot.runtime.db.read() as s:
        texts = (await s.scalars(select(Message.text))).all()
    assert texts.count("как вернуть товар?") == 2 and "полдела" not in texts


async def test_a_message_that_arrives_while_others_are_answered_may_wait_for_company(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone message is understood at once; one that arrives while another is in progress
    lets the NLU wait a moment (``hold``) so that more messages share the encoder call."""
    batcher = bot.runtime.engine._batcher
    real, holds = batcher.predict, []

    async def spy(model: Any, text: str, *, hold: bool = False) -> Any:
        holds.append((text, hold))
        return await real(model, text, hold=hold)

    monkeypatch.setattr(batcher, "predict", spy)
    alice, bob = bot.customer("alice"), bot.customer("bob")
    await alice.say("как вернуть товар?")
    await asyncio.gather(alice.say("сколько стоит доставка?"), bob.say("где мой заказ?"))
    assert holds == [
        ("как вернуть товар?", False),
        ("сколько стоит доставка?", False),
        ("где мой заказ?", True),
    ]
    assert "14 дней" in alice.sent[0].text and bob.last_outcome.prediction is not None


async def test_profanity_goes_to_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("вы там совсем охренели, где мой заказ, идиоты")
    assert alice.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize(
    "rude", ["заебали уже, верните деньги", "вы охуели где мой заказ", "да пошли вы нахуй"]
)
async def test_profanity_with_a_prefix_goes_to_a_person(bot: TestBot, rude: str) -> None:
    alice = bot.customer("alice")
    await alice.say(rude)
    assert alice.last_outcome.owner is Owner.QUEUED


def test_words_that_merely_contain_a_rude_stem_are_not_profanity() -> None:
    from handoff.escalation import has_profanity

    assert not has_profanity("застрахуйте, пожалуйста, мой заказ")
    assert not has_profanity("мы страхуем посылки")
    assert has_profanity("заебали") and has_profanity("нахуй") and has_profanity("подъебать")


async def test_a_question_that_mentions_a_specialist_is_answered_not_handed_over(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("когда приедет специалист по установке")
    assert alice.last_outcome.owner is Owner.BOT
    assert alice.last_outcome.prediction is not None
    assert alice.last_outcome.prediction.intent == "installation_service"
    bob = bot.customer("bob")
    await bob.say("вы живой человек?")
    assert "Я бот" in bob.last_text and bob.last_outcome.owner is Owner.BOT


async def test_a_thumbs_up_after_an_answer_is_no_miss(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар?")
    for said in ("ок", "👍", "👍🏻"):
        await alice.say(said)
        assert "Рад помочь" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_an_angry_complaint_goes_to_a_person(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("это просто кошмар, третий раз вам пишу и никто ничего не решает!!!")
    assert alice.last_outcome.owner is Owner.QUEUED
    # Told what happens next, not argued with (nobody is online: no minutes).
    assert "как только вернётся" in alice.last_text
    async with bot.runtime.db.read() as s:
        reason = await s.scalar(select(Conversation.escalation_reason))
    assert reason == "complaint"


async def test_complaints_stay_with_the_bot_when_that_trigger_is_off(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    brain = brain_for(demo_project, demo_model, escalate_on_complaint=False)
    bot = await start_bot(demo_project, brain, db_url)
    try:
        alice = bot.customer("alice")
        await alice.say("это просто кошмар, третий раз вам пишу и никто ничего не решает!!!")
        assert alice.last_outcome.owner is Owner.BOT
        # The bot still says something — and promises no senior specialist it will not call.
        assert alice.last_text and "специалист" not in alice.last_text
    finally:
        await bot.runtime.stop()


async def test_an_apology_for_a_complaint_is_followed_by_the_wait_alone(bot: TestBot) -> None:
    await bot.busy_operator()  # Борис is online, with his only slot taken
    alice = bot.customer("alice")
    told = [m.text for m in await alice.say("ты тупой бот, верните деньги")]
    assert alice.last_outcome.owner is Owner.QUEUED
    assert len(told) == 2 and "приносим извинения" in told[0]
    assert told[1].startswith("Оператор подключится к диалогу примерно через")


async def test_a_card_number_is_never_stored_and_the_customer_is_told(bot: TestBot) -> None:
    alice = bot.customer("alice")
    told = await alice.say("с меня списали деньги два раза, карта 2200 1234 5678 9019")
    assert told[0].text.startswith("Номер карты в переписке мы скрыли")
    assert "финансов" in told[1].text  # and the question is answered as usual
    async with bot.runtime.db.read() as s:
        texts = (await s.scalars(select(Message.text))).all()
    assert "с меня списали деньги два раза, карта **** **** **** 9019" in texts
    assert not any("5678" in t for t in texts)


async def test_a_question_about_discounts_is_no_trade_in_yes(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("скидка на айфон есть")
    assert "https://volt-shop.ru/promo" in alice.last_text
    assert not alice.last_text.startswith("Да")  # no promise of a discount that may not exist


async def test_an_old_tv_is_no_trade_in_but_can_be_taken_away(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("хочу сдать старый телевизор")
    assert "крупную технику в трейд-ин не принимаем" in alice.last_text
    assert "на утилизацию за 490 ₽" in alice.last_text
    await alice.press("Вывоз старой техники")
    assert alice.last_text.startswith("Товары до 15 кг курьер бесплатно приносит")


async def test_greeting_on_start(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.start()
    assert "оператор" in alice.last_text.lower()


async def test_human_only_topic_answers_and_hands_over(bot: TestBot) -> None:
    alice = bot.customer("alice")
    told = [m.text for m in await alice.say("с меня списали деньги два раза за один заказ")]
    assert alice.last_outcome.owner is Owner.QUEUED
    # The entry says who takes over; then only the wait, not «…коллеге из службы поддержки» —
    # and with nobody online, no minutes either.
    assert len(told) == 2 and "финансов" in told[0]
    assert told[1].startswith("Сейчас никого из операторов нет на месте")
    async with bot.runtime.db.read() as s:
        conv = await s.get(Conversation, alice.last_outcome.conversation_id)
        assert conv is not None
    assert conv.escalation_reason == "human_only_topic"
    assert conv.team == "billing"


@pytest.fixture
async def night_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[TestBot]:
    """The demo bot at 02:30 in Moscow on a Tuesday, with the real working hours (9–21)."""
    from handoff.config import WorkingHours

    hours = WorkingHours(timezone="Europe/Moscow", days=[0, 1, 2, 3, 4, 5, 6])
    brain = brain_for(demo_project, demo_model, working_hours=hours)
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    bot = await start_bot(demo_project, brain, db_url, clock=lambda: late)
    yield bot
    await bot.runtime.stop()


async def test_out_of_hours_handoff_says_when_the_team_is_back(night_bot: TestBot) -> None:
    alice = night_bot.customer("alice")
    await alice.say("позовите оператора")
    assert "сегодня в 9:00" in alice.last_text
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_a_customer_waiting_at_night_is_not_promised_an_operator_soon(
    night_bot: TestBot,
) -> None:
    alice = night_bot.customer("alice")
    await alice.say("позовите оператора")
    engine = night_bot.runtime.engine
    later = engine.clock() + timedelta(minutes=5)
    engine.clock = lambda: later  # past the reminder's interval, still night
    reminder = await alice.say("ау, есть кто?")
    assert len(reminder) == 1 and "скоро" not in reminder[0].text
    assert "сегодня в 9:00" in reminder[0].text


async def test_out_of_hours_a_colleague_who_is_online_still_answers(night_bot: TestBot) -> None:
    from handoff.auth import create_operator

    async with night_bot.runtime.db.write() as s:
        night = await create_operator(s, "night", "night-shift-pass", display_name="Ночная")
        night.status = "online"
    alice = night_bot.customer("alice")
    heard = [m.text for m in await alice.say("позовите оператора")]
    assert not any("9:00" in text for text in heard)  # not «tomorrow»: someone is here now
    # Taken at once: who has it is the news, no «примерно через 1 минуту» before it.
    assert heard == ["Оператор Ночная уже читает вашу переписку и скоро ответит."]
    assert alice.last_outcome.owner is Owner.OPERATOR


async def test_everything_persists_across_a_restart(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    brain = brain_for(demo_project, demo_model)
    first = await start_bot(demo_project, brain, db_url)
    alice = first.customer("alice")
    await alice.say("как вернуть товар?")
    await alice.say("позовите оператора")
    conversation_id = alice.last_outcome.conversation_id
    await first.runtime.stop()

    second = await start_bot(demo_project, brain, db_url)
    try:
        again = second.customer("alice")
        await again.say("ну что там?")
        assert again.last_outcome.conversation_id == conversation_id
        assert again.last_outcome.status is Status.FORWARDED
        async with second.runtime.db.read() as s:
            texts = (
                await s.scalars(
                    select(Message.text)
                    .where(Message.conversation_id == conversation_id, Message.author == "customer")
                    .order_by(Message.id)
                )
            ).all()
            moves = (await s.scalars(select(Transition.to_owner))).all()
        assert texts == ["как вернуть товар?", "позовите оператора", "ну что там?"]
        assert moves == ["queued"]
    finally:
        await second.runtime.stop()


async def test_telegram_and_viber_accounts_are_joined_by_a_link_code(bot: TestBot) -> None:
    tg = bot.customer("tg-alice", "telegram")
    vb = bot.customer("vb-alice", "viber")
    await tg.say("как вернуть товар?")
    await vb.say("где мой заказ")
    await tg._send(
        tg.event(kind=__import__("bot.events").events.InboundKind.BUTTON, payload="/link")
    )
    code = next(word for word in tg.last_text.split() if word.strip(".,«»").isdigit())
    await vb.say(code.strip(".,«»"))
    async with bot.runtime.db.read() as s:
        customers = set((await s.scalars(select(Message.customer_id))).all())
    assert len(customers) == 1  # one person, one history


async def test_an_acknowledged_message_is_answered_after_a_crash(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    from bot.events import Inbound
    from bot.storage import inbound
    from bot.storage.db import Database

    # The webhook stored the message and said 200 to Telegram; then the process died.
    db = Database(db_url)
    async with db.write() as s:
        await inbound.receive(
            s,
            Inbound(
                channel="telegram",
                external_id="u-1",
                user_id="alice",
                chat_id="alice",
                text="как вернуть товар?",
            ),
        )
    await db.dispose()
    bot = await start_bot(demo_project, brain_for(demo_project, demo_model), db_url)
    try:
        assert await bot.runtime.outbox.wait_idle(10)
        answers = bot.channels["telegram"].sent["alice"]
        assert len(answers) == 1 and "14 дней" in answers[0].text
    finally:
        await bot.runtime.stop()


async def test_a_deep_link_opens_the_answer_directly(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.start("faq_return_goods")  # t.me/volt_bot?start=faq_return_goods
    assert "https://volt-shop.ru/returns" in alice.last_text


async def customer_ids(bot: TestBot) -> set[int]:
    async with bot.runtime.db.read() as s:
        return set((await s.scalars(select(Message.customer_id))).all())


async def test_the_same_phone_in_two_telegram_accounts_is_one_customer(bot: TestBot) -> None:
    from bot.events import InboundKind

    old, new = bot.customer("tg-bob-old"), bot.customer("tg-bob-new")
    verified = {"kind": InboundKind.CONTACT, "contact_verified": True}
    await old.say("где мой заказ")
    await old._send(old.event(contact_phone="+7 (912) 345-67-89", **verified))
    assert "номер сохранён" in old.last_text
    await new._send(new.event(contact_phone="89123456789", **verified))
    assert "связаны" in new.last_text
    assert len(await customer_ids(bot)) == 1


async def test_a_phone_shared_in_viber_joins_nothing_a_link_code_does(bot: TestBot) -> None:
    """Viber cannot tell a customer's own number from someone else's card: a card with Bob's
    number, sent by Mallory, must not put Bob's conversations in Mallory's chat."""
    from bot.events import InboundKind

    bob, mallory = bot.customer("tg-bob", "telegram"), bot.customer("vb-mallory", "viber")
    await bob.say("где мой заказ")
    await bob._send(
        bob.event(kind=InboundKind.CONTACT, contact_phone="79123456789", contact_verified=True)
    )
    await mallory._send(mallory.event(kind=InboundKind.CONTACT, contact_phone="89123456789"))
    assert "номер передадим оператору" in mallory.last_text
    assert len(await customer_ids(bot)) == 2  # still two people

    # Bob himself, in Viber, joins his chats the safe way: a code from Telegram.
    vb_bob = bot.customer("vb-bob", "viber")
    await bob.say("как связать телеграм и вайбер?")
    [code] = re.findall(r"\b\d{6}\b", bob.last_text)
    await vb_bob.say(code)
    assert "связаны" in vb_bob.last_text
    assert len(await customer_ids(bot)) == 2  # Bob's two messengers, and Mallory


async def test_the_link_code_is_in_telegrams_menu_and_asked_for_in_words(bot: TestBot) -> None:
    alice = bot.customer("alice")
    for asked in ("/link", "хочу объединить переписку в viber с этой"):
        await alice.say(asked)
        assert re.search(r"\b\d{6}\b", alice.last_text), asked
    await alice.say("как объединить два аккаунта?")  # the shop's website accounts: the FAQ
    assert not re.search(r"\b\d{6}\b", alice.last_text)
