"""ViberChannel with the real aioviberbot against the Viber REST API stand-in."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.base import PermanentError, RetryAfter, TransientError
from bot.channels.viber import ViberChannel, ViberSettings
from bot.events import (
    STATUS_DELIVERED,
    STATUS_FAILED,
    STATUS_SEEN,
    STATUS_SUBSCRIBED,
    STATUS_UNSUBSCRIBED,
    Button,
    InboundKind,
    Outbound,
)
from tests.standins import ViberFault, ViberStandIn, ViberUser, sign
from tests.standins.support import Collector, MemoryFileStore, MemoryPayloadStore

USER = "01234567890A="
OPERATOR = Button("Позвать оператора", "handoff")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF"  # binary, every byte value
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 3000


@dataclass
class Env:
    vb: ViberStandIn
    channel: ViberChannel
    store: MemoryPayloadStore
    collected: Collector
    client: httpx.AsyncClient
    files: MemoryFileStore


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    files = MemoryFileStore()
    async with ViberStandIn.running() as vb, files.serving():
        store = MemoryPayloadStore()
        channel = ViberChannel(
            ViberSettings(
                token=vb.token,
                api_url=vb.api_url,
                payload_store=store,
                file_store=files,
                bot_name="Забота",
                webhook_url="https://bot.example",
                request_timeout=2.0,
                welcome=Outbound("Здравствуйте! Чем помочь?", buttons=(Button("Заказ", "order"),)),
                keyboard_default=(OPERATOR,),
            )
        )
        collected = Collector()
        await channel.start(collected)
        await asyncio.wait_for(channel.registered.wait(), timeout=5)
        app = Starlette(routes=channel.routes(collected))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="https://bot.example"
        ) as client:
            yield Env(vb, channel, store, collected, client, files)
        await channel.stop()


# -- webhook ---------------------------------------------------------------------------------


async def test_start_sets_webhook_with_auth_header(env: Env) -> None:
    assert env.vb.webhook is not None
    assert env.vb.webhook["url"] == "https://bot.example/webhooks/viber"
    assert "conversation_started" in env.vb.webhook["event_types"]
    assert env.vb.missing_header_calls == 0  # X-Viber-Auth-Token was sent


async def test_forged_or_missing_signature_is_403(env: Env) -> None:
    cb = env.vb.message_event(USER, "привет")
    forged = await env.client.post(
        "/webhooks/viber",
        content=cb.body,
        headers={"X-Viber-Content-Signature": sign(cb.body, "other")},
    )
    missing = await env.client.post("/webhooks/viber", content=cb.body)
    tampered = await env.client.post("/webhooks/viber", content=cb.body + b" ", headers=cb.headers)
    assert [r.status_code for r in (forged, missing, tampered)] == [403, 403, 403]
    assert env.collected.events == []


async def test_malformed_and_oversized(env: Env) -> None:
    body = b"{oops"
    bad = await env.client.post(
        "/webhooks/viber",
        content=body,
        headers={"X-Viber-Content-Signature": sign(body, env.vb.token)},
    )
    assert bad.status_code == 400
    big = b"x" * (1024 * 1024 + 1)
    too_big = await env.client.post(
        "/webhooks/viber",
        content=big,
        headers={"X-Viber-Content-Signature": sign(big, env.vb.token)},
    )
    assert too_big.status_code == 413
    assert env.collected.events == []


async def test_json_nested_too_deep_is_malformed_not_a_500(env: Env) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        deep = await env.client.post(
            "/webhooks/viber",
            content=body,
            headers={"X-Viber-Content-Signature": sign(body, env.vb.token)},
        )
        assert deep.status_code == 400
        assert deep.json()["error"] == "malformed JSON"
    assert env.collected.events == []


async def test_a_lone_surrogate_is_replaced_at_the_door(env: Env) -> None:
    """Half an emoji (``"\\ud800"``, valid JSON) would fail every attempt to store it."""
    raw = env.vb.message_event(USER, "x").json
    raw["message"]["text"] = "\ud800 как вернуть товар"
    raw["sender"]["name"] = "Мария \udfff"
    body = json.dumps(raw).encode()  # ASCII: the surrogates go as escapes
    response = await env.client.post(
        "/webhooks/viber",
        content=body,
        headers={"X-Viber-Content-Signature": sign(body, env.vb.token)},
    )
    assert response.status_code == 200
    [event] = env.collected.events
    assert event.text == "\ufffd как вернуть товар"
    assert event.display_name == "Мария \ufffd"


async def test_text_button_contact_media(env: Env) -> None:
    vb = env.vb
    user = ViberUser(USER, name="Мария", language="ru")
    text = vb.message_event(user, "Где заказ?")
    callbacks = [
        text,
        vb.button_event(user, "zb:faq:delivery"),
        vb.contact_event(user),
        vb.picture_event(user, caption=""),
        vb.file_event(user),
    ]
    for cb in callbacks:
        response = await vb.deliver(cb, env.client)
        assert response.status_code == 200
    typed, button, contact, picture, document = env.collected.events
    assert typed.kind is InboundKind.TEXT and typed.text == "Где заказ?"
    assert typed.external_id == str(text.json["message_token"])
    assert (typed.user_id, typed.chat_id, typed.display_name) == (USER, USER, "Мария")
    assert button.kind is InboundKind.BUTTON and button.payload == "faq:delivery"
    assert contact.kind is InboundKind.CONTACT and contact.contact_phone == "79123456789"
    assert not contact.contact_verified  # Viber cannot tell the sender's own number from a card
    assert contact.text  # the number as shared: what the operator reads in the history
    assert picture.kind is InboundKind.ATTACHMENT
    assert picture.attachments[0].url == "https://media.example/p.jpg"
    assert document.attachments[0].kind == "document"
    assert document.attachments[0].name == "акт.pdf"


async def test_conversation_started_answers_welcome_in_body(env: Env) -> None:
    cb = env.vb.conversation_started(USER, context="promo7")
    response = await env.vb.deliver(cb, env.client)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "text"
    assert body["text"] == "Здравствуйте! Чем помочь?"
    assert body["sender"]["name"] == "Забота"
    assert [b["Text"] for b in body["keyboard"]["Buttons"]] == ["Заказ"]
    [event] = env.collected.events
    assert event.kind is InboundKind.START
    assert event.start_param == "promo7"
    assert event.external_id == str(cb.json["message_token"])


async def test_status_events(env: Env) -> None:
    vb = env.vb
    for cb in (
        vb.subscribed(USER),
        vb.unsubscribed(USER),
        vb.delivered(USER, 11),
        vb.seen(USER, 11),
        vb.failed(USER, 12, "no device"),
    ):
        assert (await vb.deliver(cb, env.client)).status_code == 200
    webhook_check = await vb.deliver(vb.webhook_event(), env.client)
    assert webhook_check.status_code == 200
    events = env.collected.events
    assert [e.payload for e in events] == [
        STATUS_SUBSCRIBED,
        STATUS_UNSUBSCRIBED,
        STATUS_DELIVERED,
        STATUS_SEEN,
        STATUS_FAILED,
    ]
    assert all(e.kind is InboundKind.STATUS and e.user_id == USER for e in events)
    assert events[2].external_id == "delivered:11" and events[2].ref_message_id == "11"
    assert events[3].external_id == "seen:11"  # distinct from delivered of the same message
    # When Viber says it happened: orders an unsubscribe and a subscribe arriving late.
    stamp = json.loads(vb.unsubscribed(USER, timestamp=1_700_000_000_500).body)["timestamp"]
    assert stamp == 1_700_000_000_500
    late = vb.unsubscribed(USER, timestamp=1_700_000_000_500)
    await vb.deliver(late, env.client)
    assert env.collected.events[-1].happened_at == 1_700_000_000.5


async def test_a_location_arrives_as_a_point_with_a_map_link(env: Env) -> None:
    await env.vb.deliver(env.vb.location_event(USER, 59.939095, 30.315868), env.client)
    [point] = env.collected.events
    assert point.kind is InboundKind.LOCATION
    assert point.text == (
        "📍 Геопозиция: 59.939095, 30.315868 https://yandex.ru/maps/?pt=30.315868,59.939095&z=16"
    )
    assert [(a.kind, a.url) for a in point.attachments] == [("location", "geo:59.939095,30.315868")]


async def test_long_payload_round_trips_through_store(env: Env) -> None:
    payload = "заказ:" + "очень-длинный-идентификатор-" * 20
    await env.channel.send(USER, Outbound("Выберите", buttons=(Button("Этот", payload),)))
    [seen] = env.vb.sent_to(USER)
    action = seen.buttons[0].action_body
    assert action.startswith("zb:k:") and len(action) < 40
    await env.vb.deliver(env.vb.button_event(USER, action), env.client)
    [event] = env.collected.events
    assert event.kind is InboundKind.BUTTON and event.payload == payload


# -- send ------------------------------------------------------------------------------------


async def test_default_keyboard_on_every_message_and_bodies_under_30kb(env: Env) -> None:
    text = "\n\n".join(("Абзац про доставку и оплату. " * 30).strip() for _ in range(40))
    assert len(text) > 30_000
    tokens = await env.channel.send(USER, Outbound(text))
    seen = env.vb.sent_to(USER)
    assert len(tokens) == len(seen) >= 5
    assert "\n\n".join(m.text for m in seen) == text
    assert all(len(m.text) <= 7000 for m in seen)
    assert all(m.button_titles == ["Позвать оператора"] for m in seen)
    assert all(c.size <= 30 * 1024 for c in env.vb.calls_to("send_message"))


async def test_huge_keyboard_shrinks_chunks_to_fit_30kb(env: Env) -> None:
    buttons = tuple(Button("Очень длинная кнопка " * 20, f"b{i}") for i in range(24))
    text = "Ж" * 20_000
    await env.channel.send(USER, Outbound(text, buttons=buttons))
    calls = env.vb.calls_to("send_message")
    assert all(c.size <= 30_000 for c in calls)
    assert "".join(env.vb.texts(USER)) == text
    assert max(len(t) for t in env.vb.texts(USER)) < 7000  # shrunk below the text limit
    assert all(len(m.buttons) == 24 for m in env.vb.sent_to(USER))


async def test_short_buttons_share_a_six_column_row(env: Env) -> None:
    rating = tuple(Button(str(i), f"rate:{i}") for i in range(1, 6))
    await env.channel.send(USER, Outbound("Оцените нас", buttons=rating))
    await env.channel.send(
        USER,
        Outbound(
            "Ответ",
            buttons=(
                Button("Как вернуть товар?", "faq:1"),
                Button("👍 Помогло", "h:1:yes"),
                Button("👎 Не помогло", "h:1:no"),
                Button("Позвать оператора", "/operator"),
            ),
        ),
    )
    scale, answer = env.vb.sent_to(USER)
    assert scale.button_rows == [["1", "2", "3", "4", "5"]]
    assert [b.columns for b in scale.buttons] == [2, 1, 1, 1, 1]
    assert answer.button_rows == [
        ["Как вернуть товар?"],
        ["👍 Помогло", "👎 Не помогло"],
        ["Позвать оператора"],
    ]
    assert [b.columns for b in answer.buttons] == [6, 3, 3, 6]


async def test_own_buttons_replace_default_and_urls_open(env: Env) -> None:
    await env.channel.send(
        USER,
        Outbound(
            "<b>Ссылка</b>",
            buttons=(Button("Сайт", "", url="https://example.com"), Button("Да", "yes")),
        ),
    )
    [seen] = env.vb.sent_to(USER)
    assert seen.text == "<b>Ссылка</b>"
    assert [(b.text, b.action_type, b.action_body) for b in seen.buttons] == [
        ("Сайт", "open-url", "https://example.com"),
        ("Да", "reply", "zb:yes"),
    ]


async def test_a_contact_request_is_a_share_phone_button_of_api_version_3(env: Env) -> None:
    """The stand-in, like Viber, refuses a share-phone button on a message of an older API."""
    ask = Outbound("Ваш номер?", buttons=(Button.contact_request("Отправить мой номер"),))
    await env.channel.send(USER, ask)
    [seen] = env.vb.sent_to(USER)
    assert [(b.text, b.action_type) for b in seen.buttons] == [
        ("Отправить мой номер", "share-phone")
    ]


# -- files from operators --------------------------------------------------------------------


async def test_operator_sends_a_pdf_and_viber_fetches_that_very_file(env: Env) -> None:
    act = env.files.add("Акт сверки №7.pdf", PDF)
    assert env.channel.accepts_files()
    tokens = await env.channel.send(USER, Outbound("Акт сверки за март", file=act))
    document, caption = env.vb.sent_to(USER)
    assert tokens == [str(document.token), str(caption.token)]
    assert (document.type, document.file_name, document.size) == (
        "file",
        "Акт сверки №7.pdf",
        len(PDF),
    )
    assert document.fetch_error is None and document.content == PDF
    assert (caption.type, caption.text) == ("text", "Акт сверки за март")
    assert caption.button_titles == ["Позвать оператора"]


async def test_a_small_png_arrives_as_a_picture_with_its_caption(env: Env) -> None:
    photo = env.files.add("кабель.png", PNG)
    buttons = (Button("Подошёл", "fits"), Button("Не тот", "wrong"))
    await env.channel.send(USER, Outbound("Вот этот кабель", buttons=buttons, file=photo))
    [seen] = env.vb.sent_to(USER)
    assert (seen.type, seen.text, seen.content) == ("picture", "Вот этот кабель", PNG)
    assert seen.button_titles == ["Подошёл", "Не тот"]


async def test_a_long_caption_follows_the_picture_with_the_buttons_last(env: Env) -> None:
    photo = env.files.add("схема.jpg", PNG, "image/jpeg")
    text = "Подключите кабель к порту, как на схеме. " * 25
    assert len(text) > 768
    await env.channel.send(USER, Outbound(text, buttons=(Button("Получилось", "ok"),), file=photo))
    picture, message = env.vb.sent_to(USER)
    assert (picture.type, picture.text, picture.content) == ("picture", "", PNG)
    assert message.text == text.strip()
    assert message.button_titles == ["Получилось"]


async def test_a_picture_over_1_mb_goes_to_viber_as_a_file(env: Env) -> None:
    big = PNG + b"\x00" * 1_000_000
    scan = env.files.add("скан.png", big)
    await env.channel.send(USER, Outbound("", file=scan))
    [seen] = env.vb.sent_to(USER)
    assert (seen.type, seen.file_name, seen.size) == ("file", "скан.png", len(big))
    assert seen.content == big


async def test_without_a_public_url_viber_cannot_fetch_and_nothing_is_sent(env: Env) -> None:
    act = env.files.add("акт.pdf", PDF)
    env.files.base_url = None  # ZABOTA_PUBLIC_URL not set
    assert not env.channel.accepts_files()  # the console refuses the upload up front
    with pytest.raises(PermanentError, match="ZABOTA_PUBLIC_URL"):
        await env.channel.send(USER, Outbound("Ваш акт", file=act))
    assert env.vb.sent_to(USER) == []
    assert env.vb.calls_to("send_message") == []


async def test_without_a_file_store_files_are_not_offered() -> None:
    async with ViberStandIn.running() as vb:
        channel = ViberChannel(
            ViberSettings(
                token=vb.token, api_url=vb.api_url, payload_store=MemoryPayloadStore(), bot_name="Z"
            )
        )
        try:
            assert not channel.accepts_files()
            act = MemoryFileStore().add("акт.pdf", PDF)
            with pytest.raises(PermanentError):
                await channel.send(USER, Outbound("Ваш акт", file=act))
            assert vb.sent_to(USER) == []
        finally:
            await channel.stop()


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ({"type": "file", "media": "http://127.0.0.1:1/a.pdf", "file_name": "a.pdf"}, 4),
        ({"type": "file", "media": "http://127.0.0.1:1/a.pdf", "size": 10}, 4),
        ({"type": "file", "size": 10, "file_name": "a.pdf"}, 4),
        ({"type": "file", "media": "http://127.0.0.1:1/a", "size": 0, "file_name": "a.pdf"}, 3),
        ({"type": "file", "media": "http://127.0.0.1:1/a", "size": 1, "file_name": "я" * 257}, 3),
    ],
)
async def test_the_stand_in_refuses_file_messages_viber_would(
    env: Env, message: dict[str, object], status: int
) -> None:
    body = {"receiver": USER, "sender": {"name": "Забота"}, **message}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{env.vb.api_url}/send_message",
            json=body,
            headers={"X-Viber-Auth-Token": env.vb.token},
        )
    assert response.json()["status"] == status
    assert env.vb.sent_to(USER) == []


async def test_error_mapping(env: Env) -> None:
    vb = env.vb
    vb.fail_next("send_message", ViberFault.status(12))
    with pytest.raises(RetryAfter) as info:
        await env.channel.send(USER, Outbound("hi"))
    assert info.value.seconds > 0
    vb.fail_next("send_message", ViberFault.http(500))
    with pytest.raises(TransientError):
        await env.channel.send(USER, Outbound("hi"))
    vb.unsubscribe(USER)
    with pytest.raises(PermanentError, match="6"):
        await env.channel.send(USER, Outbound("hi"))
    vb.fail_next("send_message", ViberFault.status(7, "publicAccountBlocked"))
    with pytest.raises(PermanentError, match="publicAccountBlocked"):
        await env.channel.send("someone-else", Outbound("hi"))
    assert vb.texts(USER) == []


async def test_library_logs_no_personal_data(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.vb.fail_next("send_message", ViberFault.http(500))
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError):
        await env.channel.send(USER, Outbound("Мой паспорт 4510 123456"))
    assert "4510" not in caplog.text
    assert env.vb.token not in caplog.text


async def test_timeout_is_transient() -> None:
    async with ViberStandIn.running() as vb:
        channel = ViberChannel(
            ViberSettings(
                token=vb.token,
                api_url=vb.api_url,
                payload_store=MemoryPayloadStore(),
                bot_name="Z",
                request_timeout=0.1,
            )
        )
        vb.fail_next("send_message", ViberFault.slow(0.3))
        try:
            with pytest.raises(TransientError):
                await channel.send(USER, Outbound("hi"))
        finally:
            await channel.stop()


def test_signature_matches_viber_docs_example() -> None:
    body = json.dumps({"event": "webhook"}).encode()
    assert len(sign(body, "t")) == 64


async def test_webhook_registration_waits_for_the_server_to_listen() -> None:
    """Viber checks the URL during set_webhook; until it answers, registration is retried."""
    async with ViberStandIn.running() as vb:
        vb.fail_next("set_webhook", ViberFault.status(1, "Result[HttpRequest[POST ...]] failed"))
        channel = ViberChannel(
            ViberSettings(
                token=vb.token,
                api_url=vb.api_url,
                payload_store=MemoryPayloadStore(),
                bot_name="Забота",
                webhook_url="https://bot.example",
            )
        )
        await channel.start(Collector())
        try:
            await asyncio.wait_for(channel.registered.wait(), timeout=5)
            assert (
                vb.webhook is not None and vb.webhook["url"] == "https://bot.example/webhooks/viber"
            )
            assert len([c for c in vb.calls if c.method == "set_webhook"]) == 2
        finally:
            await channel.stop()


async def test_a_row_holds_five_short_buttons_and_every_row_fills_six_columns(env: Env) -> None:
    buttons = (
        *(Button(str(i), f"n:{i}") for i in range(1, 8)),  # seven: a row of 5, then 2
        Button("Доставка", "d"),
        Button("Оплата картой", "p"),  # 13 characters: too long to share
        Button("Да", "y"),
    )
    await env.channel.send(USER, Outbound("Выберите", buttons=buttons))
    [seen] = env.vb.sent_to(USER)
    assert seen.button_rows == [
        ["1", "2", "3", "4", "5"],
        ["6", "7", "Доставка"],
        ["Оплата картой"],
        ["Да"],
    ]
    assert [b.columns for b in seen.buttons] == [2, 1, 1, 1, 1, 2, 2, 2, 6, 6]
