"""In Chromium, the console's own words where data is missing: a ready reply's «{клиент}» for a
customer without a usable name reads as Russian, and what the bot understood names an entry
deleted since as such, not by its raw id. The console's functions run in the real page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Server
from tests.browser.test_console_browser import log_in

NAMELESS = [
    # the report's ready reply: «, добрый день! Уважаемый, чем помочь?» before
    ("{клиент}, добрый день! Уважаемый {клиент}, чем помочь?", "Добрый день! Чем помочь?"),
    ("Здравствуйте, {клиент}! Меня зовут {оператор}.", "Здравствуйте! Меня зовут Нина."),
    ("Спасибо, {клиент}, что написали.", "Спасибо, что написали."),
    ("Добрый день, уважаемая {клиент}!", "Добрый день!"),
    ("{клиент}! Заказ уже в пути.", "Заказ уже в пути."),
    (
        "Заказ готов.\nДорогой {клиент}, заберите его сегодня.",
        "Заказ готов.\nЗаберите его сегодня.",
    ),
]


@pytest.fixture(scope="module")
def account(server: Server) -> None:
    server.add_operator("nina", name="Нина")


@pytest.fixture
def nina(server: Server, pages: Any, account: None) -> Page:
    page: Page = pages()
    log_in(page, server, "nina")
    return page


def filled(page: Page, text: str, first_name: str) -> str:
    found: str = page.evaluate(
        """([text, name]) => {
            STATE.detail = { customer_card: { first_name: name } };
            return fillTemplate(text);
        }""",
        [text, first_name],
    )
    return found


def test_a_ready_reply_for_a_customer_without_a_name_reads_as_russian(nina: Page) -> None:
    for template, expected in NAMELESS:
        assert filled(nina, template, "") == expected, template
    # With a name nothing is dropped.
    assert filled(nina, NAMELESS[0][0], "Пётр") == "Пётр, добрый день! Уважаемый Пётр, чем помочь?"


def test_a_guess_of_a_deleted_entry_is_named_so_and_offers_no_answer(nina: Page) -> None:
    shown: dict[str, Any] = nina.evaluate(
        """() => {
            const deleted = { intent: "mobile_app", title: null, confidence: 1 };
            const kept = { intent: "delivery_cost", title: "Стоимость доставки", confidence: 0.4,
                           answer: "299 ₽" };
            const message = messageItem({
                id: 1, conversation_id: 1, author: "customer", kind: "message", channel: "webchat",
                at: new Date().toISOString(), text: "приложение", faq: "mobile_app",
                nlu: { decision: "answer", ranking: [deleted, kept], parts: [] },
            }, 1, null);
            const side = guessItem(deleted);
            return {
                nlu: message.querySelector(".nlu").textContent,
                faq: message.querySelector(".faq").textContent,
                guess: side.querySelector("span").textContent,
                insert: side.querySelectorAll("button.insert").length,
                other: guessItem(kept).querySelectorAll("button.insert").length,
            };
        }"""
    )
    assert shown == {
        "nlu": "Бот понял: (запись удалена) 100%, Стоимость доставки 40%",
        "faq": "Ответ из базы знаний: (запись удалена)",
        "guess": "(запись удалена)",
        "insert": 0,
        "other": 1,
    }
