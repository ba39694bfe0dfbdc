"""A QA pass of the console, the server's side: one «ждёт ответа» for the console and the live
floor, a search that looks at what people wrote (not the bot's fixed texts), a switched-off
account told so, and the history's «первый в очереди». On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from bot.storage.models import utcnow
from handoff.live import snapshot
from tests.handoff_kit import PASSWORD, Env, Stack, login


async def mine(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    data = (await client.get("/api/v1/conversations?views=queued,mine,team,all")).json()
    return list(data["views"]["mine"])


async def floor_owes(s: Stack, operator_id: int) -> int:
    async with s.db.read() as session:
        live = await snapshot(session, s.engine.brain.config.handoff, utcnow())
    return next(p.awaiting_reply for p in live.operators if p.id == operator_id)


async def test_the_console_and_the_floor_agree_on_who_waits_for_a_reply(env: Env) -> None:
    s = env.s
    anna = await s.operator("anna", name="Анна")
    conversation = await s.escalate("c1")  # Анна is free: the bot says «Оператор Анна уже читает…»
    assert "Оператор Анна уже читает" in (await s.texts("c1"))[-1]
    async with env.client() as client:
        await login(client, "anna")
        [item] = await mine(client)
        # The bot spoke last, yet the customer waits for a person: the floor says so, and now
        # the console does too (it counted only «the customer wrote last»).
        assert item["awaiting_reply_since"] == item["escalated_at"]
        assert await floor_owes(s, anna) == 1

        await s.service.reply(conversation, anna, "Здравствуйте! Смотрю заказ.")
        [item] = await mine(client)
        assert item["awaiting_reply_since"] is None
        assert await floor_owes(s, anna) == 0

        await s.say("c1", "Спасибо, жду")  # a later reply is owed: no first-response timer
        [item] = await mine(client)
        assert item["sla"]["state"] in ("met", "missed")
        assert item["awaiting_reply_since"] is not None
        assert await floor_owes(s, anna) == 1


async def test_search_finds_what_people_wrote_not_the_bots_fixed_texts(env: Env) -> None:
    s = env.s
    asked = await s.say("c1", "когда доставка?")  # the bot answers «…через транспортные компании…»
    handed = await s.escalate("c2")  # the bot says «Передаю ваш вопрос…»
    anna = await s.operator("anna", name="Анна")
    await s.service.take(handed, anna)
    await s.service.reply(handed, anna, "Передала в транспортные компании, трек пришлю.")
    await s.service.note(handed, anna, "Клиент просит позвонить вечером")
    async with env.client() as client:
        await login(client, "anna")

        async def find(q: str) -> list[tuple[int, str]]:
            found = (await client.get("/api/v1/search", params={"q": q})).json()
            return [(c["id"], c["match"]["why"]) for c in found["conversations"]]

        # The bot's answer to c1 says it too, but only the operator wrote it.
        assert await find("транспортные") == [(handed, "в переписке")]
        assert await find("вечером") == [(handed, "в заметке")]
        assert await find("доставка?") == [(asked, "в переписке")]  # the customer's words
        assert await find("службы поддержки") == []  # only the bot's handoff line says it
        assert await find("операторы") == []

        # A note about the customer on the card («Заметки о клиенте») finds their conversations.
        customer = (await client.get(f"/api/v1/conversations/{handed}")).json()["customer"]["id"]
        noted = await client.post(
            f"/api/v1/customers/{customer}/notes", json={"text": "Звонить только после 18:00"}
        )
        assert noted.status_code in (200, 201), noted.text
        found = (await client.get("/api/v1/search", params={"q": "после 18"})).json()
        assert [(c["id"], c["match"]["why"]) for c in found["conversations"]] == [
            (handed, "в заметке о клиенте")
        ]
        assert "Звонить только после 18:00" in found["conversations"][0]["match"]["snippet"]


async def test_a_switched_off_account_is_told_so_but_only_with_its_password(env: Env) -> None:
    s = env.s
    await s.operator("boss", role="admin", name="Мария", status="away")
    anna = await s.operator("anna", name="Анна")
    await s.escalate("c1")  # Анна holds it
    async with env.client() as admin:
        await login(admin, "boss")
        accounts = (await admin.get("/api/v1/accounts")).json()["accounts"]
        # «Отключить» asks first, saying how many conversations go back to the queue.
        assert {a["username"]: a["conversations"] for a in accounts} == {"anna": 1, "boss": 0}
        async with env.client() as console:
            await login(console, "anna")
            done = await admin.patch(f"/api/v1/accounts/{anna}", json={"active": False})
            assert done.status_code == 200
            # Her open console learns why it stops, not just «log in again».
            refused = await console.get("/api/v1/conversations")
            assert refused.status_code == 401
            assert refused.json() == {
                "error": "account_disabled",
                "message": "Учётная запись отключена администратором.",
            }
            page = await console.get("/console")
            assert page.headers["location"] == "/console/login?disabled=1&next=/console"
            login_page = await console.get(page.headers["location"])
            assert "Учётная запись отключена администратором." in login_page.text

    async with env.client() as client:
        wrong = await client.post("/api/v1/session", json={"username": "anna", "password": "x" * 9})
        assert wrong.status_code == 401  # a wrong password does not tell the account is off
        assert wrong.json()["message"] == "Неверное имя пользователя или пароль."
        right = await client.post(
            "/api/v1/session", json={"username": "anna", "password": PASSWORD}
        )
        assert right.status_code == 403
        assert right.json()["message"] == "Учётная запись отключена администратором."
        form = await client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        sent = {"username": "anna", "password": PASSWORD, "csrf_token": token.group(1)}
        answered = await client.post("/console/login", data=sent)
        assert answered.status_code == 403
        assert "Учётная запись отключена администратором." in answered.text


async def test_the_history_says_first_in_the_queue_not_zero_ahead(env: Env) -> None:
    s = env.s
    await s.operator("anna", name="Анна", capacity=1)
    await s.escalate("c1")  # Анна takes it and is full
    later = await s.escalate("c2")
    assert "примерно через" in (await s.texts("c2"))[-1]
    assert await s.waiting_notices().run(utcnow() + timedelta(minutes=30)) == [later]
    assert (await s.events(later))[-1] == (
        "Ожидание затянулось, клиенту сообщено: первый в очереди, ещё около 3 минут"
    )
