"""The demo shop's site (``zabota run --demo``: ``/demo``) in real Chromium: the chat widget as
a customer meets it on a company's pages, and what the operator sees of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.engine import Brain
from tests.browser.conftest import Server, serve_fresh
from tests.browser.test_console_browser import log_in, open_the_newest
from tests.browser.test_widget_browser import contexts, customer_says_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(
    project_and_brain: tuple[object, Brain, str],
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """The app as ``zabota run --demo`` serves it."""
    with serve_fresh(project_and_brain, sqlite_template, tmp_path_factory, demo=True) as running:
        yield running


def test_a_customer_asks_on_the_demo_shop_and_reads_on_with_the_chat_open(
    demo: Server,
    contexts: Any,  # noqa: F811
) -> None:
    customer = contexts()
    refused: list[str] = []  # what the page's Content-Security-Policy blocked, if anything
    customer.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    customer.goto(f"{demo.url}/demo")
    expect(customer).to_have_title("Вольт — электроника и бытовая техника")
    expect(customer.locator(".demo-note")).to_contain_text("так чат поддержки выглядит на сайте")
    expect(customer.locator(".demo-note code").first).to_have_text(
        '<script src="https://адрес-вашего-zabota/widget.js" async></script>'
    )
    launcher = customer.locator("[data-zabota-widget] .launcher")
    expect(launcher).to_have_text("💬Чат поддержки")
    panel = customer.locator("[data-zabota-widget] .panel")
    expect(panel).to_be_hidden()

    # The chat opens over the shop's page and answers a question from the knowledge base.
    launcher.click()
    expect(panel).to_be_visible()
    chat = customer.frame_locator("[data-zabota-widget] iframe")
    expect(chat.locator("li.msg--bot").first).to_contain_text("Здравствуйте")
    customer_says_in(chat, "Сколько времени занимает доставка?")
    expect(chat.locator("li.msg--bot").last).to_contain_text(
        "привезём на следующий день, если заказ оформлен до 20:00"
    )

    # The customer goes on to the delivery page: the chat is still open, with the conversation.
    customer.click("text=Доставка и оплата")
    expect(customer).to_have_title("Доставка и оплата — Вольт")
    expect(panel).to_be_visible()
    expect(chat.locator("li.msg--customer").first).to_have_text(
        "Сколько времени занимает доставка?"
    )
    expect(chat.locator("li.msg--bot").last).to_contain_text("на следующий день")
    customer_says_in(chat, "Позовите оператора, пожалуйста")
    expect(chat.locator("li.msg--bot").last).to_contain_text("Передаю")

    # The operator sees which of the shop's pages each question came from.
    demo.add_operator("vera", name="Вера")
    vera = contexts()
    log_in(vera, demo, "vera")  # online and free: the conversation is hers at once
    vera.click('.tab[data-view="mine"]')
    open_the_newest(vera, demo)
    came_from = vera.locator("#messages .from-page")
    expect(came_from).to_have_count(2)
    expect(came_from.first).to_have_text("Со страницы: Вольт — электроника и бытовая техника")
    expect(came_from.first.locator("a")).to_have_attribute("href", f"{demo.url}/demo")
    expect(came_from.last).to_have_text("Со страницы: Доставка и оплата — Вольт")
    expect(came_from.last.locator("a")).to_have_attribute("href", f"{demo.url}/demo/delivery")
    vera.click("#close")
    expect(vera.locator("#c-owner")).to_have_text("закрыт")
    assert refused == []
