"""«Скачать переписку»: a conversation as a text file (handoff/transcript.py), on SQLite and
PostgreSQL. The customer complains about a broken delivery; the operator answers, notes what
she did, labels it and closes; the lead downloads the conversation for the courier service —
the file holds what the customer saw and said: the notes for colleagues, the labels and the
history's lines (why it went to a person, who took it, why it closed) stay out of it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from bot.channels.base import PermanentError
from bot.events import Outbound
from tests.handoff_kit import Env, login

STAMP = r"\[\d\d\.\d\d\.\d{4} \d\d:\d\d\]"


async def test_the_conversation_downloads_as_it_reads_in_the_console(env: Env) -> None:
    s = env.s
    anna = await s.operator("anna", name="Анна")
    conv = await s.say("olga", "заказ 770415 пришёл разбитый, позовите оператора")
    await s.service.reply(conv, anna, "Сочувствую! Оформлю замену сегодня.")
    await s.service.note(conv, anna, "Курьерская служба: акт №55")
    async with env.client() as client:
        await login(client, "anna")
        labelled = await client.post(
            f"/api/v1/conversations/{conv}/labels", json={"labels": ["order", "complaint"]}
        )
        assert labelled.status_code == 200, labelled.text
    await s.service.close(conv, anna)
    ask = (await s.delivered("olga"))[-1]
    await s.say("olga", "5", payload=ask.buttons[4].payload)

    async with env.client() as client:
        await login(client, "anna")
        response = await client.get(f"/api/v1/conversations/{conv}/transcript.txt")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert (
            response.headers["content-disposition"] == f'attachment; filename="dialog-{conv}.txt"'
        )
        lines = response.text.splitlines()

        missing = await client.get("/api/v1/conversations/999999/transcript.txt")
        assert missing.status_code == 404

    assert lines[0] == f"Диалог №{conv} · test"
    assert lines[1] == "Клиент: Клиент olga"
    assert re.fullmatch(
        r"Начат: \d\d\.\d\d\.\d{4} \d\d:\d\d · закрыт: \d\d\.\d\d\.\d{4} \d\d:\d\d", lines[2]
    )
    # The labels are the team's sorting, not the customer's (QA: «Метки: Жалоба, …» was there).
    assert not any(line.startswith("Метки") for line in lines)
    assert "Оценка клиента: 5 из 5" in lines
    assert "Время: Europe/Moscow" in lines
    body = lines[lines.index("") + 1 :]
    said = [re.sub(STAMP + " ", "", line) for line in body if not line.startswith("    ")]
    # Every entry starts with its time; a message of several lines goes on indented.
    assert all(re.match(STAMP, line) or line.startswith("    ") for line in body)
    assert said[0] == "Клиент olga: заказ 770415 пришёл разбитый, позовите оператора"
    assert "Оператор Анна: Сочувствую! Оформлю замену сегодня." in said
    # The file may be forwarded to the customer or the courier service: the note Анна wrote
    # for her colleagues is not in it (QA: it was, as «Заметка для коллег (Анна): …»).
    assert "акт №55" not in response.text
    assert "Заметка" not in response.text


async def test_an_erased_customer_stays_erased_in_the_file(env: Env) -> None:
    s = env.s
    await s.operator("boss", role="admin", name="Босс", status="away")
    conv = await s.say("ivan", "мой телефон 89123456789, перезвоните")
    customer = (await s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "boss")
        assert (
            await client.post(f"/api/v1/customers/{customer}/forget", json={})
        ).status_code == 200
        text = (await client.get(f"/api/v1/conversations/{conv}/transcript.txt")).text
    assert "89123456789" not in text and "ivan" not in text
    assert "Клиент: Клиент (данные удалены)" in text


async def test_an_editor_cannot_download_conversations(env: Env) -> None:
    await env.s.operator("eva", role="editor")
    conv = await env.s.say("c1", "здравствуйте")
    async with env.client() as client:
        await login(client, "eva")
        response = await client.get(f"/api/v1/conversations/{conv}/transcript.txt")
        assert response.status_code == 403


async def test_the_file_holds_what_the_customer_saw_and_nothing_the_team_wrote_for_itself(
    env: Env,
) -> None:
    """A rude customer: the bot hands over («Передано оператору: грубость в сообщении» in the
    history), Анна takes it from the queue, answers, labels it «Жалоба» and blocks the customer,
    which closes it («Закрыто: клиент заблокирован (Анна)…»). The copy the customer asks for
    reads like their own chat: their messages and every message they received, in order."""
    s = env.s
    anna = await s.operator("anna", name="Анна", status="away")  # nobody takes it at once
    conv = await s.say("petr", "вы там совсем идиоты? заказ 770415 пришёл разбитый")
    assert (await s.conversation(conv)).owner == "queued"
    await s.service.take(conv, anna)
    await s.service.reply(conv, anna, "Сочувствую! Оформлю замену сегодня.")
    customer = (await s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "anna")
        labelled = await client.post(
            f"/api/v1/conversations/{conv}/labels", json={"labels": ["complaint"]}
        )
        assert labelled.status_code == 200, labelled.text
        blocked = await client.post(f"/api/v1/customers/{customer}/block", json={})
        assert blocked.json() == {"ok": True, "closed": [conv]}
        text = (await client.get(f"/api/v1/conversations/{conv}/transcript.txt")).text
    history = await s.events(conv)
    assert any(line.startswith("Передано оператору: грубость") for line in history)
    assert any(line.startswith("Закрыто: клиент заблокирован (Анна)") for line in history)

    lines = text.splitlines()
    body = lines[lines.index("") + 1 :]
    entries = [re.sub(STAMP + " ", "", line) for line in body if not line.startswith("    ")]
    assert not any(line.startswith("— ") for line in entries)  # «[12:05] — Передано …»
    read = [line.split(": ", 1)[1] for line in entries if not line.startswith("Клиент petr: ")]
    wrote = [line.split(": ", 1)[1] for line in entries if line.startswith("Клиент petr: ")]
    # What the bot and Анна sent is what the customer read, in the same order (the first line
    # of each: a message of several lines goes on indented).
    assert read == [t.strip().splitlines()[0] for t in await s.texts("petr")]
    assert wrote == ["вы там совсем идиоты? заказ 770415 пришёл разбитый"]
    assert "Оператор Анна: Сочувствую! Оформлю замену сегодня." in entries
    # Nothing of the team's own: no labels, no history lines, no state of the queue.
    for internal in (
        "Метки",
        "Жалоба",
        "Передано оператору",
        "грубость",
        "заблокирован",
        "взял(а) диалог",
        "сейчас:",
    ):
        assert internal not in text, internal


async def test_a_reply_the_customer_never_got_says_so(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messenger refuses Анна's reply for good: the file must not tell a courier service
    or the customer that they were told «Курьер приедет завтра». The reply is marked, and the
    history's technical line about it («Сообщение не доставлено: …») stays in the console."""
    s = env.s
    anna = await s.operator("anna", name="Анна")
    conv = await s.escalate("vera")
    sent = s.channel.send

    async def refusing(chat_id: str, message: Outbound) -> Sequence[str]:
        if message.text.startswith("Курьер"):
            raise PermanentError("Bad Request: chat not found")
        return await sent(chat_id, message)

    monkeypatch.setattr(s.channel, "send", refusing)
    await s.service.reply(conv, anna, "Курьер приедет завтра с 10 до 14.")
    await s.delivered("vera")
    assert any(line.startswith("Сообщение не доставлено") for line in await s.events(conv))
    async with env.client() as client:
        await login(client, "anna")
        text = (await client.get(f"/api/v1/conversations/{conv}/transcript.txt")).text
    assert re.search(
        STAMP + r" Оператор Анна \(не доставлено\): Курьер приедет завтра с 10 до 14\.", text
    ), text
    assert "Сообщение не доставлено" not in text and "chat not found" not in text
