"""The web chat over its HTTP API: what the visitor's window shows, and how soon."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from bot import files
from bot.channels.terminal import CollectingChannel
from bot.channels.webchat import WebChatChannel
from bot.config import Settings
from bot.runtime import Runtime
from bot.storage import erasure
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, StoredFile, utcnow
from bot.web.app import create_app
from handoff.auth import create_operator
from handoff.service import HandoffService
from tests.conftest import brain_for


class Visitor:
    def __init__(
        self,
        client: httpx.AsyncClient,
        session: dict[str, str],
        channel: WebChatChannel | None = None,
    ) -> None:
        self.client = client
        self.session = session
        self.channel = channel
        self.seen = 0  # the id of the last message shown, as chat.js keeps it
        self.runtime: Runtime | None = None

    async def send(self, text: str = "", **extra: Any) -> None:
        response = await self.client.post(
            "/webchat/api/send", json={**self.session, "text": text, **extra}
        )
        assert response.status_code == 202

    async def upload(
        self, name: str, content: bytes, text: str = "", client_id: str = ""
    ) -> httpx.Response:
        """What chat.js sends when the visitor picks a file with 📎."""
        return await self.client.post(
            "/webchat/api/upload",
            params=self.session,
            files={"file": (name, content, "application/octet-stream")},
            data={"text": text, "id": client_id},
        )

    async def poll(self, wait: float = 0) -> list[dict[str, Any]]:
        params = {**self.session, "after": str(self.seen), "wait": str(wait)}
        response = await self.client.get("/webchat/api/messages", params=params, timeout=30)
        messages: list[dict[str, Any]] = response.json()["messages"]
        if messages:
            self.seen = messages[-1]["id"]
        return messages

    async def read_until(self, text: str, timeout: float = 10) -> list[dict[str, Any]]:
        shown: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while not any(text in m["text"] for m in shown):
                shown += await self.poll(wait=1)
        return shown


@pytest.fixture
async def another(visitor: Visitor) -> Visitor:
    """A second window: another visitor of the same chat."""
    session = (await visitor.client.post("/webchat/api/session")).json()
    return Visitor(visitor.client, session)


@pytest.fixture
async def visitor(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Visitor]:
    async with chat_window(db_url, demo_project, demo_model) as window:
        yield window


@contextlib.asynccontextmanager
async def chat_window(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Visitor]:
    """The demo bot with its web chat, and a visitor's window on it."""
    runtime = Runtime(
        demo_project,
        Settings(database_url=db_url),
        brain_for(demo_project, demo_model),
        db=Database(db_url),
        channels={"telegram": CollectingChannel("telegram")},
    )
    webchat = WebChatChannel(
        runtime.db,
        runtime.bus,
        b"k" * 32,
        embed_origins=lambda: runtime.brain.config.channels.webchat.embed_origins,
    )
    runtime.add_channel(webchat)
    await runtime.start(migrate=False)
    app = create_app(runtime, manage_runtime=False, extra=[])
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://chat"
        ) as client:
            session = (await client.post("/webchat/api/session")).json()
            shown = Visitor(client, session, webchat)
            shown.runtime = runtime
            yield shown
    finally:
        await runtime.stop()


async def test_opening_the_chat_shows_the_greeting_and_no_empty_bubble(visitor: Visitor) -> None:
    await visitor.send(start=True)  # what chat.js sends when the page opens
    shown = await visitor.read_until("Здравствуйте")
    assert [m["author"] for m in shown] == ["bot"]


async def test_a_new_visitors_poll_waits_for_their_own_messages_only(
    visitor: Visitor, another: Visitor
) -> None:
    poll = asyncio.create_task(visitor.poll(wait=20))  # not yet a customer: no history
    await asyncio.sleep(0.3)
    await another.send("как вернуть товар?")
    await another.read_until("14 дней")  # someone else's message, processed and answered
    assert not poll.done()  # … does not wake this window (it would poll again at once)
    await visitor.send(start=True)
    shown = await asyncio.wait_for(poll, 10)
    assert [m["author"] for m in shown] == ["bot"]


async def test_while_a_person_owns_the_chat_the_customers_words_show_at_once(
    visitor: Visitor,
) -> None:
    await visitor.send("позовите оператора")
    await visitor.read_until("коллег")  # queued: a person will answer
    poll = asyncio.create_task(visitor.poll(wait=20))  # the window's long poll
    await asyncio.sleep(0.3)
    started = asyncio.get_running_loop().time()
    await visitor.send("дополнение: товар не включается")
    shown = await asyncio.wait_for(poll, 25)
    while not shown:  # woken by the handoff message's late delivery, with nothing new yet
        shown = await asyncio.wait_for(visitor.poll(wait=20), 25)
    waited = asyncio.get_running_loop().time() - started
    # The customer's words first (the bot's answer from the FAQ may come with them).
    assert shown[0]["author"] == "customer"
    assert shown[0]["text"] == "дополнение: товар не включается"
    assert waited < 5, f"the customer's own message took {waited:.1f} s to show"


