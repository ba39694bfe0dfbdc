"""One behavioural contract for every :class:`~bot.channels.base.Channel`.

Each entry of :data:`HARNESSES` starts a channel against its stand-in and exposes what the
customer saw in a channel-neutral shape. To cover another channel (the web chat), write one
``async`` context manager yielding a :class:`Harness` and add it to the list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import pytest

from bot.channels.base import Channel, PermanentError, RetryAfter, TransientError
from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.channels.viber import ViberChannel, ViberSettings
from bot.events import Button, Outbound
from tests.standins import TelegramStandIn, TgFault, ViberFault, ViberStandIn
from tests.standins.support import MemoryPayloadStore

CALL = Button("Позвать оператора", "/handoff_request")


@dataclass
class Harness:
    channel: Channel
    chat_id: str
    texts: Callable[[], list[str]]  # what the customer saw, in order
    buttons: Callable[[], list[list[str]]]  # button titles per message
    fail_rate_limited: Callable[[], None]  # next send: «slow down»
    fail_server_error: Callable[[], None]  # next send: 5xx
    block: Callable[[], None]  # from now on: the customer blocked/left


@asynccontextmanager
async def telegram_harness() -> AsyncIterator[Harness]:
    async with TelegramStandIn.running() as tg:
        channel = TelegramChannel(
            TelegramSettings(token=tg.token, api_url=tg.api_url, payload_store=MemoryPayloadStore())
        )
        chat = 777
        try:
            yield Harness(
                channel=channel,
                chat_id=str(chat),
                texts=lambda: tg.texts(chat),
                buttons=lambda: [m.button_titles for m in tg.sent_to(chat)],
                fail_rate_limited=lambda: tg.fail_next("sendMessage", TgFault.too_many_requests(3)),
                fail_server_error=lambda: tg.fail_next("sendMessage", TgFault.server_error()),
                block=lambda: tg.block(chat),
            )
        finally:
            await channel.stop()


@asynccontextmanager
async def viber_harness() -> AsyncIterator[Harness]:
    async with ViberStandIn.running() as vb:
        channel = ViberChannel(
            ViberSettings(
                token=vb.token,
                api_url=vb.api_url,
                payload_store=MemoryPayloadStore(),
                bot_name="Забота",
                keyboard_default=(CALL,),  # as bot/assemble.py sets it
            )
        )
        user = "contract-user="
        try:
            yield Harness(
                channel=channel,
                chat_id=user,
                texts=lambda: vb.texts(user),
                buttons=lambda: [m.button_titles for m in vb.sent_to(user)],
                fail_rate_limited=lambda: vb.fail_next("send_message", ViberFault.status(12)),
                fail_server_error=lambda: vb.fail_next("send_message", ViberFault.http(500)),
                block=lambda: vb.unsubscribe(user),
            )
        finally:
            await channel.stop()


HARNESSES: dict[str, Callable[[], AbstractAsyncContextManager[Harness]]] = {
    "telegram": telegram_harness,
    "viber": viber_harness,
}


@pytest.fixture(params=sorted(HARNESSES))
async def h(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    async with HARNESSES[request.param]() as harness:
        yield harness


async def test_plain_text_arrives_verbatim(h: Harness) -> None:
    text = "Здравствуйте! <b>Заказ</b> № 12 & «доставка» 🚚"
    ids = await h.channel.send(h.chat_id, Outbound(text))
    assert len(ids) == 1
    assert h.texts() == [text]


async def test_buttons_are_shown(h: Harness) -> None:
    buttons = (
        Button("Оплата", "faq:payment"),
        Button("Возврат — очень длинный payload", "возврат:" + "x" * 80),
    )
    await h.channel.send(h.chat_id, Outbound("Выберите тему", buttons=buttons))
    assert h.buttons()[-1][:2] == ["Оплата", "Возврат — очень длинный payload"]


async def test_while_a_person_is_called_none_is_offered(h: Harness) -> None:
    cancel = Button("Отменить вызов оператора", "/cancel_handoff")
    await h.channel.send(h.chat_id, Outbound("Передаю диалог оператору.", person_called=True))
    added = Outbound("Ваше сообщение добавлено.", buttons=(cancel,), person_called=True)
    await h.channel.send(h.chat_id, added)
    # no «Позвать оператора» (Viber's keyboard_default); the message's own buttons stay
    assert h.buttons() == [[], ["Отменить вызов оператора"]]


async def test_long_text_is_split_in_order_within_limit(h: Harness) -> None:
    limit = h.channel.capabilities.max_text_length
    paragraphs = [f"{i}. " + "текст " * 150 for i in range(40)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 2 * limit
    ids = await h.channel.send(h.chat_id, Outbound(text, buttons=(Button("Ок", "ok"),)))
    seen = h.texts()
    assert len(ids) == len(seen) > 1
    assert all(len(t) <= limit for t in seen)
    assert "\n\n".join(seen) == text
    assert h.buttons()[-1][:1] == ["Ок"]


async def test_rate_limit_maps_to_retry_after(h: Harness) -> None:
    h.fail_rate_limited()
    with pytest.raises(RetryAfter) as info:
        await h.channel.send(h.chat_id, Outbound("a"))
    assert info.value.seconds > 0
    await h.channel.send(h.chat_id, Outbound("b"))  # the fault was one-shot
    assert h.texts() == ["b"]


async def test_server_error_maps_to_transient(h: Harness) -> None:
    h.fail_server_error()
    with pytest.raises(TransientError):
        await h.channel.send(h.chat_id, Outbound("a"))


async def test_blocked_maps_to_permanent(h: Harness) -> None:
    h.block()
    with pytest.raises(PermanentError):
        await h.channel.send(h.chat_id, Outbound("a"))
    assert h.texts() == []


async def test_capabilities_are_sane(h: Harness) -> None:
    caps = h.channel.capabilities
    assert caps.max_text_length > 0
    assert caps.per_chat_interval >= 0 and caps.global_rate >= 0
