"""In Chromium: an administrator learns of customers' messages the bot gave up on, retries one
(the customer lands in the queue) and dismisses another; «{клиент}» in a ready reply is the
customer's first name; the status «away» reads «Не на месте»."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from bot.events import Inbound
from bot.storage.db import Database
from bot.storage.models import InboxItem, utcnow
from tests.browser.conftest import Server
from tests.browser.test_console_browser import log_in


def given_up(server: Server, n: int, text: str, name: str) -> None:
    """A web chat message the bot failed to process five times, an hour ago."""
    event = Inbound(
        channel="webchat",
        external_id=f"lost-{n}",
        user_id=f"visitor-{n}",
        chat_id=f"visitor-{n}",
        text=text,
        display_name=name,
    )

    async def store() -> None:
        db = Database(server.db_url)
        try:
            async with db.write() as session:
                session.add(
                    InboxItem(
                        channel="webchat",
                        external_id=event.external_id,
                        event=event.to_json(),
                        received_at=utcnow() - timedelta(hours=1),
                        attempts=5,
                        failed_at=utcnow() - timedelta(minutes=50),
                        error="OperationalError ← ConnectionError",
                    )
                )
        finally:
            await db.dispose()

    Server._run(store())


def test_an_admin_retries_one_lost_message_and_dismisses_another(
    server: Server, pages: Any
) -> None:
    server.add_operator("vera", role="admin", name="Вера")
    server.add_operator("oleg", name="Олег")
    given_up(server, 1, "Позовите оператора, заказ 51234 не пришёл", "Смирнова Ольга Викторовна")
    given_up(server, 2, "проверка связи", "Тест")

    oleg = pages()
    log_in(oleg, server, "oleg")
    expect(oleg.locator("#inbox-failed-open")).to_have_count(0)  # admins only

    vera: Page = pages()
    log_in(vera, server, "vera")
    expect(vera.locator('#status option[value="away"]')).to_have_text("Не на месте")
    notice = vera.locator("#inbox-failed-open")
    expect(notice).to_be_visible()
    expect(notice).to_have_text("⚠ Бот не обработал 2 сообщения")
    notice.click()
    items = vera.locator("#inbox-failed-list li")
    expect(items).to_have_count(2)
    lost = items.filter(has_text="заказ 51234")
    expect(lost.locator(".meta")).to_contain_text("Веб-чат · Смирнова Ольга Викторовна · ")
    expect(lost.locator(".quote")).to_have_text("Позовите оператора, заказ 51234 не пришёл")
    expect(lost.locator(".why")).to_have_text(
        "Ошибка: OperationalError ← ConnectionError (попыток: 5)"
    )

    lost.get_by_role("button", name="Повторить").click()
    expect(vera.locator("#inbox-failed-notice")).to_have_text(
        "Обработано: сообщение дошло до бота."
    )
    expect(items).to_have_count(1)
    expect(notice).to_have_text("⚠ Бот не обработал 1 сообщение")
    # The customer asked for a person: Олег, online, has her conversation now.
    vera.click('.tab[data-view="all"]')
    queued = vera.locator("#list li.conv", has_text="Смирнова Ольга Викторовна")
    expect(queued).to_have_count(1)

    vera.once("dialog", lambda dialog: dialog.accept())
    items.first.get_by_role("button", name="Убрать").click()
    expect(vera.locator("#inbox-failed-notice")).to_have_text("Сообщение убрано.")
    expect(items).to_have_count(0)
    expect(notice).to_be_hidden()

    # «{клиент}» in a ready reply: her first name, as Russian customer service writes.
    vera.click("#inbox-failed-close")
    vera.click("#replies-open")
    vera.fill("#reply-shortcut", "добрый")
    vera.fill("#reply-text", "Добрый день, {клиент}! Меня зовут {оператор}.")
    vera.click("#reply-add")
    expect(vera.locator("#replies-list li")).to_contain_text(["/добрый"])
    vera.click("#replies-close")
    queued.click()
    expect(vera.locator("#card-name")).to_have_text("Смирнова Ольга Викторовна")
    box = vera.locator("#reply")
    box.press_sequentially("/добр")
    expect(vera.locator("#templates li")).to_have_count(1)
    box.press("Enter")
    expect(box).to_have_value(re.compile(r"^Добрый день, Ольга! Меня зовут Вера\.$"))
