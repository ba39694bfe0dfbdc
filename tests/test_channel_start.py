"""A messenger that is down when the bot starts does not take the bot down with it.

The real python-telegram-bot talks to the Telegram stand-in; the stand-in answers the first
``getMe`` calls with 502, or rejects the token. The web chat must work meanwhile, ``/healthz``
must say what is wrong, and Telegram must come up by itself once its API answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bot.assemble import add_channels
from bot.config import Settings
from bot.runtime import Runtime
from bot.storage.db import Database
from bot.web.app import create_app
from tests.conftest import brain_for
from tests.standins.telegram import TelegramStandIn, TgFault

PUBLIC = "https://zabota.example.test"


@asynccontextmanager
async def bot_with_telegram(
    db_url: str, project: Any, model: Any, tg: TelegramStandIn, token: str
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    settings = Settings(
        database_url=db_url,
        telegram_token=token,
        telegram_api_url=tg.api_url,
        public_url=PUBLIC,
        secret_key="test-secret",
    )
    runtime = Runtime(project, settings, brain_for(project, model), db=Database(db_url))
    add_channels(runtime)
    runtime.starter.delays = (0.2,)  # seconds between attempts (2, 5, 15, 30, 60 in service)
    app = create_app(runtime, manage_runtime=False)
    await runtime.start(migrate=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            yield runtime, client
    finally:
        await runtime.stop()


async def web_chat_answers(client: httpx.AsyncClient, runtime: Runtime) -> str:
    session = (await client.post("/webchat/api/session")).json()
    sent = await client.post("/webchat/api/send", json={**session, "text": "как вернуть товар?"})
    assert sent.status_code == 202
    assert await runtime.drain(timeout=15)
    query = f"visitor={session['visitor']}&token={session['token']}"
    rows = (await client.get(f"/webchat/api/messages?{query}")).json()["messages"]
    return str(rows[-1]["text"])


async def test_telegram_down_at_start_comes_up_by_itself_and_the_web_chat_never_waits(
    db_url: str, demo_project: Any, demo_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with TelegramStandIn.running() as tg:
        tg.fail_next("getMe", TgFault.server_error(502), times=3)
        caplog.set_level(logging.WARNING, logger="bot.channel_start")
        async with bot_with_telegram(db_url, demo_project, demo_model, tg, tg.token) as (
            runtime,
            client,
        ):
            # The bot is up although Telegram is not: the web chat answers at once.
            health = (await client.get("/healthz")).json()
            assert health["status"] == "degraded"
            assert health["channels_down"]["telegram"].startswith("retrying: ")
            assert "https://volt-shop.ru/returns" in await web_chat_answers(client, runtime)
            assert tg.webhook is None
            [warning] = [r.getMessage() for r in caplog.records]
            assert warning.startswith("telegram channel not started (")

            # Telegram's API answers again: the webhook is registered without a restart.
            for _ in range(100):
                if tg.webhook is not None:
                    break
                await asyncio.sleep(0.05)
            assert tg.webhook is not None and tg.webhook["url"] == f"{PUBLIC}/webhooks/telegram"
            assert len(tg.calls_to("getMe")) == 4  # three 502s, then the one that worked
            health = (await client.get("/healthz")).json()
            assert health["status"] == "ok" and "channels_down" not in health

            # And a Telegram customer is answered.
            response = await tg.deliver(tg.text_update(1001, "как вернуть товар?"), client)
            assert response.status_code == 200
            assert await runtime.drain(timeout=15)
            assert await runtime.outbox.wait_idle(15, scheduled=True)
            assert "https://volt-shop.ru/returns" in tg.texts(1001)[0]


async def test_a_token_telegram_rejects_is_reported_and_the_rest_runs(
    db_url: str, demo_project: Any, demo_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with TelegramStandIn.running() as tg:
        caplog.set_level(logging.WARNING, logger="bot.channel_start")
        async with bot_with_telegram(db_url, demo_project, demo_model, tg, "123:not-the-token") as (
            runtime,
            client,
        ):
            health = (await client.get("/healthz")).json()
            assert health["status"] == "degraded"
            assert health["channels_down"]["telegram"].startswith("failed: ")
            assert "https://volt-shop.ru/returns" in await web_chat_answers(client, runtime)
            [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert "check its token and settings" in error.getMessage()
            assert error.exc_info is None  # one line in the log, not a traceback
            await asyncio.sleep(0.5)  # no retries of a rejected token
            assert tg.webhook is None