async def test_someone_typing_wakes_the_window_with_typing_and_no_message(
    visitor: Visitor, another: Visitor
) -> None:
    await visitor.send("позовите оператора")
    await visitor.read_until("коллег")
    poll = asyncio.create_task(
        visitor.client.get(
            "/webchat/api/messages",
            params={**visitor.session, "after": str(visitor.seen), "wait": "20"},
            timeout=30,
        )
    )
    await asyncio.sleep(0.3)
    webchat = visitor.channel
    assert webchat is not None
    await webchat.notify_typing(another.session["visitor"])  # someone else's window: not this
    await asyncio.sleep(0.3)
    assert not poll.done()
    await webchat.notify_typing(visitor.session["visitor"])  # the operator types to this one
    response = await asyncio.wait_for(poll, 5)
    assert response.json() == {"messages": [], "typing": True, "operator_in_chat": None}


async def test_the_visitor_sees_the_operators_photo_and_downloads_the_form(
    visitor: Visitor,
) -> None:
    assert visitor.runtime is not None
    service = HandoffService.from_runtime(visitor.runtime)
    async with visitor.runtime.db.write() as session:
        anna = (await create_operator(session, "anna", "anna-secret-1")).id
    await visitor.send("позовите оператора")
    await visitor.read_until("коллег")
    async with visitor.runtime.db.read() as session:
        conversation = await session.scalar(select(Conversation.id))
    assert conversation is not None
    photo = b"\x89PNG\r\n\x1a\n the right charger"
    await service.send_file(
        conversation, anna, files.check_upload("зарядка.png", photo), "Вот такая зарядка"
    )
    await service.send_file(conversation, anna, files.check_upload("бланк.pdf", b"%PDF-1.4"))
    shown = await visitor.read_until("Вот такая зарядка")
    picture = next(m for m in shown if m["text"] == "Вот такая зарядка")
    assert picture["author"] == "operator" and picture["file"]["picture"] is True
    assert picture["operator"] == "anna"  # named over the bubble: «Оператор anna»
    assert (await visitor.client.get(picture["file"]["url"])).content == photo
    while not any(m["file"] and m["file"]["name"] == "бланк.pdf" for m in shown):
        shown += await visitor.poll(wait=1)
    form = next(m for m in shown if m["file"] and m["file"]["name"] == "бланк.pdf")
    assert form["text"] == "" and form["file"]["picture"] is False
    download = await visitor.client.get(form["file"]["url"])
    assert (
        download.content == b"%PDF-1.4" and "attachment" in download.headers["content-disposition"]
    )


async def test_the_visitor_sends_a_photo_and_the_operator_can_open_it(visitor: Visitor) -> None:
    assert visitor.runtime is not None and visitor.channel is not None
    kettle = b"\x89PNG\r\n\x1a\n a broken kettle"
    sent = await visitor.upload("чайник.png", kettle, client_id="c-1")
    assert sent.status_code == 202, sent.text
    # A photo without words: the bot cannot read it and passes the visitor to a person.
    shown = await visitor.read_until("коллег")
    mine = next(m for m in shown if m["author"] == "customer")
    assert mine["text"] == "" and mine["file"]["name"] == "чайник.png"
    assert mine["file"]["picture"] is True
    assert (await visitor.client.get(mine["file"]["url"])).content == kettle  # their own bubble

    async with visitor.runtime.db.read() as session:
        stored = (await session.scalars(select(StoredFile))).one()
        message = await session.scalar(select(Message).where(Message.author == "customer"))
    assert message is not None and stored.conversation_id == message.conversation_id
    (attachment,) = message.data["attachments"]
    assert attachment["kind"] == "photo" and attachment["size"] == len(kettle)
    # The console fetches it through the channel, as it does a Telegram photo.
    assert await visitor.channel.download(attachment["url"]) == (kettle, "image/png")

    # chat.js resends a file whose answer was lost under the same id: one message, and the
    # second copy of the bytes is deleted by the hourly upkeep a day later.
    again = await visitor.upload("чайник.png", kettle, client_id="c-1")
    assert again.status_code == 202
    await visitor.runtime.drain(timeout=5)
    async with visitor.runtime.db.read() as session:
        customer_messages = await session.scalar(
            select(func.count()).select_from(Message).where(Message.author == "customer")
        )
    assert customer_messages == 1
    assert await visitor.runtime.prune_unlinked_files() == 0  # not a day old yet
    async with visitor.runtime.db.write() as session:
        await session.execute(
            update(StoredFile)
            .where(StoredFile.conversation_id.is_(None))
            .values(created_at=utcnow() - timedelta(days=2))
        )
    assert await visitor.runtime.prune_unlinked_files() == 1
    async with visitor.runtime.db.read() as session:
        left = (await session.scalars(select(StoredFile.token))).all()
    assert left == [stored.token]  # the one the message refers to stays


