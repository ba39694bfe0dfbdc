"""Multi-step dialogues: the demo flow «Где мой заказ» and flow validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.events import InboundKind
from bot.ownership import Owner
from bot.storage.models import Conversation
from bot.yamlio import ContentError
from flows.loader import load_flows
from handoff.views import _flow_view
from knowledge_base.models import FAQEntry, KnowledgeBase
from tests.dialogue import TestBot


async def test_order_status_asks_for_the_number_and_gives_the_exact_link(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    assert "номер заказа" in alice.last_text
    await alice.say("вот 12345678")
    texts = [m.text for m in alice.sent]
    assert any("https://volt-shop.ru/orders/12345678" in t for t in texts)
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]
    await alice.press("Да, спасибо")
    assert "Отлично" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_number_in_the_first_message_is_not_asked_again(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("где мой заказ 87654321 ?")
    assert "https://volt-shop.ru/orders/87654321" in replies[0].text


@pytest.mark.parametrize(
    "said", ["заказ 1234 5678 не пришел", "мой заказ 12345678 так и не привезли"]
)
async def test_an_order_that_has_not_come_gets_its_exact_link(bot: TestBot, said: str) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(said)  # was «Уточните…» without «Где мой заказ» among the choices
    assert "https://volt-shop.ru/orders/12345678" in replies[0].text
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]


@pytest.mark.parametrize("typed", ["12345678", " № 12345678 ", "1234 5678"])
async def test_a_bare_order_number_starts_the_flow_with_it(bot: TestBot, typed: str) -> None:
    alice = bot.customer("alice")
    replies = await alice.say(typed)  # nothing else: the flow's start_pattern
    assert "https://volt-shop.ru/orders/12345678" in replies[0].text
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]


async def test_a_customer_who_does_not_remember_the_number_learns_where_it_is(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где заказ")
    # not «сменить номер телефона», a specialist's topic («не помню номер» goes to a person
    # who finds the order by the phone: tests/test_flow_without_number.py)
    await alice.say("а где найти номер заказа?")
    assert "SMS и письмо с номером заказа" in alice.last_text
    assert "напишите «оператор»" in alice.last_text  # the way to a person, honestly
    assert alice.last_outcome.owner is Owner.BOT


async def test_an_order_number_asked_beside_another_question_gets_its_exact_link(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("где мой заказ 12345678? и сколько стоит доставка")
    assert "299 ₽" in replies[0].text  # the other question first
    assert "https://volt-shop.ru/orders/12345678" in replies[1].text  # not the general page
    assert alice.buttons() == ["Да, спасибо", "Нет, заказ задерживается"]  # the flow goes on


async def test_the_flow_of_a_second_question_asks_last(bot: TestBot) -> None:
    alice = bot.customer("alice")
    replies = await alice.say("как вернуть товар? и где мой заказ")
    assert "https://volt-shop.ru/returns" in replies[0].text
    assert len(replies) == 2 and "volt-shop.ru/orders" not in replies[1].text  # no general page
    assert "номер заказа" in alice.last_text  # the flow asks for the number …
    await alice.say("вот он: 12345678, жду с понедельника")  # … and takes it from a sentence
    assert "https://volt-shop.ru/orders/12345678" in alice.sent[-2].text


async def test_a_number_inside_other_words_is_not_an_order_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("мой телефон 89161234567")
    assert all("volt-shop.ru/orders/" not in m.text for m in alice.sent)


async def test_a_button_of_a_finished_flow_pressed_again_is_not_a_miss(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.press("Да, спасибо")
    for _ in range(3):  # more than the misses that hand over to a person
        await alice.press("Нет, заказ задерживается")  # the old message's button
        assert "уже закрыт" in alice.last_text
    assert alice.last_outcome.owner is Owner.BOT
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None and conv.unknown_streak == 0


async def test_an_old_button_is_no_answer_to_the_same_flow_running_again(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    [first_run] = [b for b in alice.sent[-1].buttons if b.title == "Нет, заказ задерживается"]
    await alice.press("Да, спасибо")
    await alice.say("где мой заказ")  # the flow again, with the number it knows
    assert alice.last_text == "Всё понятно со статусом?"
    replies = await alice._send(  # the first run's button, under the same question
        alice.event(kind=InboundKind.BUTTON, payload=first_run.payload, text=first_run.title)
    )
    assert "уже закрыт" in replies[0].text
    assert alice.last_text == "Всё понятно со статусом?"  # asked again, nothing taken
    assert alice.last_outcome.owner is Owner.BOT
    await alice.say("87654321")
    assert "https://volt-shop.ru/orders/87654321" in alice.sent[-2].text


async def test_a_late_order_goes_to_a_person_with_what_was_collected(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("12345678")
    told = [m.text for m in await alice.press("Нет, заказ задерживается")]
    assert alice.last_outcome.owner is Owner.QUEUED
    # The flow's own words, then only what they could not know (nobody of the team is online,
    # so no minutes): no second «Передаю…» asking for the order number that the first just
    # said need not be repeated.
    assert told[0].startswith("Передаю коллеге номер заказа 12345678")
    assert len(told) == 2 and told[1].startswith("Сейчас никого из операторов нет на месте")
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert conv.escalation_reason == "flow"
    flow = conv.context["escalation"]["flow"]
    assert flow["slots"] == {"order_number": "12345678", "resolved": "no"}
    # What the operator's console shows next to the escalation:
    assert _flow_view(conv.context) == {
        "Сценарий": "Где мой заказ",
        "Номер заказа": "12345678",
        "Вопрос решён?": "Нет, заказ задерживается",  # the button the customer pressed
    }


async def test_asking_for_a_person_mid_flow_ends_the_flow(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("позовите оператора")
    assert alice.last_outcome.owner is Owner.QUEUED
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert "flow" not in conv.context  # it will not resume when the bot gets the chat back
    assert conv.context["flow_data"]["id"] == "order_status_check"


async def test_no_number_twice_hands_over(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("щас поищу")
    assert "8 цифр" in alice.last_text  # asked again, differently
    await alice.say("нету его нигде")
    assert alice.last_outcome.owner is Owner.QUEUED


async def test_asking_the_flows_question_over_instead_of_answering_hands_over_too(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("ну где мой заказ???")  # no number: asked again, not started over
    assert "8 цифр" in alice.last_text
    await alice.say("где мой заказ, я спрашиваю")
    assert alice.last_outcome.owner is Owner.QUEUED  # as after two answers without a number


async def test_the_customer_can_cancel_or_ask_something_else(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("отмена")  # the order or the question? (tests/test_flow_cancel_which.py)
    await alice.press("Больше не спрашивать")
    assert alice.last_text.startswith("Хорошо, больше не спрашиваю номер заказа")
    await alice.say("где мой заказ")
    await alice.say("а сколько стоит доставка курьером?")
    assert "299" in alice.last_text  # left the flow and answered the new question
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None and "flow" not in conv.context


def _kb() -> KnowledgeBase:
    entry = FAQEntry(id="order_status", title="Статус", questions=["где заказ"], answer="Ответ")
    return KnowledgeBase(entries={"order_status": entry})


def test_flow_validation_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "f.yml").write_text(
        "flows:\n"
        "  - id: broken\n"
        "    title: Сломанный\n"
        "    intents: [no_such_intent]\n"
        "    steps:\n"
        "      - id: a\n"
        "        say: 'Заказ {order_number}'\n"
        "      - id: b\n"
        "        ask: 'Номер?'\n"
        "        slot: number\n"
        "  - id: other\n"
        "    title: Без слота\n"
        "    start_pattern: '(\\d{8}'\n"
        "    steps:\n"
        "      - id: a\n"
        "        ask: 'Номер?'\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_flows([tmp_path], _kb(), {"greet"})
    text = str(info.value)
    assert "f.yml:4:" in text and "неизвестный интент 'no_such_intent'" in text
    assert "f.yml:7:" in text and "{order_number} не собирается" in text  # the text's line
    assert "f.yml:13:" in text and "не является корректным регулярным выражением" in text
    assert "f.yml:15:" in text and "нужен 'slot'" in text


async def test_an_earlier_miss_does_not_turn_the_order_number_into_a_handoff(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("ырвлоап кваквак")  # not understood: one miss
    await alice.say("где мой заказ")
    assert "номер заказа" in alice.last_text
    await alice.say("12345678")  # the flow's answer, not a second miss
    assert any("https://volt-shop.ru/orders/12345678" in m.text for m in alice.sent)
    assert alice.last_outcome.owner is Owner.BOT


async def test_a_customer_may_type_yes_or_no_instead_of_pressing_a_button(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ 12345678")
    await alice.say("да")
    assert "Отлично" in alice.last_text
    bob = bot.customer("bob")
    await bob.say("где мой заказ 87654321")
    await bob.say("нет, заказ задерживается уже неделю")
    assert any("Передаю коллеге номер заказа 87654321" in m.text for m in bob.sent)
    assert bob.last_outcome.owner is Owner.QUEUED


@pytest.mark.parametrize(
    ("phone", "told"),
    [
        # a phone: a person finds the order by it (tests/test_flow_without_number.py)
        ("+7 916 1234567", "Найдём заказ по этому номеру телефона"),
        ("9161234567", "Найдём заказ по этому номеру телефона"),  # a mobile without its 8
    ],
)
async def test_a_phone_number_is_not_taken_for_the_order_number(
    bot: TestBot, phone: str, told: str
) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say(phone)
    assert all("volt-shop.ru/orders" not in m.text for m in alice.sent)
    assert any(m.text.startswith(told) for m in alice.sent)


async def test_an_order_number_typed_in_two_groups_is_the_number(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("где мой заказ")
    await alice.say("1234 5678")
    assert any("https://volt-shop.ru/orders/12345678 " in m.text for m in alice.sent)


async def test_a_courier_who_did_not_come_goes_to_a_person_with_the_order_number(
    bot: TestBot,
) -> None:
    alice = bot.customer("alice")
    await alice.say("курьер не приехал заказ 45678901")  # the number is taken, not asked for
    assert "https://volt-shop.ru/orders/45678901" in alice.sent[0].text
    assert alice.buttons() == ["Да, подожду", "Нет, интервал прошёл"]
    told = [m.text for m in await alice.press("Нет, интервал прошёл")]
    assert "заказ № 45678901" in told[0] and "500 Вольт-бонусов" in told[0]
    assert alice.last_outcome.owner is Owner.QUEUED
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert conv.context["escalation"]["flow"]["slots"]["order_number"] == "45678901"


async def test_a_courier_who_is_only_late_needs_no_person(bot: TestBot) -> None:
    bob = bot.customer("bob")
    await bob.say("курьер не пришел")
    assert "номер заказа" in bob.last_text
    await bob.say("4567 8901")
    await bob.press("Да, подожду")
    assert "напишите" in bob.last_text and bob.last_outcome.owner is Owner.BOT


async def test_the_greetings_where_is_my_order_button_runs_the_flow(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.start()
    await alice.press("Где мой заказ")  # as if typed: the flow asks for the number
    assert "Подскажите номер заказа" in alice.last_text
    await alice.say("12345678")
    assert "https://volt-shop.ru/orders/12345678" in alice.sent[-2].text


async def test_inside_a_flow_a_faq_button_is_answered_as_an_entry(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.start()
    await alice.say("курьер не приехал")  # the courier flow waits for the number
    await alice.press("Где мой заказ")  # the greeting's button, pressed now: a question aside
    assert "volt-shop.ru/orders" in alice.last_text
