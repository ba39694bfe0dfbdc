"""A short follow-up is read in the light of the answer before it (bot/followup.py).

Dialogues over the demo bot on SQLite and PostgreSQL, and the rule's edges on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.bare_asks import asks_bare
from bot.followup import (
    asks_what_to_do,
    before_topic,
    in_topic,
    is_elliptic,
    is_substitution,
    remember,
    reread,
)
from bot.ownership import Owner
from bot.readings import clarify_options
from bot.storage.models import Message
from nlu.api import Decision, IntentScore, Prediction
from tests.dialogue import TestBot

DELIVERY_TIME = "В Москве и Санкт-Петербурге привезём на следующий день"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


async def test_a_follow_up_about_delivery_is_answered_after_an_answer_about_delivery(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("сколько стоит доставка")
    assert "299 ₽" in alice.last_text
    replies = await alice.say("а по срокам?")
    assert DELIVERY_TIME in replies[0].text  # alone it is «Уточните…»
    async with bot.runtime.db.read() as session:
        asked = await session.scalar(select(Message).where(Message.text == "а по срокам?"))
    assert asked is not None
    # The history (and the console, and the editor's «не понял» list) keep the reading acted on.
    assert asked.data["nlu"]["intent"] == "delivery_time"
    assert asked.data["nlu"]["decision"] == "answer"


async def test_the_same_words_first_thing_in_a_conversation_are_asked_about(
    bot: TestBot,
) -> None:
    bob = bot.customer("bob")
    replies = await bob.say("а по срокам?")
    assert replies[0].text.startswith("Уточните")
    assert "Сроки доставки" in bob.buttons()


async def test_a_follow_up_long_after_the_answer_is_read_on_its_own(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("сколько стоит доставка")
    engine = bot.runtime.engine
    later = engine.clock() + timedelta(minutes=31)
    engine.clock = lambda: later
    replies = await alice.say("а по срокам?")
    assert replies[0].text.startswith("Уточните")


async def test_a_follow_up_on_another_topic_is_not_pulled_into_the_last_one(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("как оформить заказ")
    replies = await alice.say("а почему?")
    assert "не совсем понял" in replies[0].text
    await alice.say("какие способы оплаты")
    replies = await alice.say("а в рассрочку?")  # understood on its own: as before
    assert "рассрочк" in replies[0].text.lower()


def guess(*scores: tuple[str, float], decision: Decision = Decision.CLARIFY) -> Prediction:
    ranking = tuple(IntentScore(i, c) for i, c in scores)
    return Prediction("", ranking[0].intent, ranking[0].confidence, decision, ranking)


def test_the_rule_only_turns_a_weak_reading_into_an_answer_within_the_topic(
    demo_project: Any,
) -> None:
    kb, config = demo_project.kb, demo_project.config
    after_cost = remember(None, "delivery_cost", NOW - timedelta(minutes=1))
    weak = guess(("delivery_time", 0.31), ("installment", 0.04), ("delivery_cost", 0.03))
    found = reread(weak, "а по времени сколько?", after_cost, kb, config, NOW)
    assert found is not None and found.intent == "delivery_time"
    assert found.decision is Decision.ANSWER and found.confidence == 0.31  # the model's own
    # Never: an answered message, a long message, no recent answer, a broken context.
    answered = guess(("installment", 0.9), decision=Decision.ANSWER)
    assert reread(answered, "а в рассрочку?", after_cost, kb, config, NOW) is None
    long = "а по времени сколько это займёт до Казани примерно"
    assert reread(weak, long, after_cost, kb, config, NOW) is None
    assert reread(weak, "а по времени сколько?", None, kb, config, NOW) is None
    broken = {"last_faq": {"id": "delivery_cost", "at": "вчера"}}
    assert reread(weak, "а по времени сколько?", broken, kb, config, NOW) is None
    # Other topics get no bonus, and the answered entry itself is not offered again.
    after_returns = remember(None, "return_goods", NOW)
    assert reread(weak, "а по времени сколько?", after_returns, kb, config, NOW) is None
    same = guess(("delivery_cost", 0.3), ("contacts", 0.1))
    assert reread(same, "а сколько?", after_cost, kb, config, NOW) is None
    # Two entries of the topic close together stay a question.
    close = guess(("delivery_time", 0.3), ("delivery_express", 0.25))
    assert reread(close, "а быстрее?", after_cost, kb, config, NOW) is None
    off = config.model_copy(deep=True)
    off.policy.followup_category_bonus = 0
    assert reread(weak, "а по времени сколько?", after_cost, kb, off, NOW) is None


def test_what_counts_as_an_elliptic_follow_up() -> None:
    assert is_elliptic("а за 2 часа?") and is_elliptic("И сроки?")
    assert not is_elliptic("сроки?")  # a new short question, read on its own
    assert not is_elliptic("а как вернуть товар, купленный в прошлом месяце на сайте?")


WARRANTY = "Срок гарантии указан в карточке товара"
RETURN = "Товар надлежащего качества можно вернуть в течение 14 дней"
SHOPS = "У «Вольта» 85 магазинов"
ABOVE = "Всё, что я знаю об этом, — в ответе выше"  # utter_answer_above (bot/answer_parts.py)


async def test_a_fragment_that_swaps_the_product_asks_the_same_question(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("скока гарантия на ноут")
    assert WARRANTY in alice.last_text
    # the warranty's question again (was «не понял», then the handoff); the answer just given
    # names no product, so it is pointed at rather than sent again (bot/answer_parts.py)
    for fragment in ("а на телек?", "а на холодильник"):
        [reply] = await alice.say(fragment)
        assert reply.text.startswith(ABOVE), fragment
        assert alice.last_outcome.owner is Owner.BOT


async def test_a_condition_added_to_the_return_question_is_about_returns(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    # Alone these read as «Сроки доставки?» and «Промокод не работает?».
    assert RETURN in (await alice.say("а если больше 14 дней прошло"))[0].text
    assert RETURN in (await alice.say("а если он уже был в использовании"))[0].text


async def test_a_fragment_after_thanks_still_follows_the_last_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("сколько стоит доставка")
    await alice.say("спасибо")
    replies = await alice.say("а до пункта выдачи?")  # was «Адреса магазинов…?»
    assert "в пункт выдачи «Вольт» — бесплатно" in replies[0].text


async def test_a_fragment_read_as_another_topic_is_read_with_the_last_answer(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("во сколько открывается магазин")
    assert SHOPS in alice.last_text
    replies = await alice.say("а в воскресенье работаете")  # alone: the courier's intervals
    # the stores' answer's own sentence (bot/answer_parts.py), not the whole of it again
    assert "Магазины обычно работают ежедневно с 10:00 до 22:00" in replies[0].text
    assert SHOPS not in replies[0].text


async def test_a_question_of_its_own_is_not_pulled_into_the_last_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("какая гарантия на телефон")
    replies = await alice.say("а у вас есть собаки?")
    assert WARRANTY not in replies[0].text
    await alice.say("как вернуть товар")
    assert RETURN not in (await alice.say("а ладно"))[0].text


def test_which_fragments_swap_a_detail() -> None:
    assert is_substitution("а на телек?")
    assert is_substitution("а если он уже был в использовании")
    assert is_substitution("А до пункта выдачи?")
    assert not is_substitution("а по времени сколько?")  # its own question word
    assert not is_substitution("а почему?")
    assert not is_substitution("а у вас есть собаки?")
    assert not is_substitution("на телек")  # no «а»: not a follow-up
    assert not is_substitution("а если я заказал телевизор а он пришёл разбитый и курьер уехал")
    # One list of question words (nlu/question_words.py): every form of «какой» is one, an
    # indefinite pronoun is none.
    assert not is_substitution("а на каком этаже?")
    assert is_substitution("а если что-то сломается")


def answer(bot: TestBot, entry_id: str) -> str:
    return bot.runtime.engine.brain.kb.entries[entry_id].render("telegram").text


async def test_a_condition_read_as_a_neighbour_keeps_to_the_return_question(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("как вернуть товар")
    # Alone: a hesitation between the warranty without a receipt and damage in delivery, which
    # the category bonus turned into the damage answer.
    [reply] = await alice.say("а если коробку выкинул?")
    # pointed at the return answer just given (its buttons), not the damage answer
    assert reply.text.startswith(ABOVE)
    assert "Оформить возврат" in alice.buttons()


async def test_a_swapped_detail_may_ask_whether_it_is_possible(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("можно купить в рассрочку?")
    assert alice.last_text == answer(bot, "installment")
    [reply] = await alice.say("а на год можно?")  # was «не понял»
    assert reply.text == answer(bot, "installment_term")  # the term's own answer, not it again


async def test_a_reply_to_the_topic_question_keeps_to_the_topic(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("гарантия")  # «Что именно вас интересует?»
    [reply] = await alice.say("а на телефон сколько")  # was the support phone number
    assert reply.text == answer(bot, "warranty_period")
    bob = bot.customer("bob")
    await bob.say("рассрочка")
    [reply] = await bob.say("а на год можно?")  # was «не понял»
    assert reply.text == answer(bot, "installment_term")


async def test_a_new_question_after_the_topic_question_is_its_own(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("гарантия")
    [reply] = await alice.say("сколько стоит доставка")
    assert reply.text == answer(bot, "delivery_cost")


async def test_a_message_about_the_thing_just_discussed(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("хочу вернуть пылесос")
    assert alice.last_text == answer(bot, "return_goods")
    [reply] = await alice.say("я его уже распаковал и попробовал")  # was «не понял»
    assert reply.text.startswith(ABOVE)  # the return answer just given, pointed at
    assert "Оформить возврат" in alice.buttons()


async def test_what_to_do_right_after_an_answer_is_about_that_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("привезли телевизор с трещиной на экране")
    assert "Повреждён при доставке" in alice.last_text
    replies = await alice.say("что делать-то")  # was «Спасибо, у меня всё хорошо!» or «не понял»
    assert replies[0].text.startswith("Я ответил на этот вопрос в сообщении выше")
    assert {"Оформить заявку", "Позвать оператора"} <= set(alice.buttons())
    async with bot.runtime.db.read() as session:
        asked = await session.scalar(select(Message).where(Message.text == "что делать-то"))
    assert asked is not None and asked.data["nlu"]["intent"] == "damaged_in_delivery"
    await alice.say("и что мне теперь делать?")  # still not: a person
    assert alice.last_outcome.owner is not Owner.BOT


async def test_what_to_do_after_something_else_in_between_gets_the_answer_again(
    bot: TestBot,
) -> None:
    bob = bot.customer("bob")
    await bob.say("привезли телевизор с трещиной на экране")
    await bob.say("спасибо")
    replies = await bob.say("что делать то")
    assert "Повреждён при доставке" in replies[0].text


def test_only_asking_what_to_do_is_such_a_follow_up() -> None:
    for text in ["что делать то", "Что делать-то?", "и что мне теперь делать?", "как быть"]:
        assert asks_what_to_do(text), text
    for text in ["что делать если разбили экран", "что делаешь", "как дела"]:
        assert not asks_what_to_do(text), text


async def test_a_guess_at_the_topic_under_way_is_not_offered_as_new(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("не проходит оплата картой")
    assert "3-D Secure" in alice.last_text
    replies = await alice.say("пишет ошибка 3ds")  # was «Уточните…: Не проходит оплата / …»
    assert not replies[0].text.startswith("Уточните")
    assert "Не проходит оплата" not in alice.buttons()
    # a new detail of the topic, not the question again: the part of the answer about it
    # (bot/answer_parts.py), not «Я ответил на этот вопрос выше» (QA 3 Q7)
    assert replies[0].text.startswith("Об этом в ответе выше:")
    assert "Позвать оператора" in alice.buttons()
    bob = bot.customer("bob")  # the same words first thing: a new question, not the part
    replies = await bob.say("пишет ошибка 3ds")
    assert not replies[0].text.startswith("Об этом в ответе выше")


def test_a_later_guess_at_the_topic_under_way_leaves_only_the_better_ones(
    demo_project: Any,
) -> None:
    kb, config = demo_project.kb, demo_project.config
    after_failed = remember(None, "payment_failed", NOW - timedelta(minutes=1))
    first = guess(("payment_failed", 0.4), ("order_incomplete", 0.3))
    found = in_topic(first, after_failed, kb, config, NOW)
    assert found is not None and found.intent == "payment_failed"
    assert found.decision is Decision.ANSWER
    later = guess(("installment", 0.4), ("payment_failed", 0.3), ("order_incomplete", 0.25))
    assert in_topic(later, after_failed, kb, config, NOW) is None
    options = clarify_options(later, kb, config)
    assert [e.id for e in before_topic(options, after_failed, kb, config, NOW)] == ["installment"]
    assert before_topic(options, None, kb, config, NOW) == options  # nothing under way


async def test_how_to_file_right_after_the_claim_answer_is_how_to_file_the_claim(
    bot: TestBot,
) -> None:
    for text in ["как оформить", "а как оформить?", "где оформить"]:
        alice = bot.customer(f"alice {text}")
        await alice.say("у меня разбит экран у телефона есть вольт защита плюс")
        assert alice.last_text == answer(bot, "extended_warranty_claim")
        replies = await alice.say(text)  # was the checkout: «Добавьте товар в корзину…»
        assert "volt-shop.ru/service" in replies[0].text, text
        assert "Добавьте товар в корзину" not in replies[0].text
    bob = bot.customer("bob")
    await bob.say("у меня разбит экран у телефона есть вольт защита плюс")
    replies = await bob.say("как оформить заказ")  # names its own thing: the checkout
    assert replies[0].text == answer(bot, "order_how_to")
    carol = bot.customer("carol")  # nothing answered before: the checkout, as before
    replies = await carol.say("как оформить")
    assert replies[0].text == answer(bot, "order_how_to")
    dan = bot.customer("dan")  # the answer's own button is its way to do that: it stands
    await dan.say("какой срок гарантии")
    assert dan.last_text == answer(bot, "warranty_period")
    replies = await dan.say("а продлить можно?")
    assert replies[0].text == answer(bot, "extended_warranty")


async def test_a_holiday_right_after_the_stores_answer_asks_about_the_stores(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("у вас есть пункт выдачи в туле")
    await alice.say("а магазин")
    await alice.say("часы работы")
    assert "Все адреса, часы работы и схемы проезда" in alice.last_text  # its part of the answer
    assert "31 декабря магазины и пункты выдачи работают до 18:00" in answer(bot, "pickup_points")
    [reply, *_] = await alice.say("а 31 декабря работаете")
    # was the support's hours: «Служба поддержки… в праздники тоже — включая 31 декабря»
    assert "Служба поддержки" not in reply.text
    assert "до 18:00" in reply.text or reply.text.startswith("Я ответил")
    bob = bot.customer("bob")  # alone it is the support's hours, as before
    replies = await bob.say("а 31 декабря работаете")
    assert replies[0].text == answer(bot, "contacts")


def test_a_bare_question_asks_what_the_answer_offers(demo_project: Any) -> None:
    kb = demo_project.kb
    claim, stores = kb.entries["extended_warranty_claim"], kb.entries["pickup_points"]
    for text in ["как оформить", "а как оформить?", "где оформить", "хочу оформить"]:
        assert asks_bare(text, claim), text
    assert asks_bare("а 31 декабря работаете", stores)
    assert asks_bare("а в субботу работаете?", stores)
    for text in ["как оформить заказ", "а сколько раз можно", "а почему?", "помогите"]:
        assert not asks_bare(text, claim), text
    assert not asks_bare("а 31 декабря работаете", claim)  # its answer offers no such thing


async def test_a_cracked_screen_right_after_the_trade_in_answer_is_about_trade_in(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("трейд ин на самсунг s21 сколько дадут")
    assert alice.last_text == answer(bot, "trade_in")
    assert "трещиной на экране" in alice.last_text
    replies = await alice.say("а экран треснутый примут?")  # was goods damaged in delivery
    # the trade-in answer's own sentence on it (bot/answer_parts.py)
    assert "Устройство с трещиной на экране" in replies[0].text
    assert replies[0].text != answer(bot, "trade_in")
    bob = bot.customer("bob")  # after the return answer it is still damaged goods
    await bob.say("как вернуть товар")
    replies = await bob.say("а экран треснутый примут?")
    assert replies[0].text == answer(bot, "damaged_in_delivery")
