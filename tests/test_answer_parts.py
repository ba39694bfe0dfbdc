"""Another question about the long answer just given, read as the same entry (bot/answer_parts.py,
QA D21, D23, D2): the sentences of the answer that hold the question's words, or a pointer to
the answer above with «Позвать оператора» — not the same long text again, word for word. The
same question again keeps its reminder (bot/repeats.py)."""

from __future__ import annotations

from bot.answer_parts import relevant_part
from bot.ownership import Owner
from bot.repeats import RESPONSE
from tests.dialogue import TestBot


def answer(bot: TestBot, entry_id: str) -> str:
    return bot.runtime.engine.brain.kb.entries[entry_id].render("telegram").text


async def test_the_weekend_after_the_couriers_hours_gets_its_sentence(bot: TestBot) -> None:
    intervals = answer(bot, "delivery_interval")
    alice = bot.customer("alice")
    await alice.say("в какое время привозит курьер")
    assert alice.last_text == intervals
    [reply] = await alice.say("а в выходные тоже доставляете?")  # was the same answer again
    assert reply.text != intervals
    assert reply.text.startswith("Об этом в ответе выше:")
    assert "Курьеры работают каждый день, включая выходные" in reply.text
    assert "Перенести доставку" not in reply.text  # the rest of the answer is not repeated
    assert reply.text.endswith("Если не нашли нужного — передам коллеге.")
    assert alice.buttons() == ["Мои заказы", "Позвать оператора"]
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_follow_up_the_answer_does_not_speak_of_is_pointed_at_it(bot: TestBot) -> None:
    intervals = answer(bot, "delivery_interval")
    alice = bot.customer("alice")
    await alice.say("в какое время привозит курьер")
    [reply] = await alice.say("а если меня не будет дома?")  # was the same answer again
    assert reply.text != intervals
    assert reply.text == (
        "Всё, что я знаю об этом, — в ответе выше. Если не нашли нужного — передам коллеге."
    )
    assert "Позвать оператора" in alice.buttons()
    await alice.press("Позвать оператора")
    assert alice.last_outcome.owner is not Owner.BOT  # a person (queued: nobody online)


