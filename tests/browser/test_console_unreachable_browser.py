"""The composer says when the customer cannot receive a reply: they blocked the bot or
unsubscribed in the messenger the conversation's replies go to (bot/reachability.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from bot.storage.db import Database
from bot.storage.models import Identity
from tests.browser.conftest import Server
from tests.browser.test_console_browser import a_customer_waits, contexts  # noqa: F401

pytestmark = pytest.mark.browser


def set_reachable(server: Server, reachable: bool) -> None:
    """As a Telegram ``my_chat_member`` or a Viber (un)subscribe would: the web chat has
    neither, so its identity is marked directly."""

    async def mark() -> None:
        db = Database(server.db_url)
        try:
            async with db.write() as session:
                await session.execute(
                    update(Identity)
                    .where(Identity.channel == "webchat")
                    .values(blocked=not reachable)
                )
        finally:
            await db.dispose()

    Server._run(mark())


def test_the_composer_says_the_customer_cannot_receive_replies(
    server: Server,
    contexts: Any,  # noqa: F811 - the fixture, imported
) -> None:
    operator, _, conversation = a_customer_waits(
        server, contexts, "olga", "Ольга", "позовите оператора, заказ не пришёл"
    )
    notice = operator.locator("#unreachable")
    expect(notice).to_be_hidden()

    set_reachable(server, False)
    reopen(operator, conversation)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("ответ не дойдёт")

    set_reachable(server, True)
    reopen(operator, conversation)
    expect(notice).to_be_hidden()


def reopen(operator: Any, conversation: int) -> None:
    operator.reload()
    operator.click('.tab[data-view="all"]')
    operator.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(operator.locator("#messages")).to_contain_text("заказ не пришёл")
