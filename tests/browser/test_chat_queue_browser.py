"""A customer waiting in the queue in the web chat (bot/web/static/chat.js), in real Chromium:
«Отменить вызов оператора» on the bot's newest message stays pressable however much the
customer writes meanwhile; older buttons do not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, open_chat

pytestmark = pytest.mark.browser

CANCEL = "Отменить вызов оператора"


@pytest.fixture
def customer(pages: Any) -> Iterator[Page]:
    yield pages()


def test_a_queued_customer_who_wrote_on_can_still_take_the_request_back(
    server: Server, customer: Page
) -> None:
    open_chat(customer, server)
    customer_says(customer, "позовите оператора")  # nobody is online: the queue
    bot = customer.locator("li.msg--bot")
    expect(bot.last).to_contain_text("Передаю ваш вопрос")  # «…никого из операторов нет на месте…»
    handoff = bot.nth(bot.count() - 1)  # that message, not whatever is newest later
    customer_says(customer, "ну и что дальше")
    expect(bot.last).to_contain_text("Ваше сообщение добавлено к обращению")
    taken = bot.nth(bot.count() - 1)
    customer_says(customer, "abc")  # written on: no new message of the bot's
    expect(customer.locator("li.msg--bot").last).to_contain_text("добавлено к обращению")

    # The newest message's button can be pressed; the handoff message's no longer.
    expect(handoff.get_by_role("button", name=CANCEL)).to_be_disabled()
    button = taken.get_by_role("button", name=CANCEL)
    expect(button).to_be_enabled()
    button.click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Хорошо, отменил вызов оператора")
    expect(button).to_be_disabled()  # pressed: not a second time

    # After a reload the history reads the same.
    customer.reload()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Хорошо, отменил")
    for old in customer.get_by_role("button", name=CANCEL).all():
        expect(old).to_be_disabled()
