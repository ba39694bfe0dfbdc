"""What customers share from the messenger itself: their phone number through «Отправить мой
номер» (bot/linking.py) and a point on the map (bot/location.py).

End to end over the real messenger libraries and the stand-in APIs (the app as
tests/test_e2e_messengers.py builds it), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation, Customer, Identity, Message, Operator
from handoff.service import HandoffService
from tests.standins.telegram import TgUser
from tests.test_e2e_messengers import World, world

IVAN = TgUser(2002, "Иван")
SHARE = "Отправить мой номер"


async def customer_messages(w: World) -> list[Message]:
    async with w.runtime.db.read() as s:
        query = select(Message).where(Message.author == "customer").order_by(Message.id)
        return list((await s.scalars(query)).all())


async def customers_of(w: World) -> dict[tuple[str, str], int]:
    async with w.runtime.db.read() as s:
        rows = await s.execute(select(Identity.channel, Identity.user_id, Identity.customer_id))
        return {(channel, user): customer for channel, user, customer in rows.all()}


async def test_telegram_offers_the_share_phone_button_and_takes_it_away_after(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        # Known in Viber by the phone an operator noted down.
        await w.vb.deliver(w.vb.message_event("vb-ivan", "здравствуйте"), w.client)
        await w.settle()
        async with w.runtime.db.write() as s:
            viber = await s.scalar(select(Customer))
            assert viber is not None
            viber.phone = "79123456789"

        await w.tg.deliver(w.tg.text_update(IVAN, "как связать телеграм и вайбер"), w.client)
        await w.settle()
        [asked] = w.tg.sent_to(IVAN.id)  # the code, or one press instead
        assert asked.text.startswith("Чтобы связать этот чат с другим мессенджером")
        assert "\n\nИли нажмите «Отправить мой номер» внизу" in asked.text
        assert [(b.text, b.request_contact) for b in w.tg.reply_keyboard(IVAN.id)] == [
            (SHARE, True)
        ]

        # A card from the address book: Telegram does not vouch for it, the button stays.
        await w.tg.deliver(w.tg.contact_update(IVAN, "+7 912 345-67-89", own=False), w.client)
        await w.settle()
        assert w.tg.texts(IVAN.id)[-1].startswith("Это контакт другого человека")
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]
        ids = await customers_of(w)
        assert ids[("telegram", str(IVAN.id))] != ids[("viber", "vb-ivan")]

        # The button: Telegram sends the customer's own number, and the keyboard goes away.
        await w.tg.deliver(w.tg.contact_update(IVAN, "+7 912 345-67-89"), w.client)
        await w.settle()
        assert w.tg.texts(IVAN.id)[-1].startswith("Готово! Аккаунты Telegram и Viber связаны")
        assert w.tg.sent_to(IVAN.id)[-1].keyboard == "remove"
        assert w.tg.reply_keyboard(IVAN.id) == []
        ids = await customers_of(w)
        assert ids[("telegram", str(IVAN.id))] == ids[("viber", "vb-ivan")]


async def test_viber_gets_the_link_code_without_a_share_phone_button(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """Viber's «share-phone» would send a number Viber does not vouch for: it could join
    nothing, so the code alone is offered."""
    async with world(db_url, demo_project, demo_model) as w:
        await w.vb.deliver(w.vb.message_event("vb-ivan", "как связать вайбер и телеграм"), w.client)
        await w.settle()
        [code] = w.vb.sent_to("vb-ivan")
        assert "код" in code.text
        assert all(b.action_type != "share-phone" for b in code.buttons)


async def test_a_shared_location_is_a_point_on_the_map_not_a_file(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        venue = ("Вольт на Тверской", "Тверская ул., 7")
        for update in (
            w.tg.location_update(IVAN, 55.751244, 37.618423),
            w.tg.location_update(IVAN, 55.7579, 37.6112, venue=venue),
        ):
            await w.tg.deliver(update, w.client)
            await w.settle()
        await w.vb.deliver(w.vb.location_event("vb-ivan", 59.939095, 30.315868), w.client)
        await w.settle()
        point, place, viber = await customer_messages(w)
        assert point.text == (
            "📍 Геопозиция: 55.751244, 37.618423 "
            "https://yandex.ru/maps/?pt=37.618423,55.751244&z=16"
        )
        assert point.data["attachments"][0]["url"] == "geo:55.751244,37.618423"
        assert place.text.startswith(
            "📍 Геопозиция: Вольт на Тверской, Тверская ул., 7 (55.7579, 37.6112) "
        )
        assert viber.text.endswith("https://yandex.ru/maps/?pt=30.315868,59.939095&z=16")

        # The bot asks what it is about; nobody is called for a file that is none.
        for said in (w.tg.texts(IVAN.id), w.vb.texts("vb-ivan")):
            assert said and all(t.startswith("Спасибо, геопозицию получил") for t in said)
        async with w.runtime.db.read() as s:
            owners = set((await s.scalars(select(Conversation.owner))).all())
            assert owners == {Owner.BOT.value}


async def test_a_customer_who_types_instead_of_pressing_loses_the_share_phone_keyboard(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(IVAN, "как связать телеграм и вайбер"), w.client)
        await w.settle()
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]

        # An FAQ question instead: its answer keeps «Помогло / Не помогло» and takes the
        # big button away — the same one message, nothing sent just for that.
        await w.tg.deliver(w.tg.text_update(IVAN, "сколько стоит доставка?"), w.client)
        await w.settle()
        _asked, answered = w.tg.sent_to(IVAN.id)
        assert answered.keyboard == "inline"
        assert answered.button_titles[-2:] == ["👍 Помогло", "👎 Не помогло"]
        assert w.tg.reply_keyboard(IVAN.id) == []

        # The buttons work as ever.
        [pressed] = [b for row in answered.buttons for b in row if b.text == "👍 Помогло"]
        helped = w.tg.callback_update(
            IVAN, pressed.callback_data or "", message_id=answered.message_id
        )
        await w.tg.deliver(helped, w.client)
        await w.settle()
        thanked = w.tg.sent_to(IVAN.id)[-1]  # «Рад, что помог!»
        assert len(w.tg.sent_to(IVAN.id)) == 3 and thanked.keyboard is None

        await w.tg.deliver(w.tg.text_update(IVAN, "спасибо"), w.client)
        await w.settle()  # removed once: the answers after it carry nothing
        assert w.tg.sent_to(IVAN.id)[-1].keyboard is None
        assert not any(m.removed_reply_keyboard for m in w.tg.sent_to(IVAN.id)[2:])


async def test_with_an_operator_the_keyboard_goes_with_her_reply_after_the_customer_wrote_on(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """/link while an operator has the chat: the customer writes to her instead of pressing,
    the bot says nothing, and her next reply takes the big button away."""
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(IVAN, "позовите оператора"), w.client)
        await w.settle()
        conversation_id = await w.operator_takes_and_replies("Здравствуйте, я Анна.")
        await w.settle()
        await w.tg.deliver(w.tg.command_update(IVAN, "link"), w.client)
        await w.settle()
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]

        said = len(w.tg.sent_to(IVAN.id))
        await w.tg.deliver(w.tg.text_update(IVAN, "а номер мой вы видите?"), w.client)
        await w.settle()
        assert len(w.tg.sent_to(IVAN.id)) == said  # to her: the bot is silent
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]

        service = HandoffService.from_runtime(w.runtime)
        async with w.runtime.db.read() as s:
            anna = await s.scalar(select(Operator))
            assert anna is not None
        await service.reply(conversation_id, anna.id, "Нет, отправьте его сюда текстом.")
        await w.settle()
        assert w.tg.texts(IVAN.id)[-1] == "Нет, отправьте его сюда текстом."
        assert w.tg.reply_keyboard(IVAN.id) == []
        assert len(w.tg.sent_to(IVAN.id)) == said + 1

        await service.reply(conversation_id, anna.id, "Жду.")
        await w.settle()  # taken away once
        assert not w.tg.sent_to(IVAN.id)[-1].removed_reply_keyboard


async def test_the_keyboard_outlives_a_conversation_that_expired_until_the_next_answer(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(IVAN, "как связать телеграм и вайбер"), w.client)
        await w.settle()
        async with w.runtime.db.write() as s:  # the customer went quiet for a day
            conversation = await s.scalar(select(Conversation))
            assert conversation is not None
            conversation.updated_at -= timedelta(days=1)

        await w.tg.deliver(w.tg.text_update(IVAN, "сколько стоит доставка?"), w.client)
        await w.settle()
        async with w.runtime.db.read() as s:
            owners = list((await s.scalars(select(Conversation.owner))).all())
        assert sorted(owners) == [Owner.BOT.value, Owner.CLOSED.value]  # a new conversation
        answered = w.tg.sent_to(IVAN.id)[-1]
        assert answered.keyboard == "inline" and "👍 Помогло" in answered.button_titles
        assert w.tg.reply_keyboard(IVAN.id) == []


async def test_a_customer_linked_across_channels_loses_the_keyboard_on_the_next_telegram_reply(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """The keyboard belongs to the Telegram chat: a Viber reply in between takes nothing away
    there, and the next reply in Telegram does."""
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(IVAN, "как связать телеграм и вайбер"), w.client)
        await w.settle()
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]
        [code] = re.findall(r"\b\d{6}\b", w.tg.texts(IVAN.id)[-1])

        # Ivan types the code in Viber instead: the chats are linked, one conversation.
        await w.vb.deliver(w.vb.message_event("vb-ivan", code), w.client)
        await w.settle()
        ids = await customers_of(w)
        assert ids[("telegram", str(IVAN.id))] == ids[("viber", "vb-ivan")]
        await w.vb.deliver(w.vb.message_event("vb-ivan", "сколько стоит доставка?"), w.client)
        await w.settle()
        assert "доставк" in w.vb.texts("vb-ivan")[-1].lower()
        assert [b.text for b in w.tg.reply_keyboard(IVAN.id)] == [SHARE]  # Telegram: still there

        await w.tg.deliver(w.tg.text_update(IVAN, "а самовывоз есть?"), w.client)
        await w.settle()
        assert w.tg.reply_keyboard(IVAN.id) == []  # taken away with the answer
        await w.tg.deliver(w.tg.text_update(IVAN, "сколько стоит доставка?"), w.client)
        await w.settle()
        assert not w.tg.sent_to(IVAN.id)[-1].removed_reply_keyboard  # once
