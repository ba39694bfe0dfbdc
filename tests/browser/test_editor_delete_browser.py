"""«Удалить запись» in real Chromium: the editor deletes an entry after a confirmation that says
what changes, the customer's question is no longer answered with it, an entry other content
refers to is refused with the reason, and «Отменить» in the journal brings the entry back.

Its own copy of the demo project (a deleted entry must not surprise the other editor tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, serve_own_project
from tests.browser.test_console_browser import customer_says, open_chat
from tests.browser.test_editor_browser import TEACH_TIMEOUT, log_in_editor

pytestmark = pytest.mark.browser
TITLE = "Контакты и часы поддержки"
ANSWERED = "8 800 555-35-35"  # in the entry's answer


@pytest.fixture(scope="module")
def delete_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Path]]:
    with serve_own_project(sqlite_template, tmp_path_factory, "delete-project") as running:
        yield running


def test_an_editor_deletes_an_entry_and_takes_the_deletion_back(
    delete_server: tuple[Server, Path], pages: Any
) -> None:
    server, root = delete_server
    server.add_operator("dina", role="editor", name="Дина")
    stores = root / "data" / "faq" / "stores.yml"
    original = stores.read_bytes()
    customer = pages()
    open_chat(customer, server)
    customer_says(customer, "Как с вами связаться?")
    expect(customer.locator("li.msg--bot").last).to_contain_text(ANSWERED)
    customer.locator("li.msg--bot").last.get_by_role("button", name="👎 Не помогло").click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Жаль, что ответ не помог")

    editor = pages()
    log_in_editor(editor, server, "dina")
    asked: list[str] = []
    editor.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    # An entry other entries' buttons open is not offered for deletion: the page says why.
    editor.fill("#ans-search", "адреса магаз")
    expect(editor.locator("#ans-entry")).to_have_value("pickup_points")
    editor.click("#entry-delete")
    refused = editor.locator("#delete-result")
    expect(refused).to_contain_text("нельзя удалить")
    expect(refused.locator("li").first).to_contain_text("в записи «Доставка в регионы»")
    assert asked == []  # nothing to confirm
    expect(editor.locator("#ans-form")).to_be_visible()

    # The entry nothing refers to: the confirmation names it and what the bot stops doing.
    editor.fill("#ans-search", "контакты и часы")
    expect(editor.locator("#ans-entry")).to_have_value("contacts")
    expect(refused).to_be_hidden()
    editor.click("#entry-delete")
    expect(editor.locator("#delete-result .ok")).to_contain_text(
        f"Готово: запись «{TITLE}» удалена", timeout=TEACH_TIMEOUT
    )
    [confirmation] = asked
    assert confirmation.startswith(f"Удалить запись «{TITLE}» (data/faq/stores.yml:")
    assert "Бот перестанет узнавать 16 вопросов этой записи" in confirmation
    assert "(за 30 дней он ответил ею 1 раз)" in confirmation
    expect(editor.locator("#ans-form")).to_be_hidden()
    expect(editor.locator("#ans-entry option[value=contacts]")).to_have_count(0)
    line = editor.locator("#hist-list li").first
    expect(line).to_contain_text(f"Дина удалил(а) запись «{TITLE}»")
    assert b"id: contacts" not in stores.read_bytes()
    # «Ответы бота» keeps the customer's «👎» under the entry's title, with no answer to edit.
    rated = editor.locator("#helpful-list li[data-entry=contacts]")
    expect(rated.locator(".title")).to_have_text(TITLE)
    expect(rated).to_contain_text("(запись удалена)")
    expect(rated.locator("button.edit-answer")).to_have_count(0)
    customer_says(customer, "Как с вами связаться?")
    expect(customer.locator("li.msg--bot").last).not_to_contain_text(ANSWERED)

    # «Отменить» on the journal line: the entry is back, in the file and in the bot.
    line.get_by_role("button", name="Отменить").click()
    expect(editor.locator("#hist-result")).to_contain_text(
        "Готово: правка отменена", timeout=TEACH_TIMEOUT
    )
    assert asked[-1].startswith(f"Отменить правку «удалил(а) запись «{TITLE}»»?")
    assert stores.read_bytes() == original
    expect(editor.locator("#ans-entry option[value=contacts]")).to_have_count(1)
    customer_says(customer, "Как с вами связаться?")
    expect(customer.locator("li.msg--bot").last).to_contain_text(ANSWERED)
