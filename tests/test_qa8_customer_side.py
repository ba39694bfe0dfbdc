"""QA8, the customer's side of the demo shop: what a customer writes and what the bot does
with it — a call for a person in a longer message, a complaint inside a story, taking a call
back in words, a bare «да» with nothing asked, a repeated greeting."""

from __future__ import annotations

import pytest

from bot.ownership import Owner
from tests.dialogue import TestBot


@pytest.mark.parametrize(
    "message",
    [
        "позовите человека у меня заказ 12345678 не пришел",
        "Здравствуйте! Позовите человека, у меня заказ 12345678 не пришел",
        "соедините со специалистом, заказ 12345678 до сих пор не доставлен",
    ],
)
async def test_a_call_for_a_person_wins_over_the_question_around_it(
    bot: TestBot, message: str
) -> None:
    alice = bot.customer("alice")
    [handoff] = await alice.say(message)
    assert alice.last_outcome.owner is Owner.QUEUED
    # The number is passed on: no status link, no «Всё понятно со статусом?».
    assert handoff.text.startswith("Передаю ваш вопрос по заказу № 12345678 коллегам")


async def test_a_call_declined_or_a_person_mentioned_is_no_call(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("скажите, а специалист по установке приезжает в день доставки?")
    assert alice.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize(
    "story",
    [
        "Добрый вечер. Я заказывала стиральную машину 3 недели назад, оплатила сразу онлайн. "
        "Привезли не ту модель. Звонила на горячую линию 4 раза, обещали перезвонить и никто "
        "не перезвонил. Прошло уже три недели, а проблема не решена. Я очень недовольна и хочу "
        "вернуть деньги. Номер заказа 11223344.",
        "вы вообще нормальные?? третий раз переносите доставку, курьер не приехал никто не "
        "позвонил, заказ 87654321 верните деньги или привезите сегодня",
        "вы мошенники верните деньги",
    ],
)
async def test_a_complaint_inside_a_story_is_apologised_for_and_handed_over(
    bot: TestBot, story: str
) -> None:
    vera = bot.customer("vera")
    told = [m.text for m in await vera.say(story)]
    assert vera.last_outcome.owner is Owner.QUEUED
    # The apology and the wait (nobody online: no minutes) — not the answers to what the story
    # mentions on the way.
    assert "приносим извинения" in told[0] and len(told) == 2
    assert told[1].startswith("Сейчас никого из операторов нет на месте")


async def test_a_complaint_that_gave_its_order_number_is_not_asked_for_it(bot: TestBot) -> None:
    await bot.busy_operator()  # Борис is online, with his only slot taken
    vera = bot.customer("vera")
    apology, wait = await vera.say(
        "Добрый вечер. Я заказывала стиральную машину 3 недели назад… Я очень недовольна и хочу "
        "вернуть деньги. Номер заказа 11223344."
    )
    assert vera.last_outcome.owner is Owner.QUEUED
    assert "приносим извинения" in apology.text and "№ 11223344" in apology.text
    assert "напишите номер заказа" not in apology.text
    assert wait.text.startswith("Оператор подключится к диалогу")
    # Without a number the apology asks for it, as before.
    ivan = bot.customer("ivan")
    apology, _ = await ivan.say("вы мошенники верните деньги")
    assert "напишите номер заказа" in apology.text


async def test_a_story_without_a_complaint_still_gets_its_answers(bot: TestBot) -> None:
    ivan = bot.customer("ivan")
    told = await ivan.say("Сколько стоит доставка в Казань? И можно ли оплатить картой курьеру?")
    assert ivan.last_outcome.owner is Owner.BOT
    assert len(told) >= 2 and not any("извинения" in m.text for m in told)


def test_a_long_message_is_read_clause_by_clause() -> None:
    from nlu.segments import split_clauses

    assert split_clauses("Прошло уже три недели, а проблема не решена. Я очень недовольна и хочу")[
        2:
    ] == ["Я очень недовольна", "и хочу"]
    assert split_clauses("мне нужен живой человек а не этот ваш бот") == []  # one thought
    assert split_clauses("доставка, оплата") == []  # short: read whole
    assert split_clauses("ыыы ну это как его") == []


@pytest.mark.parametrize(
    "words", ["а нет не надо", "Спасибо, уже не надо, разобрался", "всё, отмена, сама нашла"]
)
async def test_a_queued_customer_takes_the_call_back_with_words_around_it(
    bot: TestBot, words: str
) -> None:
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    assert olga.last_outcome.owner is Owner.QUEUED
    [said] = await olga.say(words)
    assert said.text.startswith("Хорошо, отменил вызов оператора.")
    assert olga.last_outcome.owner is Owner.BOT


async def test_not_waiting_is_no_cancel(bot: TestBot) -> None:
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    await olga.say("не надо ждать, позовите кого-нибудь сейчас")
    assert olga.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize("said", ["да", "👍"])  # «ну» alone is impatience: test_typed_feedback
async def test_a_yes_with_nothing_asked_gets_a_prompt_not_thanks(bot: TestBot, said: str) -> None:
    olga = bot.customer("olga")
    [reply] = await olga.say(said)
    assert reply.text.startswith("Я на связи! Чем могу помочь?")
    assert "Рад помочь" not in reply.text
    await olga.say("как вернуть товар?")
    [reply] = await olga.say(said)  # now there is something to agree to
    assert reply.text.startswith("Рад помочь")


async def test_a_greeting_again_gets_a_short_reply(bot: TestBot) -> None:
    olga = bot.customer("olga")
    [welcome] = await olga.say("здравствуйте")
    assert welcome.text.startswith("Здравствуйте! Я виртуальный помощник")
    for again in ("здравствуйте", "алло"):
        [reply] = await olga.say(again)
        assert reply.text.startswith("Я на связи! Чем могу помочь?")


@pytest.mark.parametrize("said", ["есть кто живой", "есть кто живой?", "есть кто живой!"])
async def test_anyone_alive_asks_for_a_person(bot: TestBot, said: str) -> None:
    olga = bot.customer("olga")
    await olga.say(said)
    assert olga.last_outcome.owner is Owner.QUEUED


async def test_asking_whether_the_bot_is_a_person_is_no_call(bot: TestBot) -> None:
    olga = bot.customer("olga")
    [said] = await olga.say("вы живой человек?")
    assert said.text.startswith("Я бот")
    assert olga.last_outcome.owner is Owner.BOT


async def test_a_queued_customer_asking_how_long_is_told_the_wait(bot: TestBot) -> None:
    await bot.busy_operator()  # Борис is online, with his only slot taken
    olga = bot.customer("olga")
    await olga.say("позовите оператора")
    for asked in ("ну и долго ждать?", "когда подключится оператор"):
        [said] = await olga.say(asked)
        assert said.text.startswith("Оператор подключится к диалогу примерно через")
        assert "Отменить вызов оператора" in [b.title for b in said.buttons]
    assert olga.last_outcome.owner is Owner.QUEUED
