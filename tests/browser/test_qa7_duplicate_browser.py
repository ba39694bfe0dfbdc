"""QA7 defect 6 on the editor's page, in real Chromium: a question another entry already has is
refused at once, by that entry's title, and the page offers no «Добавить вопрос в «…»» and no
«Всё равно…» — both used to end in a refusal naming `'delivery_cost'`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, serve_own_project
from tests.browser.test_editor_browser import log_in_editor, open_answer

pytestmark = pytest.mark.browser
TAKEN = "уже есть в записи «Стоимость доставки»"


@pytest.fixture(scope="module")
def content_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Path]]:
    """The demo on a copy of its project, whose files the editor may change."""
    with serve_own_project(
        sqlite_template, tmp_path_factory, "duplicate-project", always_open=False
    ) as running:
        yield running


def test_another_entrys_question_is_refused_with_no_dead_end_buttons(
    content_server: tuple[Server, Path], pages: Any
) -> None:
    server, root = content_server
    before = {p.name: p.read_bytes() for p in (root / "data" / "faq").glob("*.yml")}
    server.add_operator("vera", role="editor", name="Вера")
    editor = pages()
    log_in_editor(editor, server, "vera")

    # «Новая запись» with «Сколько стоит доставка?» among its questions.
    editor.click("#new-entry-btn")
    form = editor.locator("#new-entry-form")
    form.locator("[name=title]").fill("Общие вопросы")
    form.locator("[name=category]").select_option(index=1)
    form.locator("[name=questions]").fill("бонусы как потратить\nСколько стоит доставка?")
    form.locator("[name=answer]").fill("Бонусы тратятся в корзине: https://volt-shop.ru/bonus")
    form.locator("button.create-submit").click()
    refusal = editor.locator("#new-entry-result .error")
    expect(refusal).to_have_text(
        f"Вопрос «Сколько стоит доставка?» {TAKEN} — уберите его из списка."
    )
    result = editor.locator("#new-entry-result")
    expect(result.get_by_role("button")).to_have_count(
        0
    )  # no «Добавить вопрос в …», no «Всё равно…»

    # «Добавить вопрос» in «Сроки доставки» with another of «Стоимость доставки»'s questions.
    open_answer(editor, "сроки дост", "delivery_time")
    editor.fill("#q-new", "скока стоит доставка")
    editor.click("#q-add")
    expect(editor.locator("#q-result .error")).to_contain_text(f"Этот вопрос {TAKEN}")
    expect(editor.locator("#q-result").get_by_role("button")).to_have_count(0)

    after = {p.name: p.read_bytes() for p in (root / "data" / "faq").glob("*.yml")}
    assert after == before  # nothing was written