async def test_the_visitor_captions_a_receipt_and_bad_uploads_are_refused(
    visitor: Visitor,
) -> None:
    sent = await visitor.upload("чек.pdf", b"%PDF-1.4 receipt", text="списали дважды")
    assert sent.status_code == 202
    shown = await visitor.read_until("списали дважды")
    receipt = next(m for m in shown if m["text"] == "списали дважды")
    assert receipt["file"]["name"] == "чек.pdf" and receipt["file"]["picture"] is False

    exe = await visitor.upload("setup.exe", b"MZ")
    assert exe.status_code == 400 and exe.json()["error"] == "file_type_not_allowed"
    huge = await visitor.upload("фото.jpg", b"0" * (files.MAX_FILE_BYTES + 1))
    assert huge.status_code == 413 and huge.json()["error"] == "file_too_large"
    forged = await visitor.client.post(
        "/webchat/api/upload",
        params={"visitor": visitor.session["visitor"], "token": "0" * 32},
        files={"file": ("чек.pdf", b"%PDF", "application/pdf")},
    )
    assert forged.status_code == 403
    assert visitor.runtime is not None
    async with visitor.runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(StoredFile)) == 1


async def test_erasing_the_visitor_deletes_their_files(visitor: Visitor) -> None:
    assert visitor.runtime is not None
    await visitor.upload("паспорт.jpg", b"\xff\xd8 passport scan", text="вот мой паспорт")
    await visitor.read_until("вот мой паспорт")
    async with visitor.runtime.db.write() as session:
        # An upload whose message is not processed yet: its file is linked to nothing.
        files.store(
            session,
            files.check_upload("ещё.jpg", b"\xff\xd8 another"),
            conversation_id=None,
            uploader=f"webchat:{visitor.session['visitor']}",
        )
    async with visitor.runtime.db.write() as session:
        customer = await erasure.find_customer(
            session, channel="webchat", user_id=visitor.session["visitor"]
        )
        result = await erasure.forget_customer(session, customer, actor="test")
    assert result.report.files == 2
    async with visitor.runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(StoredFile)) == 0


async def test_a_visitor_sending_file_after_file_is_stopped_for_the_hour(
    visitor: Visitor,
) -> None:
    assert visitor.channel is not None and visitor.runtime is not None
    visitor.channel.uploads_per_hour = 2
    for n in range(2):
        sent = await visitor.upload(f"фото{n}.jpg", b"\xff\xd8 photo", client_id=f"f{n}")
        assert sent.status_code == 202
    third = await visitor.upload("фото2.jpg", b"\xff\xd8 photo", client_id="f2")
    assert third.status_code == 429 and third.json()["error"] == "too_many_files"
    assert "Опишите" in third.json()["message"]
    async with visitor.runtime.db.write() as session:  # an hour later
        await session.execute(
            update(StoredFile).values(created_at=utcnow() - timedelta(hours=1, minutes=1))
        )
    later = await visitor.upload("фото2.jpg", b"\xff\xd8 photo", client_id="f2")
    assert later.status_code == 202


async def test_an_operator_sees_the_visitor_typing_only_once_a_person_has_them(
    visitor: Visitor,
) -> None:
    assert visitor.channel is not None and visitor.runtime is not None
    clock = [100.0]
    visitor.channel.clock = lambda: clock[0]

    async def types() -> bool:
        response = await visitor.client.post("/webchat/api/typing", json=visitor.session)
        assert response.status_code == 202
        return bool(response.json()["sent"])

    with visitor.runtime.bus.subscribe() as heard:
        await visitor.send("как вернуть товар?")
        await visitor.read_until("14 дней")
        assert await types() is False  # the bot has the conversation: nobody to tell
        await visitor.send("позовите оператора")
        await visitor.read_until("коллег")
        assert await types() is True  # queued for a person: their console will show it
        assert await types() is False  # a keystroke later: not again
        clock[0] += 3.5
        assert await types() is True
        signals = []
        while not heard.empty():
            event = heard.get_nowait()
            if event.kind == "customer_typing":
                signals.append(event.conversation_id)
    async with visitor.runtime.db.read() as session:
        queued = await session.scalar(select(Conversation.id).where(Conversation.owner == "queued"))
    assert signals == [queued, queued]
    forged = await visitor.client.post(
        "/webchat/api/typing", json={"visitor": visitor.session["visitor"], "token": "x"}
    )
    assert forged.status_code == 403


