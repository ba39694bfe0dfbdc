"""Ready replies («шаблоны»): administrators keep the team's, every operator may keep their
own beside them, and everyone inserts them by shortcut."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select, text

from bot.storage.db import Database, upgrade
from bot.storage.models import CannedReply, utcnow
from handoff.auth import create_operator
from tests.conftest import downgrade
from tests.handoff_kit import Env, login

GREETING = "Здравствуйте, {клиент}! Меня зовут {оператор}, помогу с заказом."


async def add(client: httpx.AsyncClient, shortcut: str, text: str) -> httpx.Response:
    return await client.post("/api/v1/replies", json={"shortcut": shortcut, "text": text})


async def test_an_admin_keeps_the_list_and_operators_find_by_shortcut_or_words(
    env: Env,
) -> None:
    await env.s.operator("boss", role="admin")
    await env.s.operator("anna")
    async with env.client() as boss:
        await login(boss, "boss")
        added = await add(boss, "/Привет", GREETING)
        assert added.status_code == 200, added.text
        assert added.json()["reply"]["shortcut"] == "привет"  # «/» dropped, lower case
        assert (await add(boss, "минуту", "Минуту, уточняю на складе.  \r\n")).status_code == 200
        assert (await add(boss, "прощание", "Хорошего дня!")).status_code == 200
        again = await add(boss, "привет", "Добрый день!")
        assert again.status_code == 409 and again.json()["error"] == "duplicate"
        bad = await add(boss, "два слова", "…")
        assert bad.status_code == 400 and bad.json()["error"] == "bad_shortcut"
        empty = await add(boss, "пусто", "   ")
        assert empty.status_code == 400 and empty.json()["error"] == "empty"
    async with env.client() as anna:
        await login(anna, "anna")

        async def shortcuts(q: str) -> list[str]:
            response = await anna.get("/api/v1/replies", params={"q": q})
            return [r["shortcut"] for r in response.json()["replies"]]

        assert await shortcuts("") == ["минуту", "привет", "прощание"]
        assert await shortcuts("пр") == ["привет", "прощание"]
        assert await shortcuts("/ми") == ["минуту"]
        assert await shortcuts("СКЛАД") == ["минуту"]  # by the words, in any case
        texts = (await anna.get("/api/v1/replies", params={"q": "минуту"})).json()["replies"]
        assert texts[0]["text"] == "Минуту, уточняю на складе."  # trailing blanks gone
        # An operator uses the team's; only an administrator deletes them.
        reply_id = texts[0]["id"]
        assert texts[0]["personal"] is False
        refused = await anna.delete(f"/api/v1/replies/{reply_id}")
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    async with env.client() as boss:
        await login(boss, "boss")
        assert (await boss.delete(f"/api/v1/replies/{reply_id}")).status_code == 200
        missing = await boss.delete(f"/api/v1/replies/{reply_id}")
        assert missing.status_code == 404
        listed = (await boss.get("/api/v1/replies")).json()["replies"]
        assert [r["shortcut"] for r in listed] == ["привет", "прощание"]


async def test_an_operator_keeps_replies_of_their_own_beside_the_teams(env: Env) -> None:
    await env.s.operator("boss", role="admin")
    await env.s.operator("anna")
    await env.s.operator("boris")
    async with env.client() as boss:
        await login(boss, "boss")
        assert (await add(boss, "спс", "Спасибо за обращение!")).status_code == 200
    async with env.client() as anna:
        await login(anna, "anna")
        # Hers, whatever she asks for: an operator does not write the team's list.
        mine = await anna.post(
            "/api/v1/replies",
            json={"shortcut": "спс", "text": "Спасибо! Анна.", "personal": False},
        )
        assert mine.status_code == 200, mine.text
        assert mine.json()["reply"]["personal"] is True
        again = await add(anna, "спс", "Ещё раз")
        assert (
            again.status_code == 409 and again.json()["message"] == "У вас уже есть шаблон «/спс»."
        )
        assert (await add(anna, "адрес", "Склад: Москва, Складская 1")).status_code == 200
        listed = (await anna.get("/api/v1/replies", params={"q": "сп"})).json()["replies"]
        # Her own first, then the team's of the same shortcut.
        assert [(r["text"], r["personal"]) for r in listed] == [
            ("Спасибо! Анна.", True),
            ("Спасибо за обращение!", False),
        ]
        own_id = listed[0]["id"]
    async with env.client() as boris:
        await login(boris, "boris")
        seen = (await boris.get("/api/v1/replies")).json()["replies"]
        assert [r["text"] for r in seen] == ["Спасибо за обращение!"]  # not Anna's
        assert (await add(boris, "спс", "Спасибо! Борис.")).status_code == 200  # his own «/спс»
        # Anna's reply is none of his business, not even to learn that it exists.
        assert (await boris.delete(f"/api/v1/replies/{own_id}")).status_code == 404
    async with env.client() as boss:
        await login(boss, "boss")
        assert (await boss.delete(f"/api/v1/replies/{own_id}")).status_code == 404
        seen = (await boss.get("/api/v1/replies")).json()["replies"]
        assert [r["text"] for r in seen] == ["Спасибо за обращение!"]
        personal = await boss.post(
            "/api/v1/replies", json={"shortcut": "спс", "text": "Босс", "personal": True}
        )
        assert personal.status_code == 200 and personal.json()["reply"]["personal"] is True
    async with env.client() as anna:
        await login(anna, "anna")
        assert (await anna.delete(f"/api/v1/replies/{own_id}")).status_code == 200
        left = (await anna.get("/api/v1/replies")).json()["replies"]
        assert [r["shortcut"] for r in left] == ["адрес", "спс"]


async def test_the_upgrade_keeps_the_teams_replies_and_their_ids(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url, "0010")
    db = Database(fresh_url)
    try:
        async with db.write() as session:
            await session.execute(
                text(
                    "INSERT INTO canned_replies (id, shortcut, text, created_at) "
                    "VALUES (7, 'привет', 'Здравствуйте!', :at)"
                ),
                {"at": utcnow()},
            )
        await asyncio.to_thread(upgrade, fresh_url)
        async with db.write() as session:
            kept = await session.get(CannedReply, 7)
            assert kept is not None and (kept.shortcut, kept.owner_id) == ("привет", None)
            operator = await create_operator(session, "anna", "secret-pass-1")
            session.add(
                CannedReply(
                    shortcut="привет", text="Моё", operator_id=operator.id, owner_id=operator.id
                )
            )
            await session.flush()
            added = await session.scalar(select(func.max(CannedReply.id)))
        assert added == 8  # the ids go on after the copied ones
    finally:
        await db.dispose()
    await asyncio.to_thread(downgrade, fresh_url, "0010")  # personal replies go, the team's stay
    db = Database(fresh_url)
    try:
        async with db.read() as session:
            rows = (await session.execute(text("SELECT id, text FROM canned_replies"))).all()
        assert [tuple(r) for r in rows] == [(7, "Здравствуйте!")]
    finally:
        await db.dispose()
