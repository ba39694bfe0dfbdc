"""The editor's page in real Chromium tells the truth about flows and answer edits (QA7 defects
1 and 10): «Проверить бота» shows the flow a customer gets, the answer form of a flow's entry
says so and leads to the flow, and two edits of one answer read differently in the journal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, open_chat
from tests.browser.test_editor_browser import TEACH_TIMEOUT, editor_server, log_in_editor

pytestmark = pytest.mark.browser
__all__ = ["editor_server"]  # the module's server fixture, shared

ORDER_QUESTION = "Подскажите номер заказа"


def test_a_flows_question_is_tried_and_edited_as_the_flow(
    editor_server: tuple[Server, Path], pages: Any
) -> None:
    server, _ = editor_server
    server.add_operator("flora", role="editor", name="Флора")
    customer = pages()
    open_chat(customer, server)
    customer_says(customer, "где мой заказ")
    expect(customer.locator("li.msg--bot").last).to_contain_text(ORDER_QUESTION)

    editor = pages()
    log_in_editor(editor, server, "flora")
    editor.fill("#try-text", "где мой заказ")
    editor.click("#try-submit")
    expect(editor.locator("#try-decision")).to_have_text("начнёт сценарий «Где мой заказ»")
    expect(editor.locator("#try-answer")).to_contain_text(ORDER_QUESTION)
    expect(editor.locator("#try-answer")).not_to_contain_text("volt-shop.ru/orders —")

    # The answer form of the flow's entry says who answers its questions, and leads there.
    editor.fill("#ans-search", "где мой заказ")
    expect(editor.locator("#ans-entry")).to_have_value("order_status")
    note = editor.locator("#ans-flow")
    expect(note).to_be_visible()
    expect(note).to_contain_text("получают сценарий «Где мой заказ», а не этот ответ")
    note.get_by_role("link").click()
    expect(editor.locator("#flow-pick")).to_have_value("order_status_check")
    # An entry no flow takes has no such note.
    editor.fill("#ans-search", "стоимость дост")
    expect(editor.locator("#ans-entry")).to_have_value("delivery_cost")
    expect(editor.locator("#ans-flow")).to_be_hidden()

    # «эээ»: the customer reads «не понял», and so does the editor — no dangling question.
    editor.fill("#try-text", "эээ")
    editor.click("#try-submit")
    expect(editor.locator("#try-decision")).to_have_text("не поймёт")
    expect(editor.locator("#try-answer")).to_contain_text("не совсем понял")


def test_two_edits_of_one_answer_read_differently_in_the_journal(
    editor_server: tuple[Server, Path], pages: Any
) -> None:
    server, _ = editor_server
    server.add_operator("tamara", role="editor", name="Тамара")
    editor = pages()
    log_in_editor(editor, server, "tamara")
    editor.fill("#ans-search", "стоимость дост")
    expect(editor.locator("#ans-entry")).to_have_value("delivery_cost")
    expect(editor.locator("#ans-text")).to_have_value(re.compile("299 ₽"))
    first = editor.locator("#ans-text").input_value().strip().replace("299 ₽", "349 ₽")
    second = first + "\nТарифы: https://volt-shop.ru/delivery"
    for answer in (first, second):
        editor.fill("#ans-text", answer)
        editor.click("#ans-save")
        expect(editor.locator("#ans-result")).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    lines = editor.locator("#hist-list li.a-answer_edited")
    expect(lines.first).to_contain_text(
        "(добавлена строка «Тарифы: https://volt-shop.ru/delivery»)"
    )
    # The whole new answer on hover, not its first 300 characters.
    expect(lines.first.locator(".hist-text")).to_have_attribute("title", second)