async def test_a_bullet_comes_with_the_line_it_lists_under(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как оплатить заказ")
    [reply] = await alice.say("а наличными можно?")
    assert reply.text.splitlines()[1:3] == [
        "Оплатить заказ можно:",
        "• при получении — картой или наличными курьеру (наличными до 100 000 ₽) и в пункте "
        "выдачи;",
    ]
    assert "онлайн картой" not in reply.text


async def test_follow_ups_in_a_row_each_get_their_part_and_the_same_one_the_reminder(
    bot: TestBot,
) -> None:
    reminder = bot.runtime.engine.brain.domain.render(RESPONSE, "telegram").text
    alice = bot.customer("alice")
    await alice.say("в какое время привозит курьер")
    await alice.say("а в выходные тоже доставляете?")
    [moved] = await alice.say("а перенести можно?")
    assert "Перенести доставку на другой день" in moved.text
    assert "включая выходные" not in moved.text
    [again] = await alice.say("а перенести можно?")  # literally the same: the reminder, as before
    assert again.text.startswith(reminder)


async def test_the_same_question_again_still_gets_the_reminder(bot: TestBot) -> None:
    reminder = bot.runtime.engine.brain.domain.render(RESPONSE, "telegram").text
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    [again] = await alice.say("как вернуть товар")
    assert again.text.startswith(reminder)


def test_the_part_is_the_sentences_with_the_questions_own_words() -> None:
    text = (
        "Магазины есть в 16 городах.\n"
        "Магазины обычно работают ежедневно с 10:00 до 22:00. 1 января закрыты.\n"
        "Оплатить можно:\n"
        "• картой;\n"
        "• наличными до 100 000 ₽."
    )
    assert relevant_part("а в воскресенье работаете?", text) == (
        "Магазины обычно работают ежедневно с 10:00 до 22:00."
    )
    assert relevant_part("а 1 января?", text) == "1 января закрыты."
    assert relevant_part("а наличными?", text) == "Оплатить можно:\n• наличными до 100 000 ₽."
    assert relevant_part("а если меня не будет дома?", text) is None  # no word of it there
    assert relevant_part("а как?", text) is None  # nothing asked but the question word


async def test_how_much_after_the_installation_gets_its_prices(bot: TestBot) -> None:
    """«и сколько стоит» says none of the words of the sentence with the prices (QA 3 Q8, QA1):
    was the pointer to the whole answer."""
    alice = bot.customer("alice")
    await alice.say("установка техники")
    assert alice.last_text == answer(bot, "installation_service")
    [reply] = await alice.say("и сколько стоит")
    assert reply.text.startswith("Об этом в ответе выше:")
    assert "от 1 990 ₽" in reply.text
    assert "Установка в стоимость доставки не входит" not in reply.text


def test_a_price_question_finds_the_sentence_with_a_sum() -> None:
    text = "Мастер приедет в удобный день. Подключение стиральной машины — от 1 990 ₽."
    assert relevant_part("а сколько стоит?", text) == "Подключение стиральной машины — от 1 990 ₽."
    assert relevant_part("а цена какая", text) == "Подключение стиральной машины — от 1 990 ₽."


async def test_a_follow_up_not_understood_alone_gets_the_part_holding_its_words(
    bot: TestBot,
) -> None:
    """«а счет-фактуру дадите?» after the answer for a company was «не понял» (QA 3 Q12, QA52)."""
    alice = bot.customer("alice")
    await alice.say(
        "Добрый вечер. Подскажите, пожалуйста, можно ли оформить заказ на организацию, но "
        "оплатить картой сотрудника, и как тогда получить документы для бухгалтерии?"
    )
    assert "Покупаю для компании" in alice.last_text
    [reply] = await alice.say("а счет-фактуру дадите?")
    assert reply.text.startswith("Об этом в ответе выше:")
    assert "счёт в PDF" in reply.text
    assert "Позвать оператора" in alice.buttons()
    assert alice.last_outcome.owner is Owner.BOT
    [reply] = await alice.say("а у вас собаки есть?")  # nothing of the answer: as before
    assert "не совсем понял" in reply.text


async def test_a_follow_up_on_what_the_answer_never_says_gets_the_pointer(bot: TestBot) -> None:
    """«акция», «скидка» are nowhere in «Товар с браком»: the sentence matched on the topic's
    words («…после гарантийного ремонта… вернуть деньги») does not answer it (QA 3 QA39)."""
    alice = bot.customer("alice")
    await alice.say("Что делать, если товар оказался бракованным?")
    assert alice.last_text == answer(bot, "defective_item")
    [reply] = await alice.say(
        "а если бракованный товар был куплен по акции со скидкой деньги вернут полностью?"
    )
    assert "гарантийного ремонта" not in reply.text  # was that sentence
    assert reply.text == (
        "Всё, что я знаю об этом, — в ответе выше. Если не нашли нужного — передам коллеге."
    )
    assert "Позвать оператора" in alice.buttons()


async def test_sms_in_cyrillic_finds_the_sentences_about_sms(bot: TestBot) -> None:
    """«смс» is the answer's «SMS» (QA 3 QA41: was the sentence about e-mail letters)."""
    alice = bot.customer("alice")
    await alice.say("СТОП СМС")
    assert alice.last_text == answer(bot, "unsubscribe")
    [reply] = await alice.say("отпишите меня от смс номер 89261234567")
    assert reply.text.startswith("Об этом в ответе выше:")
    assert "SMS, пуши и рекламные звонки отключаются" in reply.text
    assert "Отписаться от писем" not in reply.text


def test_latin_and_cyrillic_spellings_are_one_word() -> None:
    text = "Ссылка придёт на почту. Чек придёт на e-mail. Код придёт по SMS."
    assert relevant_part("а смска когда придет?", text) == "Код придёт по SMS."
    assert relevant_part("а на имейл?", text) == "Чек придёт на e-mail."


def test_words_the_answer_never_says_are_not_answered_by_the_topics_words() -> None:
    text = "Деньги вернём за 10 дней. Гарантия — год."
    topic = "Возврат денег\nкак вернуть деньги"
    asked = "а деньги по акции со скидкой вернут?"
    assert relevant_part(asked, text, topic) is None
    assert relevant_part(asked, text) == "Деньги вернём за 10 дней."  # no topic: as before
    assert relevant_part("а деньги по акции вернут?", text, topic) == "Деньги вернём за 10 дней."
    assert relevant_part("а гарантия какая?", text, topic) == "Гарантия — год."
