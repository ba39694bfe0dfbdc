"""A QA pass of the console in real Chromium: the transfer list says a colleague has no free
slot, and «Заметки о клиенте» change live in a colleague's open card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, log_in, open_chat

pytestmark = pytest.mark.browser


def test_a_full_colleague_and_the_customers_notes_as_colleagues_see_them(
    server: Server, pages: Any
) -> None:
    server.add_operator("maria9", name="Мария", capacity=1)
    maria = pages()
    log_in(maria, server, "maria9")
    first = pages()
    open_chat(first, server)
    customer_says(first, "Позовите оператора, где заказ 55512345?")
    expect(first.locator("li.msg--bot").last).to_contain_text("Оператор Мария уже читает")

    server.add_operator("dina9", name="Дина")
    dina = pages()
    log_in(dina, server, "dina9")
    second = pages()
    open_chat(second, server)
    customer_says(second, "Позовите оператора, вопрос по оплате")
    expect(second.locator("li.msg--bot").last).to_contain_text("Оператор Дина уже читает")
    conversation = server.newest_conversation()
    dina.click('.tab[data-view="mine"]')
    dina.locator(f'#list li.conv[data-id="{conversation}"]').click()

    # Мария is online with her only slot taken: the list says so instead of «в сети».
    dina.click("#transfer-open")
    full = dina.locator("#transfer-operator option", has_text="Мария")
    expect(full).to_have_text("Мария (нет мест: 1 из 1)")
    expect(full).to_be_disabled()
    dina.click("#transfer-cancel")

    # Мария has Дина's customer open; Дина's note about the customer shows up there at once.
    maria.click('.tab[data-view="all"]')
    maria.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(maria.locator("#cnotes li")).to_have_count(0)
    dina.fill("#cnote-text", "Звонить только после 18:00")
    dina.click("#cnote-add")
    expect(maria.locator("#cnotes li").first).to_contain_text("Звонить только после 18:00")
    dina.once("dialog", lambda d: d.accept())
    dina.locator("#cnotes li .cnote-del").first.click()
    expect(maria.locator("#cnotes li")).to_have_count(0)
