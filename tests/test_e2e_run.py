"""The real thing: ``zabota run`` as a process, a customer in Telegram, an operator on the API.

The bot process reaches a Telegram Bot API stand-in through ``TELEGRAM_API_URL`` (polling mode,
as in development) and the customer's messages arrive via ``getUpdates``. An operator logs in
through the JSON API, is assigned the conversation, replies and closes it; the customer rates
with the inline buttons. Every assertion is about what the customer saw in Telegram.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.standins.telegram import TelegramStandIn
from tests.test_cli import free_port, project, start_server, stop_server  # noqa: F401

pytestmark = pytest.mark.slow


async def test_telegram_customer_bot_operator_and_rating(project: Path) -> None:  # noqa: F811
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--project",
            str(project),
            "operators",
            "add",
            "anna",
            "--name",
            "Анна",
            "--teams",
            "support",
            "--password-env",
            "ANNA_PASSWORD",
        ],
        env={**os.environ, "ANNA_PASSWORD": "anna-secret-1"},
        check=True,
        capture_output=True,
    )
    async with TelegramStandIn.running(thread=True) as tg:
        env = {"TELEGRAM_TOKEN": tg.token, "TELEGRAM_API_URL": tg.api_url}
        # The stand-in serves from its own thread while this waits for the bot to come up.
        process = await asyncio.to_thread(start_server, project, base, env, demo=False)
        try:
            shop = await asyncio.to_thread(httpx.get, f"{base}/demo")
            assert shop.status_code == 404  # the demo shop's site is for `run --demo` only
            customer = 777001

            tg.push_update(tg.text_update(customer, "здравствуйте как вернуть товар"))
            await tg.wait_sent(customer, 1, within=20)
            assert "https://volt-shop.ru/returns" in tg.texts(customer)[0]

            tg.push_update(tg.text_update(customer, "позовите оператора пожалуйста"))
            await tg.wait_sent(customer, 2, within=20)
            assert "коллег" in tg.texts(customer)[1]

            async with httpx.AsyncClient(base_url=base) as api:
                login = await api.post(
                    "/api/v1/session", json={"username": "anna", "password": "anna-secret-1"}
                )
                assert login.status_code == 200, login.text
                headers = {"X-CSRF-Token": login.json()["csrf"]}
                mine: list[dict[str, object]] = []
                for _ in range(50):  # logging in puts Anna online; the queue is assigned to her
                    mine = (await api.get("/api/v1/conversations", params={"view": "mine"})).json()[
                        "conversations"
                    ]
                    if mine:
                        break
                    await asyncio.sleep(0.1)
                assert len(mine) == 1
                conversation_id = mine[0]["id"]
                card = (await api.get(f"/api/v1/conversations/{conversation_id}")).json()
                texts = [m["text"] for m in card["messages"]]
                assert "здравствуйте как вернуть товар" in texts  # the whole story, no repeats
                await tg.wait_sent(customer, 3, within=20)
                assert tg.texts(customer)[2] == (
                    "Оператор Анна уже читает вашу переписку и скоро ответит."
                )

                reply = await api.post(
                    f"/api/v1/conversations/{conversation_id}/reply",
                    json={"text": "Здравствуйте! Это Анна, помогу с возвратом."},
                    headers=headers,
                )
                assert reply.status_code == 200, reply.text
                await tg.wait_sent(customer, 4, within=20)
                assert tg.texts(customer)[3] == "Здравствуйте! Это Анна, помогу с возвратом."

                closed = await api.post(
                    f"/api/v1/conversations/{conversation_id}/close", json={}, headers=headers
                )
                assert closed.status_code == 200, closed.text
            await tg.wait_sent(customer, 6, within=20)  # «closed» and the rating request
            assert "завершил диалог" in tg.texts(customer)[4]
            rating_request = tg.sent_to(customer)[5]
            assert [t for t in rating_request.button_titles if t.isdigit()] == [
                "1",
                "2",
                "3",
                "4",
                "5",
            ]
            five = next(b for row in rating_request.buttons for b in row if b.text == "5")
            tg.push_update(tg.callback_update(customer, str(five.callback_data), title="5"))
            count = len(tg.sent_to(customer))
            await tg.wait_sent(customer, count + 1, within=20)
            assert "спасибо" in tg.texts(customer)[-1].lower()
        finally:
            out = stop_server(process)
    assert "Traceback" not in out, out
