"""QA7 defect 7: a link without ``https://`` is clickable in the web chat, as the content rule
(knowledge_base/quality.py) assumes when it accepts it as «the exact link» — in real Chromium.

Telegram and Viber make ``volt-shop.ru/delivery`` and ``www.…`` links themselves; the web chat
(bot/web/static/chat.js ``linkify``) now does too, so a text passes the rule exactly when the
customer can click its link.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Message
from knowledge_base.quality import vague_referral
from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, open_chat

pytestmark = pytest.mark.browser

VAGUE = "Подробнее смотрите на нашем сайте "


@pytest.fixture
def customer(pages: Any) -> Iterator[Page]:
    yield pages()


def _links(page: Page, selector: str) -> list[tuple[str, str]]:
    anchors = page.locator(selector).last.locator("a")
    return [(a.text_content() or "", a.get_attribute("href") or "") for a in anchors.all()]


def test_a_bare_site_in_the_bots_answer_is_a_link(server: Server, customer: Page) -> None:
    open_chat(customer, server)
    conversation = server.newest_conversation()
    answer = "Тарифы: volt-shop.ru/delivery. Пункты выдачи — на www.volt-shop.ru/stores!"

    async def rewrite_greeting() -> None:  # as if the editor had saved this answer
        db = Database(server.db_url)
        try:
            async with db.write() as session:
                greeting = await session.scalar(
                    select(Message)
                    .where(Message.conversation_id == conversation, Message.author == "bot")
                    .order_by(Message.id.desc())
                )
                assert greeting is not None
                greeting.text = answer
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, rewrite_greeting()).result()
    customer.reload()
    expect(customer.locator("li.msg--bot .msg__text").last).to_have_text(answer)
    assert _links(customer, "li.msg--bot .msg__text") == [
        ("volt-shop.ru/delivery", "https://volt-shop.ru/delivery"),
        ("www.volt-shop.ru/stores", "https://www.volt-shop.ru/stores"),
    ]
    assert vague_referral(VAGUE + answer) is None  # and the rule accepts it: they agree


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("volt-shop.ru/delivery", [("volt-shop.ru/delivery", "https://volt-shop.ru/delivery")]),
        ("(см. магазин.рф)", [("магазин.рф", "https://магазин.рф")]),
        ("VOLT-SHOP.RU, спасибо", [("VOLT-SHOP.RU", "https://VOLT-SHOP.RU")]),
        (
            "https://volt-shop.ru/orders.",
            [("https://volt-shop.ru/orders", "https://volt-shop.ru/orders")],
        ),
        # An address opens the mail program, not the site after its «@».
        ("privacy@volt-shop.ru", [("privacy@volt-shop.ru", "mailto:privacy@volt-shop.ru")]),
        # Not a site: the rule does not take them for a link, and the chat does not show one.
        ("в разделе Доставка", []),
        ("версия 2.0 и файл отчёт.pdf", []),
        ("volt-shop.russia", []),
    ],
)
def test_the_chat_links_exactly_what_the_rule_accepts(
    server: Server, customer: Page, text: str, links: list[tuple[str, str]]
) -> None:
    open_chat(customer, server)
    customer_says(customer, text)  # the chat shows the customer's own words the same way
    got = _links(customer, "li.msg--customer .msg__text")
    assert [(t, h.lower()) for t, h in got] == [(t, h.lower()) for t, h in links]
    assert (vague_referral(VAGUE + text) is None) == bool(links)
