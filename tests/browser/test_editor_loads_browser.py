"""The editor's lists when an older load answers after a newer one, in real Chromium.

A search typed on, or two undos in a row, each load a list again; the responses may come back
in any order. Only the latest load is drawn: a slow older response that arrives last must not
put back what the editor has already moved past.

Nothing here changes the project's files (the undos are answered by a stand-in), so the
module uses the shared server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, open_chat
from tests.browser.test_editor_browser import log_in_editor

pytestmark = pytest.mark.browser

FIRST = "абырвалг кукареку"
SECOND = "кракозябра тыдыщ"


def searching_for(text: str) -> Any:
    """A predicate for the «Бот не понял» list's load with the search ``text``."""

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path.endswith("/editor/unanswered") and parse_qs(parts.query).get("q") == [
            text
        ]

    return matches


def wait_for(held: list[Any], count: int, page: Page) -> None:
    for _ in range(200):
        if len(held) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{count} requests were expected, {len(held)} came")


def test_a_search_answered_late_does_not_replace_the_newer_one(server: Server, pages: Any) -> None:
    """QA: the editor typed «абыр», then «крако»; the first search's answer came last and the
    list showed the «абыр» results under the search box saying «крако»."""
    for text in (FIRST, SECOND):  # two customers the bot did not understand
        customer = pages()
        open_chat(customer, server)
        customer_says(customer, text)
        expect(customer.locator("li.msg--bot")).to_have_count(2)
    server.add_operator("inna", role="editor", name="Инна")
    editor = pages()
    log_in_editor(editor, server, "inna")
    items = editor.locator("#un-list li.un-item")
    expect(items.filter(has_text=SECOND)).to_have_count(1)

    held: list[Any] = []  # the first search's response, read from the server and kept back
    editor.route(searching_for("абыр"), lambda route: held.append((route, route.fetch())))
    editor.fill("#un-q", "абыр")
    wait_for(held, 1, editor)
    editor.fill("#un-q", "крако")  # the editor types on: this search answers at once
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(SECOND)

    route, response = held.pop()
    with editor.expect_response(lambda r: searching_for("абыр")(r.url)):
        route.fulfill(response=response)  # the older answer arrives last
    editor.wait_for_timeout(300)  # it has been read by now
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(SECOND)
    expect(editor.locator("#un-total")).to_have_text("1")
    editor.unroute(searching_for("абыр"))


def journal_line(number: int, text: str) -> dict[str, Any]:
    return {
        "id": number,
        "at": "2026-12-07T10:00:00+00:00",
        "who": "Инна",
        "action": "phrase",
        "action_title": "изменил(а) фразу бота",
        "entry_title": "",
        "text": text,
        "change": "",
        "undo": "ready",
    }


def test_the_lists_after_two_quick_undos_show_the_second_one(server: Server, pages: Any) -> None:
    """QA: two undos in a row each redraw the page; the first undo's journal, flows and
    phrases came back last and the page showed them as they were between the undos."""
    server.add_operator("ilya", role="editor", name="Илья")
    editor = pages()
    editor.on("dialog", lambda dialog: dialog.accept())
    # An undo retrains the bot for seconds: here the server's answer is a stand-in, and so is
    # the journal (two changes to undo; what it says after each undo).
    editor.route(
        "**/api/v1/editor/revert",
        lambda route: route.fulfill(json={"ok": True, "message": "Готово: правка отменена."}),
    )
    journals = [
        [journal_line(2, "вторая правка"), journal_line(1, "первая правка")],
        [journal_line(1, "после первой отмены")],
        [journal_line(3, "после второй отмены")],
    ]
    armed: list[bool] = []
    older: dict[str, Any] = {}  # the first undo's lists, by kind
    held: list[tuple[Any, str]] = []

    def later(route: Any) -> None:
        """Once armed, the first undo's loads are read at once and answered last; the second
        undo's go through."""
        kind = urlsplit(route.request.url).path.rsplit("/", 1)[-1]
        if not armed or kind in older:
            if kind == "history":
                route.fulfill(json={"items": journals[2] if armed else journals[0]})
            else:
                route.continue_()
            return
        if kind == "history":
            older[kind] = {"items": journals[1]}
        else:  # as they were before the second undo took its text back
            data = route.fetch().json()
            data[kind][0]["title"] = "Как было до второй отмены"
            older[kind] = data
        held.append((route, kind))

    listed = ("/api/v1/editor/history", "/api/v1/editor/flows", "/api/v1/editor/phrases")
    editor.route(lambda url: urlsplit(url).path.endswith(listed), later)
    log_in_editor(editor, server, "ilya")
    lines = editor.locator("#hist-list li")
    expect(lines).to_have_count(2)
    expect(editor.locator("#flow-pick option").first).to_be_attached()
    expect(editor.locator("#phrase-pick option").first).to_be_attached()
    flow_first = editor.locator("#flow-pick option").first.inner_text()
    phrase_first = editor.locator("#phrase-pick option").first.inner_text()

    armed.append(True)
    lines.nth(0).get_by_role("button", name="Отменить").click()  # the first undo
    wait_for(held, 3, editor)
    lines.nth(1).get_by_role("button", name="Отменить").click()  # and at once the second
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("после второй отмены")

    for route, kind in held:  # the first undo's lists arrive last
        with editor.expect_response(lambda r, kind=kind: f"/editor/{kind}" in r.url):
            route.fulfill(json=older[kind])
    editor.wait_for_timeout(300)  # read by now
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("после второй отмены")
    expect(editor.locator("#flow-pick option").first).to_have_text(flow_first)
    expect(editor.locator("#phrase-pick option").first).to_have_text(phrase_first)
