"""The chat inside the company's own site (``/widget.js``), in real Chromium: the shop's pages
are served from another origin, as they would be from the company's site."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.engine import Brain
from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, log_in, open_the_newest

pytestmark = pytest.mark.browser

PAGES = {
    "/catalog/atlant-xm-4208": "Холодильник ATLANT ХМ-4208 — Вольт",
    "/delivery": "Доставка и оплата — Вольт",
}


@contextlib.contextmanager
def shop_site(chat_url: str) -> Iterator[str]:
    """A shop's site on its own port (its own origin): every page has the one-line snippet."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            title = PAGES.get(self.path)
            if title is None:
                self.send_error(404)
                return
            body = (
                f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title>'
                f"</head><body><h1>{title}</h1>"
                f'<script src="{chat_url}/widget.js" async></script></body></html>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def shop(server: Server, project_and_brain: tuple[object, Brain, str]) -> Iterator[str]:
    """The shop's site, listed in ``channels.webchat.embed_origins`` for this module."""
    brain = project_and_brain[1]
    before = brain.config.channels
    with shop_site(server.url) as url:
        brain.config.channels = before.model_copy(deep=True)
        brain.config.channels.webchat.embed_origins = [url]
        try:
            yield url
        finally:
            brain.config.channels = before


@pytest.fixture
def contexts(pages: Any) -> Iterator[Any]:
    opened: list[Page] = []
    yield lambda: opened.append(pages()) or opened[-1]
    for page in opened:  # operators log out, so they get no conversations in later tests
        if page.url.endswith("/console"):
            page.click(".logout button")


def test_a_customer_asks_from_a_product_page_and_the_reply_waits_under_the_button(
    server: Server, shop: str, contexts: Any
) -> None:
    customer = contexts()
    customer.goto(f"{shop}/catalog/atlant-xm-4208")
    launcher = customer.locator("[data-zabota-widget] .launcher")
    expect(launcher).to_have_text("💬Чат поддержки")
    panel = customer.locator("[data-zabota-widget] .panel")
    expect(panel).to_be_hidden()

    # The chat opens over the shop's page; the bot answers there at once.
    launcher.click()
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    chat = customer.frame_locator("[data-zabota-widget] iframe")
    expect(chat.locator("li.msg--bot").first).to_contain_text("Здравствуйте")
    expect(chat.locator("#input")).to_be_focused()
    chat.locator("#input").fill("Позовите оператора: влезет ли этот холодильник в нишу 60 см?")
    chat.locator("#send").click()
    expect(chat.locator("li.msg--bot").last).to_contain_text("Передаю")

    # The operator sees which product the customer was looking at, and can open its page.
    server.add_operator("alisa", name="Алиса")
    alisa = contexts()
    log_in(alisa, server, "alisa")  # online and free: the conversation is hers at once
    alisa.click('.tab[data-view="mine"]')
    open_the_newest(alisa, server)
    came_from = alisa.locator("#messages .from-page")
    expect(came_from).to_have_count(1)  # said once, not under every message of that page
    expect(came_from).to_have_text("Со страницы: Холодильник ATLANT ХМ-4208 — Вольт")
    expect(came_from.locator("a")).to_have_attribute("href", f"{shop}/catalog/atlant-xm-4208")
    expect(alisa.locator("#c-operator")).to_have_text("Оператор: Алиса")

    # The customer folds the chat away and reads on; the answer shows on the button.
    chat.get_by_role("button", name="Свернуть чат").click()
    expect(panel).to_be_hidden()
    badge = customer.locator("[data-zabota-widget] .badge")
    expect(badge).to_be_hidden()
    alisa.fill("#reply", "Влезет: его ширина 59,5 см, нужен зазор 2–3 мм по бокам.")
    alisa.click("#send")
    expect(badge).to_have_text("1")
    expect(launcher).to_have_attribute("aria-label", "Чат поддержки: новых сообщений — 1")
    launcher.click()
    expect(badge).to_be_hidden()
    expect(chat.locator("li.msg--operator").last).to_contain_text("Влезет")

    # On the next page of the shop the chat is still open, with the whole conversation.
    customer.goto(f"{shop}/delivery")
    expect(panel).to_be_visible()
    expect(chat.locator("li.msg--operator").last).to_contain_text("Влезет")
    customer_says_in(chat, "А доставка на дачу будет?")
    expect(alisa.locator("#messages .from-page")).to_have_count(2)
    expect(alisa.locator("#messages .from-page").last).to_have_text(
        "Со страницы: Доставка и оплата — Вольт"
    )
    alisa.click("#close")
    expect(alisa.locator("#c-owner")).to_have_text("закрыт")


def customer_says_in(chat: Any, text: str) -> None:
    before = chat.locator("li.msg--customer").count()
    chat.locator("#input").fill(text)
    chat.locator("#input").press("Enter")
    expect(chat.locator("li.msg--customer")).to_have_count(before + 1)


def test_a_site_that_is_not_listed_cannot_show_the_chat(
    server: Server, shop: str, contexts: Any
) -> None:
    with shop_site(server.url) as stranger:  # same snippet, an origin nobody listed
        page = contexts()
        page.goto(f"{stranger}/delivery")
        page.locator("[data-zabota-widget] .launcher").click()
        frame = page.frame_locator("[data-zabota-widget] iframe")
        # Chromium refuses to show the chat in the frame (CSP frame-ancestors) …
        page.wait_for_function(
            "() => document.querySelector('[data-zabota-widget]').shadowRoot"
            ".querySelector('iframe') !== null"
        )
        page.wait_for_timeout(1500)
        assert frame.locator("#log").count() == 0
        # … while the chat itself, opened directly, works.
        direct = contexts()
        direct.goto(f"{server.url}/chat")
        customer_says(direct, "как вернуть товар")


def test_on_a_phone_the_open_chat_is_not_covered_by_its_button(
    server: Server, shop: str, pages: Any
) -> None:
    customer = pages()
    customer.set_viewport_size({"width": 375, "height": 667})
    customer.goto(f"{shop}/delivery")
    launcher = customer.locator("[data-zabota-widget] .launcher")
    launcher.click()
    chat = customer.frame_locator("[data-zabota-widget] iframe")
    expect(chat.locator("li.msg--bot").first).to_contain_text("Здравствуйте")
    # The chat fills the screen; the button that opened it steps aside, so «Отправить» is
    # tapped, not the button over it.
    expect(launcher).to_be_hidden()
    chat.locator("#input").fill("как вернуть товар")
    chat.locator("#send").click(timeout=3_000)
    expect(chat.locator("li.msg--customer").last).to_have_text("как вернуть товар")
    # Folded away, the chat is one tap away again.
    chat.get_by_role("button", name="Свернуть чат").click()
    expect(launcher).to_be_visible()
