"""The editor's saves while the page moves on, in real Chromium (QA round 10).

A save takes 10–20 s (retraining and the regression gate). Meanwhile the editor presses Enter
again, types on, opens another entry, or a colleague deletes the entry: the save belongs to the
entry it was made for, nothing typed meanwhile is lost, and a deleted entry is said to be
deleted — by whom — and leaves the pickers.

Its own copy of the demo project (these tests change answers and delete an entry).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, serve_own_project
from tests.browser.test_editor_browser import TEACH_TIMEOUT, log_in_editor

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def saving_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Path]]:
    with serve_own_project(sqlite_template, tmp_path_factory, "saving-project") as running:
        yield running


def accepting(asked: list[str]) -> Any:
    """A dialog handler that notes each question asked and accepts it."""

    def handle(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    return handle


def open_entry(editor: Page, search: str, entry_id: str) -> str:
    """Open an entry in «Ответы бота» by its title; its answer as shown."""
    editor.fill("#ans-search", search)
    expect(editor.locator("#ans-entry")).to_have_value(entry_id)
    expect(editor.locator("#ans-form")).to_be_visible()
    return editor.input_value("#ans-text")


def test_enter_twice_adds_the_question_once_and_keeps_what_is_typed_meanwhile(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    server, _ = saving_server
    server.add_operator("vera", role="editor", name="Вера")
    editor = pages()
    log_in_editor(editor, server, "vera")
    sent: list[dict[str, Any]] = []
    editor.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}"))
            if r.method == "POST" and r.url.endswith("/editor/teach")
            else None
        ),
    )
    open_entry(editor, "подарочные карты", "gift_card")
    question = "подарочный сертификат на день рождения"
    editor.fill("#q-new", question)
    editor.press("#q-new", "Enter")
    editor.press("#q-new", "Enter")  # a quick second Enter while the first is saving
    expect(editor.locator("#q-add")).to_be_disabled()
    editor.fill("#q-new", "сертификат можно подарить")  # the next one, typed meanwhile
    moved = editor.get_by_role("button", name="Всё равно добавить")
    ok = editor.locator("#q-result .ok")
    expect(ok.or_(moved)).to_be_visible(timeout=TEACH_TIMEOUT)
    if moved.is_visible():  # the bot answered it with another entry: a deliberate move
        moved.click()
    expect(ok).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(editor.locator("#q-result")).not_to_contain_text("уже есть")
    expect(editor.locator("#ans-questions li", has_text=question)).to_have_count(1)
    expect(editor.locator("#q-new")).to_have_value("сертификат можно подарить")
    assert [s["text"] for s in sent if not s.get("force")] == [question], sent


def test_a_save_belongs_to_its_entry_when_another_is_opened_meanwhile(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    server, root = saving_server
    server.add_operator("greta", role="editor", name="Грета")
    editor = pages()
    log_in_editor(editor, server, "greta")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))
    gift = open_entry(editor, "подарочные карты", "gift_card")
    gift_new = f"{gift}\nПодарочную карту можно купить в любом магазине «Вольт»."
    editor.fill("#ans-text", gift_new)
    editor.click("#ans-save")
    expect(editor.locator("#ans-save")).to_be_disabled()

    # Another entry while it saves: nothing is lost, so nothing «пропадёт»; the save goes on.
    editor.fill("#ans-search", "")  # every entry listed again
    editor.select_option("#ans-entry", "pickup_storage")
    expect(editor.locator("#ans-source")).to_contain_text("stores.yml")
    storage = editor.input_value("#ans-text")
    assert "Подарочную карту" not in storage
    assert asked == []
    aside = editor.locator("#ans-pick + .aside-result")
    expect(aside).to_contain_text("сохранение продолжится")
    expect(editor.locator("#ans-save")).to_be_enabled()  # this entry's own save is free

    # The gift cards' result lands next to the picker, not under «Срок хранения».
    expect(aside).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(aside).to_contain_text("«Подарочные карты»")
    expect(editor.locator("#ans-entry option:checked")).to_have_text(
        "Срок хранения в пункте выдачи"
    )
    expect(editor.locator("#ans-text")).to_have_value(storage)
    expect(editor.locator("#ans-result")).to_be_hidden()
    assert "Подарочную карту можно купить" in (root / "data/faq/payment.yml").read_text("utf-8")

    # Its own save goes through (no false «Пока вы редактировали…»), and what is typed while
    # it saves stays in the box.
    storage_new = f"{storage}\nХранение можно продлить один раз на 3 дня."
    editor.fill("#ans-text", storage_new)
    editor.click("#ans-save")
    box = editor.locator("#ans-text")
    box.press("Control+End")
    box.press_sequentially(" Дописано")
    expect(editor.locator("#ans-result .ok")).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(editor.locator("#ans-result")).not_to_contain_text("Пока вы редактировали")
    expect(box).to_have_value(f"{storage_new} Дописано")
    stores = (root / "data/faq/stores.yml").read_text("utf-8")
    assert "на 3 дня." in stores and "Дописано" not in stores
    assert asked == []

    # Back to the gift cards: their saved answer, not a draft.
    editor.fill("#ans-text", storage_new)  # the extra words dropped: nothing unsaved
    editor.select_option("#ans-entry", "gift_card")
    expect(editor.locator("#ans-text")).to_have_value(gift_new)
    assert asked == []


def test_an_entry_deleted_meanwhile_is_said_deleted_and_leaves_the_pickers(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    server, _ = saving_server
    server.add_operator("ira", role="editor", name="Ира")
    server.add_operator("dora", role="editor", name="Дора")
    editor = pages()
    log_in_editor(editor, server, "ira")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))
    answer = open_entry(editor, "мобильное прилож", "mobile_app")
    editor.fill("#ans-text", f"{answer}\nПриложение бесплатное.")

    # A colleague deletes the entry from her own page.
    colleague = pages()
    log_in_editor(colleague, server, "dora")
    colleague.evaluate(
        """async () => {
          const plan = await api("GET", "/editor/entries/mobile_app/deletion");
          const body = { entry_id: "mobile_app", version: plan.version };
          return api("POST", "/editor/delete-entry", body);
        }"""
    )

    editor.click("#ans-save")
    result = editor.locator("#ans-result")
    expect(result).to_contain_text(
        "Запись «Мобильное приложение» удалена: её удалил(а) Дора", timeout=TEACH_TIMEOUT
    )
    expect(result).to_contain_text("«Отменить»")
    expect(result).not_to_contain_text("не найдена")
    expect(editor.locator("select[data-role=entry] option[value=mobile_app]")).to_have_count(0)
    editor.fill("#q-new", "есть ли приложение для айфона")
    editor.click("#q-add")
    expect(editor.locator("#q-result")).to_contain_text("удалил(а) Дора")

    # «Отменить» in the journal brings it back into the pickers.
    line = editor.locator("#hist-list li", has_text="удалил(а) запись «Мобильное приложение»")
    line.get_by_role("button", name="Отменить").click()
    expect(editor.locator("#hist-result .ok")).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(editor.locator("#ans-entry option[value=mobile_app]")).to_have_count(1)
    assert len(asked) == 1 and asked[0].startswith("Отменить правку")


def test_a_phrase_saved_while_another_is_opened_keeps_both_texts(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    server, root = saving_server
    server.add_operator("lida", role="editor", name="Лида")
    editor = pages()
    log_in_editor(editor, server, "lida")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))
    editor.select_option("#phrase-pick", label="Бот не понял вопрос")
    variant = editor.locator("#phrase-variants .phrase-text").first
    new = "Не разобрал вопрос. Напишите, пожалуйста, иначе."
    variant.locator("textarea").fill(new)
    held: list[Any] = []  # a phrase saves in a second or two: held until the switch is done
    editor.route("**/api/v1/editor/phrase", lambda route: held.append(route))
    variant.locator("button").click()
    # Another phrase while it saves: the save goes on, nothing «пропадёт».
    editor.select_option("#phrase-pick", label="Ожидание оператора")
    aside = editor.locator("#phrase-pick").locator("xpath=..").locator("+ .aside-result")
    expect(aside).to_contain_text("сохранение продолжится")
    [request] = held
    request.continue_()
    editor.unroute("**/api/v1/editor/phrase")
    expect(aside).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(editor.locator("#phrase-variants .phrase-text").first).to_contain_text(
        "подстановки: {wait_minutes}"
    )
    assert new in (root / "domain.yml").read_text(encoding="utf-8")
    # Back to it: the saved text, and a save of it typed on meanwhile keeps the typing.
    editor.select_option("#phrase-pick", label="Бот не понял вопрос")
    box = editor.locator("#phrase-variants .phrase-text").first.locator("textarea")
    expect(box).to_have_value(new)
    box.fill(f"{new} Или позову оператора.")
    editor.route("**/api/v1/editor/phrase", lambda route: held.append(route))
    editor.locator("#phrase-variants .phrase-text").first.locator("button").click()
    box.press("Control+End")
    box.press_sequentially(" Ещё")
    while len(held) < 2:
        editor.wait_for_timeout(50)
    held[-1].continue_()
    editor.unroute("**/api/v1/editor/phrase")
    result = editor.locator("#phrase-variants .phrase-text").first.locator(".result")
    expect(result).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(box).to_have_value(f"{new} Или позову оператора. Ещё")
    box.fill(f"{new} Или позову оператора.")  # nothing unsaved left
    assert asked == []


def test_back_at_the_saving_text_the_note_by_the_picker_goes_when_the_save_ends(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    """QA: «Сохраняется: … результат появится здесь» stayed next to the picker after the
    editor came back to the text and its result (a «Готово» or a refusal) appeared under it."""
    server, root = saving_server
    server.add_operator("nina", role="editor", name="Нина")
    editor = pages()
    log_in_editor(editor, server, "nina")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))

    # A phrase: saved, left for another phrase, opened again before the save is in.
    editor.select_option("#phrase-pick", label="Бот не понял вопрос")
    new = "Не понял вопрос. Напишите, пожалуйста, другими словами."
    editor.locator("#phrase-variants .phrase-text").first.locator("textarea").fill(new)
    held: list[Any] = []
    editor.route("**/api/v1/editor/phrase", lambda route: held.append(route))
    editor.locator("#phrase-variants .phrase-text").first.locator("button").click()
    editor.select_option("#phrase-pick", label="Ожидание оператора")
    aside = editor.locator("#phrase-pick").locator("xpath=..").locator("+ .aside-result")
    expect(aside).to_contain_text("Сохраняется: фраза «Бот не понял вопрос»")
    editor.select_option("#phrase-pick", label="Бот не понял вопрос")
    while not held:
        editor.wait_for_timeout(50)
    held[0].continue_()
    editor.unroute("**/api/v1/editor/phrase")
    result = editor.locator("#phrase-variants .phrase-text").first.locator(".result")
    expect(result).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    expect(aside).to_be_hidden()
    expect(editor.get_by_text("Сохраняется:")).to_have_count(0)
    assert new in (root / "domain.yml").read_text(encoding="utf-8")

    # An answer the server refuses (longer than a message): the refusal under it, no note.
    open_entry(editor, "подарочные карты", "gift_card")
    long = "Очень длинный ответ. " * 220
    editor.fill("#ans-text", long)
    editor.route("**/api/v1/editor/answer", lambda route: held.append(route))
    editor.click("#ans-save")
    editor.fill("#ans-search", "")
    editor.select_option("#ans-entry", "pickup_storage")
    expect(editor.locator("#ans-source")).to_contain_text("stores.yml")
    picker_note = editor.locator("#ans-pick + .aside-result")
    expect(picker_note).to_contain_text("Сохраняется: ответ записи «Подарочные карты»")
    editor.select_option("#ans-entry", "gift_card")
    expect(editor.locator("#ans-text")).to_have_value(long)  # its save, shown again
    expect(editor.locator("#ans-result")).to_contain_text("Сохраняю")
    while len(held) < 2:
        editor.wait_for_timeout(50)
    held[1].continue_()
    editor.unroute("**/api/v1/editor/answer")
    expect(editor.locator("#ans-result .error")).to_contain_text("4000", timeout=TEACH_TIMEOUT)
    expect(picker_note).to_be_hidden()
    expect(editor.get_by_text("Сохраняется:")).to_have_count(0)
    expect(editor.locator("#ans-text")).to_have_value(long)  # kept, to copy
    assert asked == []


def entry_response(entry_id: str) -> Any:
    """A predicate for the GET of one entry (not its deletion plan)."""
    return lambda url: url.endswith(f"/api/v1/editor/entries/{entry_id}")


def test_an_older_entry_arriving_late_does_not_take_the_form(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    """QA: the editor chose «Промокод», then quickly «Подъём на этаж»; the promo code's
    response came last and the form showed it under the name of the other entry."""
    server, root = saving_server
    server.add_operator("olga", role="editor", name="Ольга")
    editor = pages()
    log_in_editor(editor, server, "olga")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))
    held: list[Any] = []
    editor.route(entry_response("promo_code"), lambda route: held.append(route))
    editor.select_option("#ans-entry", "promo_code")  # its answer is slow to come
    while not held:
        editor.wait_for_timeout(50)
    editor.select_option("#ans-entry", "delivery_lift")  # and the editor moves on
    expect(editor.locator("#ans-source")).to_contain_text("delivery.yml")
    lift = editor.input_value("#ans-text")
    with editor.expect_response(lambda r: entry_response("promo_code")(r.url)):
        held.pop().continue_()
    editor.wait_for_timeout(300)  # the late response has been read by now
    expect(editor.locator("#ans-entry")).to_have_value("delivery_lift")
    expect(editor.locator("#ans-source")).to_contain_text("delivery.yml")
    expect(editor.locator("#ans-text")).to_have_value(lift)

    # Saved as the entry it shows: «Подъём на этаж» gets the new words, the promo code none.
    promo_before = (root / "data/faq/account.yml").read_text("utf-8")
    editor.fill("#ans-text", f"{lift}\nПодъём на этаж — по звонку курьеру.")
    editor.click("#ans-save")
    expect(editor.locator("#ans-result .ok")).to_contain_text("Готово", timeout=TEACH_TIMEOUT)
    assert "по звонку курьеру" in (root / "data/faq/delivery.yml").read_text("utf-8")
    assert (root / "data/faq/account.yml").read_text("utf-8") == promo_before
    editor.unroute(entry_response("promo_code"))
    assert asked == []


def test_a_save_ending_while_its_entry_loads_lands_under_it(
    saving_server: tuple[Server, Path], pages: Any
) -> None:
    """QA: a save that ended while its entry was loading into the form again was said next to
    the picker, and the entry came up with no result under it."""
    server, root = saving_server
    server.add_operator("polina", role="editor", name="Полина")
    editor = pages()
    log_in_editor(editor, server, "polina")
    asked: list[str] = []
    editor.on("dialog", accepting(asked))
    editor.select_option("#ans-entry", "promo_code")
    expect(editor.locator("#ans-source")).to_contain_text("account.yml")
    promo_new = f"{editor.input_value('#ans-text')}\nОдин промокод — на один заказ."
    editor.fill("#ans-text", promo_new)
    saves: list[Any] = []
    editor.route("**/api/v1/editor/answer", lambda route: saves.append(route))
    editor.click("#ans-save")
    editor.select_option("#ans-entry", "delivery_lift")  # away while it saves
    expect(editor.locator("#ans-source")).to_contain_text("delivery.yml")
    loads: list[Any] = []
    editor.route(entry_response("promo_code"), lambda route: loads.append(route))
    editor.select_option("#ans-entry", "promo_code")  # and back: its load is slow
    while not (saves and loads):
        editor.wait_for_timeout(50)
    with editor.expect_response(
        lambda r: r.url.endswith("/api/v1/editor/answer"), timeout=TEACH_TIMEOUT
    ):
        saves.pop().continue_()  # the save ends while the promo code is still loading
    editor.unroute("**/api/v1/editor/answer")
    editor.wait_for_timeout(300)
    loads.pop().continue_()
    editor.unroute(entry_response("promo_code"))
    expect(editor.locator("#ans-source")).to_contain_text("account.yml")
    expect(editor.locator("#ans-result .ok")).to_contain_text("Готово")
    expect(editor.locator("#ans-text")).to_have_value(promo_new)
    expect(editor.locator("#ans-pick + .aside-result")).not_to_contain_text("Готово")
    assert "Один промокод — на один заказ." in (root / "data/faq/account.yml").read_text("utf-8")
    assert asked == []
