"""A customer who uses the keyboard: the chat's page opens ready to type in, and after a
button pressed with Enter the focus is back in the message box (not lost on the page), so the
next question can be typed at once — in real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, open_chat

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(pages: Any) -> Iterator[Page]:
    yield pages()


def _focused(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def test_the_chat_opens_ready_to_type(server: Server, customer: Page) -> None:
    open_chat(customer, server)
    assert _focused(customer) == "input"
    customer.keyboard.type("как вернуть товар")
    expect(customer.locator("#input")).to_have_value("как вернуть товар")


def test_after_a_button_pressed_with_enter_the_next_question_can_be_typed(
    server: Server, customer: Page
) -> None:
    open_chat(customer, server)
    customer_says(customer, "возврат")  # a bare topic: «Что именно вас интересует?» + buttons
    choices = customer.locator("li.msg--bot .buttons").last.locator("button")
    expect(choices.first).to_be_enabled()
    before = customer.locator("li.msg--bot").count()
    choices.first.focus()
    customer.keyboard.press("Enter")
    expect(customer.locator("li.msg--bot")).not_to_have_count(before)  # answered
    assert _focused(customer) == "input"
    customer.keyboard.type("спасибо")
    customer.keyboard.press("Enter")
    expect(customer.locator("li.msg--customer").last).to_have_text("спасибо")
