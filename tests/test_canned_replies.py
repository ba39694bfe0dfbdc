"""The team's ready replies («шаблоны»): administrators keep them, operators insert them."""

from __future__ import annotations

import httpx

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
        # An operator uses them, an administrator keeps them.
        assert (await add(anna, "своё", "текст")).status_code == 403
        reply_id = texts[0]["id"]
        assert (await anna.delete(f"/api/v1/replies/{reply_id}")).status_code == 403
    async with env.client() as boss:
        await login(boss, "boss")
        assert (await boss.delete(f"/api/v1/replies/{reply_id}")).status_code == 200
        missing = await boss.delete(f"/api/v1/replies/{reply_id}")
        assert missing.status_code == 404
        listed = (await boss.get("/api/v1/replies")).json()["replies"]
        assert [r["shortcut"] for r in listed] == ["привет", "прощание"]