async def test_oversized_and_malformed_requests_get_clear_refusals(visitor: Visitor) -> None:
    send = "/webchat/api/send"
    huge = await visitor.client.post(
        send,
        content=b'{"text": "' + b"a" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"] == "too_large"
    long = await visitor.client.post(send, json={**visitor.session, "text": "я" * 4001})
    assert long.status_code == 413 and long.json()["error"] == "too_long"
    assert "4000" in long.json()["message"]
    broken = await visitor.client.post(
        send, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"] == "bad_json"
    typing = await visitor.client.post("/webchat/api/typing", content=b"x" * 5000)
    assert typing.status_code == 413
    # A script's wrong types are refused, not stored as their Python spelling («[{'a': 1}]»).
    for field, value in [("text", 123), ("payload", {"a": 1}), ("name", ["x"]), ("id", 7)]:
        wrong = await visitor.client.post(
            send, json={**visitor.session, "text": "hi", field: value}
        )
        assert wrong.status_code == 400, field
        assert wrong.json() == {
            "error": "bad_field",
            "message": f"Некорректный запрос: поле «{field}».",
        }
    assert await visitor.poll() == []  # nothing of it reached the bot


async def test_json_nested_too_deep_is_refused_as_bad_json(visitor: Visitor) -> None:
    deep = b"[" * 30_000 + b"]" * 30_000  # under the 64 KB limit
    sent = await visitor.client.post(
        "/webchat/api/send", content=deep, headers={"content-type": "application/json"}
    )
    assert sent.status_code == 400 and sent.json()["error"] == "bad_json"
    typing = await visitor.client.post("/webchat/api/typing", content=b"[" * 2000 + b"]" * 2000)
    assert typing.status_code == 400 and typing.json()["error"] == "bad_json"


async def test_a_lone_surrogate_is_replaced_and_the_visitor_answered(visitor: Visitor) -> None:
    """A browser's string cut in the middle of an emoji is valid JSON (``"\\ud83d"``) but
    no database stores it: the half character becomes «�» and the rest is answered."""
    body = json.dumps({**visitor.session, "text": "\ud83d как вернуть товар", "name": "\udc00"})
    sent = await visitor.client.post(
        "/webchat/api/send", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert sent.status_code == 202
    shown = await visitor.read_until("14 дней")  # the answer about returns
    assert shown[0]["text"] == "\ufffd как вернуть товар"


async def test_the_header_names_the_person_who_has_the_chat(visitor: Visitor) -> None:
    """QA: Анна («Не на месте») took the conversation and answered, yet the header still said
    «операторы — сегодня в 9:00». The poll tells chat.js who is in the chat."""
    assert visitor.runtime is not None
    service = HandoffService.from_runtime(visitor.runtime)
    async with visitor.runtime.db.write() as session:
        anna = await create_operator(session, "anna", "anna-secret-1", display_name="Анна")
        anna.status = "away"  # taking by hand is allowed while away
        anna_id = anna.id

    async def in_chat() -> object:
        params = {**visitor.session, "after": "0", "wait": "0"}
        response = await visitor.client.get("/webchat/api/messages", params=params)
        return response.json()["operator_in_chat"]

    assert await in_chat() is None  # not even a customer yet
    await visitor.send("позовите оператора")
    await visitor.read_until("коллег")
    assert await in_chat() is None  # queued: nobody has it
    async with visitor.runtime.db.read() as session:
        conversation = await session.scalar(select(Conversation.id))
    assert conversation is not None
    await service.take(conversation, anna_id)
    await service.reply(conversation, anna_id, "Здравствуйте, смотрю ваш заказ")
    await visitor.read_until("смотрю ваш заказ")
    assert await in_chat() == "Анна"
    await service.close(conversation, anna_id)
    assert await in_chat() is None


async def test_taking_the_chat_wakes_the_visitors_poll_without_a_message(
    visitor: Visitor,
) -> None:
    """Taking by hand while «Не на месте» sends the customer nothing; the header must still learn
    who is in the chat at once, not at the poll's timeout."""
    assert visitor.runtime is not None
    service = HandoffService.from_runtime(visitor.runtime)
    async with visitor.runtime.db.write() as session:
        anna = await create_operator(session, "anna", "anna-secret-1", display_name="Анна")
        anna.status = "away"
        anna_id = anna.id
    await visitor.send("позовите оператора")
    await visitor.read_until("коллег")
    async with visitor.runtime.db.read() as session:
        conversation = await session.scalar(select(Conversation.id))
    assert conversation is not None
    params = {**visitor.session, "after": str(visitor.seen), "wait": "20"}
    waiting = asyncio.create_task(
        visitor.client.get("/webchat/api/messages", params=params, timeout=30)
    )
    await asyncio.sleep(0.3)  # the poll is waiting
    await service.take(conversation, anna_id)
    async with asyncio.timeout(5):  # not the poll's 20 s
        answer = (await waiting).json()
    assert answer["operator_in_chat"] == "Анна"
