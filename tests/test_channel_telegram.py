"""TelegramChannel with the real python-telegram-bot against the Bot API stand-in."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.base import PermanentError, RetryAfter, TransientError
from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.commands import typed_command
from bot.events import (
    STATUS_SUBSCRIBED,
    STATUS_UNSUBSCRIBED,
    Button,
    ButtonStyle,
    InboundKind,
    Outbound,
)
from tests.standins import TelegramStandIn, TgFault, TgUser
from tests.standins.support import Collector, MemoryFileStore, MemoryPayloadStore

SECRET = "s3cret-token_for-tests"
CHAT = 4242
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"  # binary, every byte value
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 3000


@dataclass
class Env:
    tg: TelegramStandIn
    channel: TelegramChannel
    store: MemoryPayloadStore
    collected: Collector
    client: httpx.AsyncClient
    files: MemoryFileStore


def make_channel(
    tg: TelegramStandIn, store: MemoryPayloadStore, **extra: object
) -> TelegramChannel:
    settings = TelegramSettings(
        token=tg.token,
        api_url=tg.api_url,
        payload_store=store,
        secret_token=SECRET,
        **extra,  # type: ignore[arg-type]
    )
    return TelegramChannel(settings)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with TelegramStandIn.running() as tg:
        store = MemoryPayloadStore()
        files = MemoryFileStore()
        channel = make_channel(
            tg, store, webhook_url="https://bot.example", request_timeout=2.0, file_store=files
        )
        collected = Collector()
        app = Starlette(routes=channel.routes(collected))
        await channel.start(collected)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="https://bot.example"
        ) as client:
            yield Env(tg, channel, store, collected, client, files)
        await channel.stop()


# -- webhook ---------------------------------------------------------------------------------


async def test_start_registers_webhook_with_secret(env: Env) -> None:
    assert env.tg.webhook is not None
    assert env.tg.webhook["url"] == "https://bot.example/webhooks/telegram"
    assert env.tg.webhook["secret_token"] == SECRET
    assert env.tg.webhook["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",  # a customer blocking or unblocking the bot
    ]


@pytest.mark.parametrize("secret", ["", "wrong", SECRET + "x", "ключ"])
async def test_forged_or_missing_secret_is_403(env: Env, secret: str) -> None:
    update = env.tg.text_update(1, "hi")
    # (non-ASCII header bytes must not crash compare_digest)
    headers = {b"X-Telegram-Bot-Api-Secret-Token": secret.encode()} if secret else {}
    response = await env.client.post("/webhooks/telegram", json=update, headers=headers)
    assert response.status_code == 403
    assert env.collected.events == []


async def test_malformed_and_oversized_bodies(env: Env) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    bad = await env.client.post("/webhooks/telegram", content=b"{not json", headers=headers)
    assert bad.status_code == 400
    assert bad.json()["error"] == "malformed JSON"
    not_update = await env.client.post("/webhooks/telegram", json=[1, 2], headers=headers)
    assert not_update.status_code == 400
    big = await env.client.post(
        "/webhooks/telegram", content=b" " * (1024 * 1024 + 1), headers=headers
    )
    assert big.status_code == 413
    assert env.collected.events == []


async def test_json_nested_too_deep_is_malformed_not_a_500(env: Env) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        deep = await env.client.post("/webhooks/telegram", content=body, headers=headers)
        assert deep.status_code == 400
        assert deep.json()["error"] == "malformed JSON"
    assert (await env.tg.deliver(env.tg.text_update(1, "потом"), env.client)).status_code == 200
    assert [e.text for e in env.collected.events] == ["потом"]


async def test_a_message_without_its_chat_is_400_not_a_redelivered_500(env: Env) -> None:
    update = env.tg.text_update(1, "где мой заказ")
    del update["message"]["chat"]
    response = await env.tg.deliver(update, env.client)
    assert response.status_code == 400
    assert response.json()["error"] == "not a Telegram Update"
    assert env.collected.events == []


async def test_a_lone_surrogate_is_replaced_at_the_door(env: Env) -> None:
    """Half an emoji (``"\\ud800"``, valid JSON) would fail every attempt to store it."""
    update = env.tg.text_update(1, "\ud800 как вернуть товар")
    body = json.dumps(update).encode()  # ASCII: the surrogate goes as its escape
    assert b"\\ud800" in body
    response = await env.client.post(
        "/webhooks/telegram", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 200
    [event] = env.collected.events
    assert event.text == "\ufffd как вернуть товар"
    event.text.encode("utf-8")  # what the database driver does


async def test_text_update(env: Env) -> None:
    user = TgUser(77, "Анна", "Смирнова", language_code="ru")
    update = env.tg.text_update(user, "Где мой заказ?")
    response = await env.tg.deliver(update, env.client)
    assert response.status_code == 200
    [event] = env.collected.events
    assert event.kind is InboundKind.TEXT
    assert event.text == "Где мой заказ?"
    assert event.external_id == str(update["update_id"])
    assert (event.user_id, event.chat_id) == ("77", "77")
    assert event.display_name == "Анна Смирнова"
    assert event.language == "ru"
    assert event.channel == "telegram"


async def test_start_with_payload(env: Env) -> None:
    await env.tg.deliver(env.tg.command_update(5, "start", "promo_42"), env.client)
    await env.tg.deliver(env.tg.command_update(5, "start"), env.client)
    # Handed over as typed; the runtime reads the command, as in every channel (bot/commands.py).
    first, second = (typed_command(e) for e in env.collected.events)
    assert first.kind is InboundKind.START and first.start_param == "promo_42"
    assert first.text == "/start promo_42"  # what the operator sees in the history
    assert second.kind is InboundKind.START and second.start_param is None


async def test_the_menu_offers_an_operator_and_the_command_is_the_button(env: Env) -> None:
    assert env.tg.commands == [
        ("start", "Начать сначала"),
        ("operator", "Позвать оператора"),
        ("help", "Что умеет бот"),
        ("link", "Связать с Viber"),
    ]
    await env.tg.deliver(env.tg.command_update(5, "operator"), env.client)
    await env.tg.deliver(env.tg.command_update(5, "help"), env.client)
    await env.tg.deliver(env.tg.command_update(5, "link"), env.client)
    await env.tg.deliver(env.tg.command_update(5, "unknown"), env.client)
    operator, helping, linking, unknown = (typed_command(e) for e in env.collected.events)
    assert (operator.kind, operator.payload) == (InboundKind.BUTTON, "/handoff_request")
    assert (helping.kind, helping.payload) == (InboundKind.BUTTON, "/bot_challenge")
    assert (linking.kind, linking.payload) == (InboundKind.BUTTON, "/link")  # the link code
    assert (unknown.kind, unknown.text) == (InboundKind.TEXT, "/unknown")  # read as text


async def test_a_menu_the_api_refuses_does_not_stop_the_channel() -> None:
    async with TelegramStandIn.running() as tg:
        tg.fail_next("setMyCommands", TgFault.server_error())
        channel = make_channel(tg, MemoryPayloadStore(), webhook_url="https://bot.example")
        await channel.start(Collector())
        assert tg.webhook is not None  # started all the same
        await channel.stop()


async def test_callback_is_answered_and_mapped(env: Env) -> None:
    update = env.tg.callback_update(9, "faq:delivery", title="Доставка")
    response = await env.tg.deliver(update, env.client)
    assert response.status_code == 200
    [event] = env.collected.events
    assert event.kind is InboundKind.BUTTON
    assert event.payload == "faq:delivery"
    assert event.text == "Доставка"
    await env.tg.wait_for(lambda: len(env.tg.calls_to("answerCallbackQuery")) == 1)
    call = env.tg.calls_to("answerCallbackQuery")[0]
    assert call.params["callback_query_id"] == update["callback_query"]["id"]


async def test_the_pressed_button_is_marked_and_read_without_the_mark(env: Env) -> None:
    await env.channel.send(
        str(CHAT),
        Outbound(
            "Вы имели в виду?",
            buttons=(
                Button("Доставка", "faq:delivery"),
                Button("Оплата", "faq:payment"),
                Button("Сайт", "", url="https://volt-shop.ru"),
            ),
        ),
    )
    [asked] = env.tg.sent_to(CHAT)
    await env.tg.deliver(
        env.tg.callback_update(CHAT, "faq:payment", message_id=asked.message_id), env.client
    )

    def titles() -> list[str]:
        shown = env.tg.shown_message(CHAT, asked.message_id)
        return shown.button_titles if shown is not None else []

    await env.tg.wait_for(lambda: titles() == ["Доставка", "✓ Оплата", "Сайт"])
    shown = env.tg.shown_message(CHAT, asked.message_id)
    assert shown is not None and shown.buttons[-1][0].url == "https://volt-shop.ru"  # kept
    # Another press moves the mark; the event carries the title as the bot wrote it.
    await env.tg.deliver(
        env.tg.callback_update(CHAT, "faq:delivery", message_id=asked.message_id), env.client
    )
    await env.tg.wait_for(lambda: titles() == ["✓ Доставка", "Оплата", "Сайт"])
    assert [e.text for e in env.collected.events] == ["Оплата", "Доставка"]
    # The same button again changes nothing: no edit Telegram would refuse as «not modified».
    await env.tg.deliver(
        env.tg.callback_update(CHAT, "faq:delivery", message_id=asked.message_id), env.client
    )
    await env.tg.wait_for(lambda: len(env.tg.calls_to("answerCallbackQuery")) == 3)
    assert len(env.tg.calls_to("editMessageReplyMarkup")) == 2
    assert [e.text for e in env.collected.events][-1] == "Доставка"


async def test_a_refused_mark_changes_nothing_else(env: Env) -> None:
    await env.channel.send(str(CHAT), Outbound("Оцените", buttons=(Button("5", "rate:5"),)))
    [asked] = env.tg.sent_to(CHAT)
    env.tg.fail_next("editMessageReplyMarkup", TgFault.server_error())
    update = env.tg.callback_update(CHAT, "rate:5", message_id=asked.message_id)
    assert (await env.tg.deliver(update, env.client)).status_code == 200
    await env.tg.wait_for(lambda: len(env.tg.calls_to("editMessageReplyMarkup")) == 1)
    [event] = env.collected.events
    assert event.payload == "rate:5" and event.text == "5"


async def test_long_cyrillic_callback_payload_round_trips(env: Env) -> None:
    payload = "тариф:безлимитный-семейный-годовой"  # 34 chars, 64+ bytes in UTF-8
    assert len(payload) <= 64 < len(payload.encode())
    await env.channel.send(str(CHAT), Outbound("Выберите", buttons=(Button("Тариф", payload),)))
    [seen] = env.tg.sent_to(CHAT)
    data = seen.buttons[0][0].callback_data
    assert data is not None and data.startswith("k:") and len(data.encode()) <= 64
    await env.tg.deliver(env.tg.callback_update(CHAT, data, title="Тариф"), env.client)
    [event] = env.collected.events
    assert event.payload == payload


async def test_contact_media_and_ignored_updates(env: Env) -> None:
    tg = env.tg
    for update in (
        tg.contact_update(3, "+7 (912) 345-67-89"),
        tg.contact_update(3, "+7 900 000-00-00", own=False),
        tg.photo_update(3, caption="Вот чек"),
        tg.photo_update(3),
        tg.document_update(3, "акт.pdf"),
        tg.voice_update(3),
        tg.edited_update(3, "исправил"),
        tg.member_update(3, "member", was="left", chat_type="group"),  # not a customer
    ):
        response = await tg.deliver(update, env.client)
        assert response.status_code == 200
    contact, foreign, captioned, photo, document, voice, edited = env.collected.events
    # A corrected message is what the customer now says, marked as a correction.
    assert (edited.kind, edited.text, edited.edited) == (InboundKind.TEXT, "исправил", True)
    assert not captioned.edited
    assert contact.kind is InboundKind.CONTACT and contact.contact_phone == "79123456789"
    assert contact.contact_verified  # the card's user_id is the sender's
    assert contact.text  # the number as shared: what the operator reads in the history
    # Someone else's card: a number Telegram does not vouch for.
    assert foreign.kind is InboundKind.CONTACT and foreign.contact_phone == "79000000000"
    assert not foreign.contact_verified
    assert captioned.kind is InboundKind.TEXT and captioned.text == "Вот чек"
    assert captioned.attachments[0].kind == "photo"
    assert photo.kind is InboundKind.ATTACHMENT
    assert photo.attachments[0].url.startswith("tg-file:")
    assert photo.attachments[0].url != captioned.attachments[0].url
    doc = document.attachments[0]
    assert (doc.kind, doc.name, doc.mime_type) == ("document", "акт.pdf", "application/pdf")
    assert voice.attachments[0].kind == "audio"
    content, mime = await env.channel.download(doc.url)
    assert content == b"%PDF-1.4"
    assert mime == "application/pdf"


async def test_blocking_and_unblocking_the_bot_are_statuses(env: Env) -> None:
    tg = env.tg
    for update in (
        tg.member_update(3, "kicked", date=1_700_000_000),
        tg.member_update(3, "member", date=1_700_000_060),
    ):
        assert (await tg.deliver(update, env.client)).status_code == 200
    blocked, unblocked = env.collected.events
    assert (blocked.kind, blocked.payload) == (InboundKind.STATUS, STATUS_UNSUBSCRIBED)
    assert (unblocked.kind, unblocked.payload) == (InboundKind.STATUS, STATUS_SUBSCRIBED)
    assert (blocked.user_id, blocked.chat_id) == ("3", "3")
    assert (blocked.happened_at, unblocked.happened_at) == (1_700_000_000, 1_700_000_060)


async def test_a_location_or_a_venue_arrives_as_a_point_with_a_map_link(env: Env) -> None:
    tg = env.tg
    await tg.deliver(tg.location_update(3, 55.751244, 37.618423), env.client)
    venue = ("Вольт", "Тверская ул., 7")
    await tg.deliver(tg.location_update(3, 55.7579, 37.6112, venue=venue), env.client)
    point, place = env.collected.events
    assert point.kind is InboundKind.LOCATION
    assert point.text == (
        "📍 Геопозиция: 55.751244, 37.618423 https://yandex.ru/maps/?pt=37.618423,55.751244&z=16"
    )
    assert [(a.kind, a.url) for a in point.attachments] == [("location", "geo:55.751244,37.618423")]
    assert place.text.startswith("📍 Геопозиция: Вольт, Тверская ул., 7 (55.7579, 37.6112) ")
    assert place.attachments[0].name == "Вольт, Тверская ул., 7"


# -- send ------------------------------------------------------------------------------------


async def test_a_contact_request_is_a_reply_keyboard_removed_on_request(env: Env) -> None:
    share = Button.contact_request("Отправить мой номер")
    site = Button("Сайт", "", url="https://example.com")
    # Asked inline, still a reply keyboard: Telegram has no inline contact request.
    await env.channel.send(str(CHAT), Outbound("Ваш номер?", buttons=(share, site)))
    [asked] = env.tg.sent_to(CHAT)
    assert asked.keyboard == "reply" and asked.text.endswith("Сайт")  # the link as text
    assert [(b.text, b.request_contact) for b in env.tg.reply_keyboard(CHAT)] == [
        ("Отправить мой номер", True)
    ]
    await env.channel.send(str(CHAT), Outbound("Спасибо", remove_keyboard=True))
    assert env.tg.sent_to(CHAT)[-1].keyboard == "remove"
    assert env.tg.reply_keyboard(CHAT) == []
    # Stored in the outbox and read back, the request survives.
    again = Outbound.from_json(Outbound("Ваш номер?", buttons=(share,)).to_json())
    assert again.buttons == (share,)
    assert Outbound.from_json(Outbound("ok", remove_keyboard=True).to_json()).remove_keyboard


async def _ask_phone(env: Env) -> None:
    share = Button.contact_request("Отправить мой номер")
    await env.channel.send(str(CHAT), Outbound("Ваш номер?", buttons=(share,)))
    assert [b.text for b in env.tg.reply_keyboard(CHAT)] == ["Отправить мой номер"]


HELPED = (Button("👍 Помогло", "/helpful{}"), Button("👎 Не помогло", "/unhelpful{}"))


async def test_an_answer_with_inline_buttons_takes_the_reply_keyboard_away_too(
    env: Env,
) -> None:
    """No Telegram message has both an inline keyboard and ReplyKeyboardRemove: the answer is
    sent taking the keyboard away, then gets its buttons — one message, nothing extra."""
    await _ask_phone(env)
    answer = Outbound("Доставка по Москве — 300 ₽.", buttons=HELPED, remove_keyboard=True)
    [message_id] = await env.channel.send(str(CHAT), answer)
    _asked, answered = env.tg.sent_to(CHAT)
    assert str(answered.message_id) == message_id
    assert answered.text == "Доставка по Москве — 300 ₽."
    assert answered.keyboard == "inline"
    assert answered.button_titles == ["👍 Помогло", "👎 Не помогло"]
    assert env.tg.reply_keyboard(CHAT) == []
    # Without the mark, an inline answer is one plain send, as always.
    await env.channel.send(str(CHAT), Outbound("Ещё вопрос?", buttons=HELPED))
    assert len(env.tg.calls_to("editMessageReplyMarkup")) == 1


async def test_a_long_or_pictured_answer_takes_the_keyboard_away_with_its_first_part(
    env: Env,
) -> None:
    await _ask_phone(env)
    long = "\n\n".join(["Абзац условий доставки. " * 60] * 4)  # over 4096: two messages
    await env.channel.send(str(CHAT), Outbound(long, buttons=HELPED, remove_keyboard=True))
    _, first, last = env.tg.sent_to(CHAT)
    assert first.keyboard == "remove" and first.buttons == ()
    assert last.keyboard == "inline" and last.button_titles == ["👍 Помогло", "👎 Не помогло"]
    assert env.tg.reply_keyboard(CHAT) == []

    await _ask_phone(env)
    photo = Outbound(
        "Так выглядит чек.",
        buttons=HELPED,
        image_url="https://example.com/check.png",
        remove_keyboard=True,
    )
    await env.channel.send(str(CHAT), photo)
    pictured = env.tg.sent_to(CHAT)[-1]
    assert pictured.kind == "photo" and pictured.text == "Так выглядит чек."
    assert pictured.button_titles == ["👍 Помогло", "👎 Не помогло"]
    assert env.tg.reply_keyboard(CHAT) == []
    assert env.tg.calls_to("editMessageReplyMarkup")[-1].params["message_id"] in (
        pictured.message_id,
        str(pictured.message_id),
    )


async def test_an_answer_whose_buttons_cannot_be_added_is_taken_back_and_sent_again(
    env: Env,
) -> None:
    await _ask_phone(env)
    answer = Outbound("Доставка по Москве — 300 ₽.", buttons=HELPED, remove_keyboard=True)
    env.tg.fail_next("editMessageReplyMarkup", TgFault.server_error())
    with pytest.raises(TransientError):
        await env.channel.send(str(CHAT), answer)
    assert env.tg.texts(CHAT) == ["Ваш номер?"]  # not left there without its buttons
    await env.channel.send(str(CHAT), answer)  # the outbox's next attempt
    assert env.tg.texts(CHAT) == ["Ваш номер?", "Доставка по Москве — 300 ₽."]
    assert env.tg.sent_to(CHAT)[-1].button_titles == ["👍 Помогло", "👎 Не помогло"]
    assert env.tg.reply_keyboard(CHAT) == []


async def test_html_is_escaped(env: Env) -> None:
    text = "<img src=x onerror=alert(1)> & <b>не жирный</b>"
    ids = await env.channel.send(str(CHAT), Outbound(text))
    assert len(ids) == 1
    assert env.tg.texts(CHAT) == [text]


async def test_long_text_is_split_at_paragraphs_with_buttons_last(env: Env) -> None:
    paragraphs = [f"Абзац {i}: " + "слово " * 60 for i in range(30)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 10_000
    buttons = (Button("Да", "yes"), Button("Сайт", "", url="https://example.com"))
    ids = await env.channel.send(str(CHAT), Outbound(text, buttons=buttons))
    seen = env.tg.sent_to(CHAT)
    assert len(ids) == len(seen) >= 3
    assert all(len(m.text) <= 4096 for m in seen)
    assert "\n\n".join(m.text for m in seen) == text  # in order, cut only between paragraphs
    assert all(m.buttons == () for m in seen[:-1])
    assert seen[-1].button_titles == ["Да", "Сайт"]
    assert seen[-1].buttons[1][0].url == "https://example.com"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _paragraph_greedy(paragraphs: list[str], limit: int = 4096) -> int:
    """How many messages a paragraph-greedy split needs: fill each up to ``limit`` units."""
    count, size = 0, limit + 1
    for p in paragraphs:
        if size + 2 + _utf16(p) > limit:
            count, size = count + 1, _utf16(p)
        else:
            size += 2 + _utf16(p)
    return count


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["📦 Пункт списка с описанием товара номер " + str(i) for i in range(190)],
        [("😀 " * (20 + i % 30)).strip() for i in range(120)],
        ["😀" * 1500, "x" * 1500, "😀🎉" * 700, "Итого: " + "👍" * 900],
    ],
    ids=["list", "emoji-lines", "emoji-blocks"],
)
async def test_emoji_heavy_text_goes_in_as_few_messages_as_paragraphs_allow(
    env: Env, paragraphs: list[str]
) -> None:
    text = "\n\n".join(paragraphs)
    await env.channel.send(str(CHAT), Outbound(text))
    seen = env.tg.sent_to(CHAT)
    assert all(_utf16(m.text) <= 4096 for m in seen)
    assert "\n\n".join(m.text for m in seen) == text  # cut only between paragraphs
    assert len(seen) == _paragraph_greedy(paragraphs)


async def test_a_paragraph_over_the_limit_alone_is_resplit(env: Env) -> None:
    text = "Начало\n\n" + "😀" * 3000 + "\n\nКонец"
    await env.channel.send(str(CHAT), Outbound(text))
    seen = [m.text for m in env.tg.sent_to(CHAT)]
    assert [_utf16(t) for t in seen] == [6, 4096, 2 * 952 + 2 + 5]  # paragraphs first
    assert "".join(seen).replace("\n\n", "") == text.replace("\n\n", "")


async def test_reply_keyboard_and_photo(env: Env) -> None:
    await env.channel.send(
        str(CHAT),
        Outbound(
            "Как связаться?",
            style=ButtonStyle.REPLY,
            buttons=(
                Button("Позвонить", "call"),
                Button("Сайт", "", url="https://x.example/?a=1&b=2"),
            ),
        ),
    )
    await env.channel.send(str(CHAT), Outbound("Ваш чек", image_url="https://img.example/1.png"))
    reply, photo = env.tg.sent_to(CHAT)
    assert reply.keyboard == "reply" and reply.button_titles == ["Позвонить"]
    assert reply.text.endswith("Сайт")
    assert 'href="https://x.example/?a=1&amp;b=2"' in reply.raw
    assert (photo.kind, photo.text, photo.photo) == (
        "photo",
        "Ваш чек",
        "https://img.example/1.png",
    )


async def test_short_buttons_share_rows_and_long_ones_keep_their_own(env: Env) -> None:
    rating = tuple(Button(str(i), f"rate:{i}") for i in range(1, 6))
    await env.channel.send(str(CHAT), Outbound("Оцените нас", buttons=rating))
    faq = (
        Button("Как вернуть товар?", "faq:1"),
        Button("👍 Помогло", "h:1:yes"),
        Button("👎 Не помогло", "h:1:no"),
        Button("Сайт", "", url="https://example.com"),
        Button("Позвать оператора", "/operator"),
    )
    await env.channel.send(str(CHAT), Outbound("Ответ", buttons=faq))
    await env.channel.send(
        str(CHAT),
        Outbound(
            "Выберите",
            style=ButtonStyle.REPLY,
            buttons=(*rating, Button("Позвать оператора", "/operator")),
        ),
    )
    scale, answer, reply = env.tg.sent_to(CHAT)
    assert scale.button_rows == [["1", "2", "3", "4", "5"]]
    assert answer.button_rows == [
        ["Как вернуть товар?"],
        ["👍 Помогло", "👎 Не помогло"],
        ["Сайт"],
        ["Позвать оператора"],
    ]
    assert reply.keyboard == "reply"
    assert reply.button_rows == [["1", "2", "3", "4", "5"], ["Позвать оператора"]]


# -- files from operators --------------------------------------------------------------------


async def test_operator_sends_a_pdf_and_the_customer_gets_that_very_file(env: Env) -> None:
    act = env.files.add("Акт сверки №7.pdf", PDF)
    assert env.channel.accepts_files()
    ids = await env.channel.send(str(CHAT), Outbound("Акт сверки за март", file=act))
    [seen] = env.tg.sent_to(CHAT)
    assert ids == [str(seen.message_id)]
    assert (seen.kind, seen.file_name, seen.text) == (
        "document",
        "Акт сверки №7.pdf",
        "Акт сверки за март",
    )
    assert seen.content == PDF


async def test_a_png_arrives_as_a_photo_with_its_buttons(env: Env) -> None:
    photo = env.files.add("кабель.png", PNG)
    buttons = (Button("Подошёл", "fits"), Button("Не тот", "wrong"))
    await env.channel.send(
        str(CHAT), Outbound("Вот этот кабель <USB-C>", buttons=buttons, file=photo)
    )
    [seen] = env.tg.sent_to(CHAT)
    assert (seen.kind, seen.file_name, seen.content) == ("photo", "кабель.png", PNG)
    assert seen.text == "Вот этот кабель <USB-C>"
    assert seen.button_titles == ["Подошёл", "Не тот"]


async def test_a_panorama_telegram_refuses_as_a_photo_arrives_as_a_document(env: Env) -> None:
    # 12000×400: sides over 10000 together, Telegram answers PHOTO_INVALID_DIMENSIONS.
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 12_000, 400)
    panorama = env.files.add("склад.png", header + b"\x00" * 100)
    await env.channel.send(
        str(CHAT), Outbound("Весь склад", buttons=(Button("Спасибо", "thanks"),), file=panorama)
    )
    [seen] = env.tg.sent_to(CHAT)
    assert (seen.kind, seen.file_name, seen.text) == ("document", "склад.png", "Весь склад")
    assert seen.button_titles == ["Спасибо"]
    assert len(env.tg.calls_to("sendPhoto")) == 1  # it was tried as a photo first


async def test_a_long_caption_follows_the_file_with_the_buttons_last(env: Env) -> None:
    form = env.files.add("заявление.pdf", PDF)
    text = "Заполните, пожалуйста, заявление на возврат. " * 30
    assert len(text) > 1024
    await env.channel.send(
        str(CHAT), Outbound(text, buttons=(Button("Готово", "done"),), file=form)
    )
    document, message = env.tg.sent_to(CHAT)
    assert (document.kind, document.text, document.buttons) == ("document", "", ())
    assert document.content == PDF
    assert message.kind == "text" and message.text == text.strip()
    assert message.button_titles == ["Готово"]


async def test_a_caption_is_measured_in_utf16_like_telegram_does(env: Env) -> None:
    photo = env.files.add("улыбка.jpg", PNG, "image/jpeg")
    text = "🙂" * 600  # 600 characters, 1200 UTF-16 units: too long for a caption
    await env.channel.send(str(CHAT), Outbound(text, file=photo))
    picture, message = env.tg.sent_to(CHAT)
    assert (picture.kind, picture.text) == ("photo", "")
    assert message.text == text


async def test_a_picture_over_10_mb_goes_as_a_document(env: Env) -> None:
    big = PNG + b"\x00" * 10_000_000
    scan = env.files.add("скан.png", big)
    await env.channel.send(str(CHAT), Outbound("", file=scan))
    [seen] = env.tg.sent_to(CHAT)
    assert (seen.kind, seen.file_name, len(seen.content or b"")) == (
        "document",
        "скан.png",
        len(big),
    )


async def test_an_erased_file_fails_for_good_and_nothing_is_sent(env: Env) -> None:
    receipt = env.files.add("чек.pdf", PDF)
    env.files.erase(receipt)  # the customer's data was erased while the reply waited
    with pytest.raises(PermanentError, match="erased"):
        await env.channel.send(str(CHAT), Outbound("Ваш чек", file=receipt))
    assert env.tg.sent_to(CHAT) == []
    assert env.tg.calls_to("sendDocument") == env.tg.calls_to("sendMessage") == []


async def test_429_on_a_document_maps_to_retry_after(env: Env) -> None:
    receipt = env.files.add("чек.pdf", PDF)
    env.tg.fail_next("sendDocument", TgFault.too_many_requests(5))
    with pytest.raises(RetryAfter) as info:
        await env.channel.send(str(CHAT), Outbound("Ваш чек", file=receipt))
    assert info.value.seconds == 5
    assert env.tg.sent_to(CHAT) == []
    env.tg.fail_next("sendDocument", TgFault.server_error(502))
    with pytest.raises(TransientError):
        await env.channel.send(str(CHAT), Outbound("Ваш чек", file=receipt))


async def test_without_a_file_store_files_are_not_offered() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg, MemoryPayloadStore())
        try:
            assert not channel.accepts_files()
            file = MemoryFileStore().add("чек.pdf", PDF)
            with pytest.raises(PermanentError):
                await channel.send(str(CHAT), Outbound("Ваш чек", file=file))
            assert tg.sent_to(CHAT) == []
        finally:
            await channel.stop()


async def test_typing_indicator(env: Env) -> None:
    await env.channel.notify_typing(str(CHAT))
    env.tg.fail_next("sendChatAction", TgFault.server_error())
    await env.channel.notify_typing(str(CHAT))  # swallowed
    assert [c.params["action"] for c in env.tg.calls_to("sendChatAction")] == ["typing", "typing"]


# -- errors ----------------------------------------------------------------------------------


async def test_429_maps_to_retry_after_with_server_delay(env: Env) -> None:
    env.tg.fail_next("sendMessage", TgFault.too_many_requests(7))
    with pytest.raises(RetryAfter) as info:
        await env.channel.send(str(CHAT), Outbound("hi"))
    assert info.value.seconds == 7
    assert env.tg.texts(CHAT) == []


@pytest.mark.parametrize("code", [500, 502])
async def test_5xx_maps_to_transient(env: Env, code: int) -> None:
    env.tg.fail_next("sendMessage", TgFault.server_error(code))
    with pytest.raises(TransientError):
        await env.channel.send(str(CHAT), Outbound("hi"))


async def test_timeout_maps_to_transient() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg, MemoryPayloadStore(), request_timeout=0.1)
        try:
            tg.fail_next("sendMessage", TgFault.slow(0.3))
            with pytest.raises(TransientError):
                await channel.send(str(CHAT), Outbound("hi"))
        finally:
            await channel.stop()


async def test_blocked_and_chat_not_found_are_permanent(env: Env) -> None:
    env.tg.block(CHAT)
    with pytest.raises(PermanentError, match="blocked"):
        await env.channel.send(str(CHAT), Outbound("hi"))
    env.tg.fail_next("sendMessage", TgFault.chat_not_found())
    with pytest.raises(PermanentError, match=r"(?i)chat not found"):
        await env.channel.send("1", Outbound("hi"))


# -- polling ---------------------------------------------------------------------------------


async def test_polling_delivers_in_order_without_redelivery() -> None:
    async with TelegramStandIn.running() as tg:
        store = MemoryPayloadStore()
        channel = make_channel(tg, store, poll_timeout=1)
        tg.webhook = {"url": "https://old.example/hook"}  # start() must delete it
        collected = Collector()
        first = [tg.text_update(1, f"msg {i}") for i in range(3)]
        tg.push_update(*first)
        await channel.start(collected)
        try:
            await collected.wait(3)
            second = [tg.text_update(2, "ещё"), tg.callback_update(2, "pay")]
            tg.push_update(*second)
            events = await collected.wait(5)
            # one more long-poll confirms the last offset
            await tg.wait_for(lambda: tg.pending_updates == [])
        finally:
            await channel.stop()
        assert tg.webhook is None
        assert [e.external_id for e in events] == [str(u["update_id"]) for u in first + second]
        assert [e.text for e in events[:3]] == ["msg 0", "msg 1", "msg 2"]
        offsets = [c.params.get("offset") for c in tg.calls_to("getUpdates")]
        assert offsets[0] is None
        assert offsets[1] == first[-1]["update_id"] + 1
        assert len(events) == 5  # nothing delivered twice


async def test_polling_skips_an_unusable_update_and_goes_on() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg, MemoryPayloadStore(), poll_timeout=1, poll_backoff_max=0.05)
        broken = tg.text_update(1, "без чата")
        del broken["message"]["chat"]
        good = tg.text_update(1, "с чатом")
        tg.push_update(broken, good)
        collected = Collector()
        await channel.start(collected)
        try:
            [event] = await collected.wait(1, within=5)
            await tg.wait_for(lambda: tg.pending_updates == [])
        finally:
            await channel.stop()
        assert event.text == "с чатом"
        offsets = [c.params.get("offset") for c in tg.calls_to("getUpdates")]
        assert good["update_id"] + 1 in offsets  # confirmed: neither is fetched again


async def test_polling_survives_errors() -> None:
    async with TelegramStandIn.running() as tg:
        channel = make_channel(tg, MemoryPayloadStore(), poll_timeout=1, poll_backoff_max=0.05)
        tg.fail_next("getUpdates", TgFault.server_error())
        tg.push_update(tg.text_update(1, "после ошибки"))
        collected = Collector()
        await channel.start(collected)
        try:
            [event] = await collected.wait(1, within=5)
        finally:
            await channel.stop()
        assert event.text == "после ошибки"
