"""A QA pass of the console in real Chromium: who waits for a reply, the keyboard, a colleague's
conversation, a switched-off account, closing an unanswered customer, and small things
(«бот» twice, the transfer's warning, the landing tab, headers at 800 px)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import (
    a_customer_waits,
    customer_says,
    go_away,
    log_in,
    open_chat,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(pages: Any) -> Iterator[Any]:
    """``contexts()``: a page of its own person; operators still logged in log out afterwards."""
    opened: list[Page] = []
    yield lambda: opened.append(pages()) or opened[-1]
    for page in opened:
        if "/console" in page.url and "/console/login" not in page.url:
            page.goto(page.url.split("/console")[0] + "/console")
            if page.locator(".logout button").count():
                page.click(".logout button")
                expect(page).to_have_url(re.compile(r"/console/login"))


def test_a_customer_given_to_anna_counts_in_her_tab_until_she_answers(
    server: Server, contexts: Any
) -> None:
    server.add_operator("anna8", name="Анна")
    anna = contexts()
    log_in(anna, server, "anna8")
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Позовите оператора, пожалуйста")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Оператор Анна уже читает")
    # The bot spoke last, yet the customer waits for Анна: her tab says so, like the floor.
    expect(anna).to_have_title(re.compile(r"^\(1\) "))
    anna.click('.tab[data-view="mine"]')
    item = anna.locator("#list li.conv").first
    expect(item.locator(".timer")).not_to_have_text("")
    # Bot-owned or not, the owner is said once in an item.
    expect(item.locator(".reason")).to_have_text("клиент попросил оператора")

    # After a reload she starts on «Мои», where her customer is.
    anna.reload()
    expect(anna.locator('.tab[data-view="mine"]')).to_have_class(re.compile(r"\bactive\b"))
    anna.locator("#list li.conv").first.click()
    anna.fill("#reply", "Здравствуйте! Смотрю.")
    anna.click("#send")
    expect(anna).to_have_title("Консоль оператора")

    # A later question waits for a reply too: a timer and the count, not nothing.
    customer_says(customer, "А когда привезут?")
    expect(anna).to_have_title(re.compile(r"^\(1\) "))
    expect(anna.locator("#list li.conv").first.locator(".timer")).not_to_have_text("")
    expect(anna.locator("#list li.conv").first).to_have_class(re.compile(r"\bsla-late\b"))


def test_the_console_works_from_the_keyboard(server: Server, contexts: Any) -> None:
    gleb, customer, conversation = a_customer_waits(
        server, contexts, "gleb8", "Глеб", "Позовите оператора, заказ 66001"
    )
    gleb.click("#take")
    expect(gleb.locator("#c-owner")).to_have_text("у оператора")
    gleb.click("#close")  # taken: no question asked
    expect(gleb.locator("#c-owner")).to_have_text("закрыт")
    customer_says(customer, "Позовите оператора ещё раз")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    newer = server.newest_conversation()

    # A list item is a button reachable with Tab, opened with Enter.
    item = gleb.locator(f'#list li.conv[data-id="{newer}"]')
    expect(item).to_have_attribute("role", "button")
    expect(item).to_have_attribute("tabindex", "0")
    item.focus()
    gleb.keyboard.press("Enter")
    expect(gleb.locator("#c-title")).to_contain_text(f"№{newer}")
    expect(item).to_be_focused()  # the refreshed list keeps the keyboard where it was
    # The card's past conversation opens with Space.
    past = gleb.locator(f'#card-conversations li[data-id="{conversation}"]')
    past.focus()
    gleb.keyboard.press(" ")
    expect(gleb.locator("#c-title")).to_contain_text(f"№{conversation}")

    # «Шаблоны» closes with Esc.
    gleb.click("#replies-open")
    expect(gleb.locator("#replies-admin")).to_be_visible()
    for shortcut, text in (("кб1", "Первый шаблон"), ("кб2", "Второй шаблон")):
        gleb.fill("#reply-shortcut", shortcut)
        gleb.fill("#reply-text", text)
        gleb.click("#reply-add")
        expect(gleb.locator("#replies-list")).to_contain_text(text)
    gleb.keyboard.press("Escape")
    expect(gleb.locator("#replies-admin")).to_be_hidden()

    # In the «/» list the arrows move and Enter takes the highlighted reply.
    gleb.locator(f'#list li.conv[data-id="{newer}"]').click()
    gleb.click("#take")
    gleb.locator("#reply").press_sequentially("/кб")
    offered = gleb.locator("#templates li[data-shortcut]")
    expect(offered).to_have_count(2)
    expect(offered.first).to_have_attribute("aria-selected", "true")
    second = offered.nth(1).get_attribute("data-shortcut")
    gleb.locator("#reply").press("ArrowDown")
    expect(offered.nth(1)).to_have_class(re.compile(r"\bactive\b"))
    gleb.locator("#reply").press("Enter")
    expect(gleb.locator("#reply")).to_have_value(
        "Второй шаблон" if second == "кб2" else "Первый шаблон"
    )


def test_a_colleagues_conversation_says_why_it_cannot_be_answered(
    server: Server, contexts: Any
) -> None:
    dina, _, conversation = a_customer_waits(
        server, contexts, "dina8", "Дина", "Позовите оператора, где заказ 66002?"
    )
    dina.click("#take")
    expect(dina.locator("#c-operator")).to_have_text("Оператор: Дина")
    another = contexts()
    open_chat(another, server)
    customer_says(another, "Позовите оператора, другой вопрос")
    second = server.newest_conversation()
    server.add_operator("egor8", name="Егор")
    egor = contexts()
    log_in(egor, server, "egor8")
    go_away(egor)
    egor.click('.tab[data-view="all"]')
    egor.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(egor.locator("#send")).to_be_disabled()
    expect(egor.locator("#file")).to_be_disabled()  # not a click that fails afterwards
    expect(egor.locator("#send-why")).to_contain_text("Диалог ведёт Дина")

    # A knowledge-base search belongs to the customer it was made for.
    egor.fill("#kb-q", "сроки доставки")
    expect(egor.locator("#kb-results li").first).to_be_visible()
    egor.locator(f'#list li.conv[data-id="{second}"]').click()
    expect(egor.locator("#kb-q")).to_have_value("")
    expect(egor.locator("#kb-results li")).to_have_count(0)

    # Passing it to a team nobody else of is online: a warning, not the red error box.
    dina.click("#transfer-open")
    dina.select_option("#transfer-team", index=1)
    dina.click("#transfer-submit")
    expect(dina.locator("#warning")).to_be_visible()
    expect(dina.locator("#warning")).to_have_class(re.compile(r"\bwarning\b"))
    expect(dina.locator("#error")).to_be_hidden()


def test_closing_a_customer_nobody_answered_asks_first(server: Server, contexts: Any) -> None:
    zoya, customer, _ = a_customer_waits(
        server, contexts, "zoya8", "Зоя", "Позовите оператора, вопрос по оплате"
    )
    asked: list[str] = []

    def answer(dialog: Dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    zoya.once("dialog", lambda d: answer(d, False))
    zoya.click("#close")
    expect(zoya.locator("#c-owner")).to_have_text("в очереди")
    assert "Клиенту ещё никто не ответил" in asked[0]
    zoya.once("dialog", lambda d: answer(d, True))
    zoya.click("#close")
    expect(zoya.locator("#c-owner")).to_have_text("закрыт")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Оператор завершил диалог")


def test_a_switched_off_colleague_is_asked_about_and_told_why(
    server: Server, contexts: Any
) -> None:
    ira, _, _ = a_customer_waits(server, contexts, "ira8", "Ира", "Позовите оператора, заказ 66003")
    ira.click("#take")
    expect(ira.locator("#c-operator")).to_have_text("Оператор: Ира")
    server.add_operator("lead8", name="Лида", role="admin")
    lead = contexts()
    log_in(lead, server, "lead8")
    lead.goto(f"{server.url}/console/team")
    toggle = lead.locator("#accounts tr", has_text="ira8").locator("button.toggle")
    asked: list[str] = []
    lead.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    toggle.click()
    for _ in range(50):  # the page counts her conversations first, then asks
        if asked:
            break
        lead.wait_for_timeout(100)
    assert "1 диалог вернётся в очередь" in asked[0]
    expect(toggle).to_have_text("Отключить")  # dismissed: nothing changed
    lead.once("dialog", lambda d: d.accept())
    toggle.click()
    expect(lead.locator("#team-notice")).to_contain_text("Отключён доступ")

    # Her open console (its next refresh) goes to the login page, which says why.
    expect(ira).to_have_url(re.compile(r"/console/login\?disabled=1"))
    expect(ira.locator("#login-error")).to_have_text("Учётная запись отключена администратором.")


def test_message_headers_keep_their_words_at_800_pixels(server: Server, contexts: Any) -> None:
    olga, customer, _ = a_customer_waits(
        server, contexts, "olga8", "Ольга", "Позовите оператора, заказ 66004"
    )
    olga.set_viewport_size({"width": 800, "height": 700})
    olga.click("#take")
    olga.fill("#reply", "Смотрю")
    olga.click("#send")
    expect(customer.locator("li.msg--operator").last).to_contain_text("Смотрю")
    sent = olga.locator("#messages li.author-operator").last
    expect(sent.locator(".delivery")).to_be_visible()
    inside = sent.evaluate(
        """(li) => [...li.querySelectorAll('.msg-head > *')].every((part) => {
          const [box, own] = [li.getBoundingClientRect(), part.getBoundingClientRect()];
          return own.right <= box.right + 0.5 && part.scrollWidth <= part.clientWidth + 1;
        })"""
    )
    assert inside
