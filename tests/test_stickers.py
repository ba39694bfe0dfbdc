"""A sticker is a reaction, not a request for a person.

Customers in Telegram and Viber answer with stickers: a «👍» after an answer is thanks, a
random one is small talk. Neither calls an operator (a photo or a voice message still does:
the bot cannot read it, a person can). Driven through the real libraries and the stand-ins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.ownership import Owner
from bot.storage.models import Conversation, Message
from handoff import views
from tests.handoff_kit import WALL_CLOCK
from tests.test_e2e_messengers import World, world


async def _owners(w: World) -> list[str]:
    async with w.runtime.db.read() as s:
        return list((await s.scalars(select(Conversation.owner))).all())


async def _stored_stickers(w: World) -> list[dict[str, Any]]:
    async with w.runtime.db.read() as s:
        messages = (await s.scalars(select(Message).where(Message.direction == "in"))).all()
    return [a for m in messages for a in (m.data or {}).get("attachments", [])]


async def test_a_thumbs_up_sticker_after_an_answer_is_thanks(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(2001, "как вернуть товар?"), w.client)
        await w.settle()
        await w.tg.deliver(w.tg.sticker_update(2001, "👍"), w.client)
        await w.settle()

        assert w.tg.texts(2001)[-1] == "Рад помочь! Если появятся ещё вопросы — пишите."
        assert await _owners(w) == [Owner.BOT]
        # The operator would see which sticker it was.
        assert await _stored_stickers(w) == [
            {"kind": "sticker", "url": "tg-file:FILE1", "name": "👍", "mime_type": None, "size": 9}
        ]


async def test_another_sticker_asks_for_words_and_offers_a_person(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.sticker_update(2002, "😡"), w.client)
        await w.settle()
        reply = w.tg.sent_to(2002)[-1]
        assert reply.text.startswith("🙂 Если остался вопрос — напишите его словами")
        assert reply.button_titles == ["Позвать оператора"]
        assert await _owners(w) == [Owner.BOT]  # nobody was called for a sticker

        # The customer does want a person: the button calls one, the sticker is in the history.
        press = next(b for row in reply.buttons for b in row if b.text == "Позвать оператора")
        assert press.callback_data is not None
        await w.tg.deliver(
            w.tg.callback_update(2002, press.callback_data, message_id=reply.message_id),
            w.client,
        )
        await w.settle()
        assert await _owners(w) == [Owner.QUEUED]
        assert "коллег" in w.tg.texts(2002)[-1]


async def test_a_viber_sticker_means_nothing_known_so_it_asks(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.vb.deliver(w.vb.sticker_event("vb-sticker", 40133), w.client)
        await w.settle()
        reply = w.vb.sent_to("vb-sticker")[-1]
        assert reply.text.startswith("🙂 Если остался вопрос — напишите его словами.")
        assert "Оператор" in reply.button_titles
        assert await _owners(w) == [Owner.BOT]
        [sticker] = await _stored_stickers(w)
        assert sticker["kind"] == "sticker"
        assert sticker["url"] == "https://media.example/stickers/40133.png"


async def test_a_voice_message_still_goes_to_a_person(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.voice_update(2003), w.client)
        await w.settle()
        assert await _owners(w) == [Owner.QUEUED]
        assert "коллег" in w.tg.texts(2003)[-1]


async def test_a_sticker_while_waiting_for_a_person_reaches_the_person_only(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(2004, "позовите оператора"), w.client)
        await w.settle()
        await w.operator_takes_and_replies("Здравствуйте, это Анна.")
        await w.settle()
        before = len(w.tg.sent_to(2004))
        await w.tg.deliver(w.tg.sticker_update(2004, "👍"), w.client)
        await w.settle()
        assert len(w.tg.sent_to(2004)) == before  # no bot talk over the operator
        assert await _owners(w) == [Owner.OPERATOR]
        assert [a["name"] for a in await _stored_stickers(w)] == ["👍"]  # the operator sees it
        async with w.runtime.db.read() as s:
            [item] = await views.summaries(
                s, (await s.scalars(select(Conversation))).all(), WALL_CLOCK
            )
        assert item["last_customer_message"]["text"] == "📎 стикер 👍"  # in the console's list
