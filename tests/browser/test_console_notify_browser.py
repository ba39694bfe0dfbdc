"""The console calls the operator back from another tab: desktop notifications and a sound
(``handoff/web/static/notify.js``), in real Chromium next to the customer's web chat.

The console's page gets a spy before its scripts run: ``window.Notification`` records every
notice (title, body, tag and the notice itself, still shown for real when it can be) in
``window.__notes``, ``OscillatorNode.start`` counts the sounds in ``window.__beeps``, and
``window.__hidden`` stands for the tab being in the background (``document.hidden``,
``visibilityState`` and ``hasFocus()`` follow it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import customer_says, go_away, log_in, open_chat

pytestmark = pytest.mark.browser

SPY = """
(() => {
  window.__hidden = sessionStorage.getItem("hidden") === "true";
  window.__notes = [];
  window.__beeps = 0;
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true, get: () => window.__hidden });
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get: () => (window.__hidden ? "hidden" : "visible") });
  Document.prototype.hasFocus = () => !window.__hidden;
  const Real = window.Notification;
  function Spy(title, options) {
    let note = null;
    try { note = new Real(title, options); } catch (error) { note = { close() {} }; }
    window.__notes.push({ title, body: options.body, tag: options.tag, note });
    return note;
  }
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  Spy.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Spy;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__beeps += 1;
    return start.apply(this, args);
  };
})();
"""

TOGGLE = "#notify-toggle"
SOUND = "#sound-toggle"


@pytest.fixture
def consoles(pages: Any, server: Server) -> Iterator[Callable[..., Page]]:
    """``consoles(username, name)`` logs an operator in to a console with the spy; with
    ``granted`` the browser allows notifications (as after the operator's «Разрешить»),
    without it the browser refuses them, as a headless one does when asked."""
    opened: list[Page] = []

    def console(username: str, name: str, *, granted: bool = True) -> Page:
        server.add_operator(username, name=name)
        page: Page = pages()
        if granted:
            page.context.grant_permissions(["notifications"], origin=server.url)
        page.add_init_script(SPY)
        log_in(page, server, username)
        opened.append(page)
        return page

    yield console
    for page in opened:  # logged out: offline, so later tests' conversations are not theirs
        page.goto(f"{server.url}/console")
        page.click(".logout button")
        expect(page).to_have_url(re.compile(r"/console/login"))


def a_customer_asks_for_a_person(
    pages: Any, server: Server, words: str, bot: str = "Передаю"
) -> tuple[Page, int]:
    """A web chat customer whose ``words`` the bot hands over (the bot's last words then
    contain ``bot``); their page and conversation."""
    page: Page = pages()
    open_chat(page, server)
    customer_says(page, words)
    expect(page.locator("li.msg--bot").last).to_contain_text(bot)
    return page, server.newest_conversation()


def notes(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.evaluate(
        "window.__notes.map(({ title, body, tag }) => ({ title, body, tag }))"
    )
    return found


def about(page: Page, conversation: int) -> list[dict[str, str]]:
    return [n for n in notes(page) if n["tag"] == f"zabota-conversation-{conversation}"]


def wait_for_note(page: Page, conversation: int, title: str, count: int = 1) -> dict[str, str]:
    """The ``count``-th notice titled ``title`` about the conversation, once it is shown."""
    page.wait_for_function(
        "([tag, title, count]) => "
        "window.__notes.filter((n) => n.tag === tag && n.title === title).length >= count",
        arg=[f"zabota-conversation-{conversation}", title, count],
    )
    return [n for n in about(page, conversation) if n["title"] == title][count - 1]


def background(page: Page, hidden: bool = True) -> None:
    """The console's tab goes behind another one (or comes back), also across a reload."""
    page.evaluate(
        "(hidden) => { window.__hidden = hidden; sessionStorage.setItem('hidden', hidden); }",
        hidden,
    )


def switch_on(page: Page) -> None:
    page.click(TOGGLE)
    expect(page.locator(TOGGLE)).to_have_text("🔔 Уведомления: вкл")


def listed(page: Page, view: str, conversation: int, text: str) -> None:
    """The console refreshed its lists since ``text`` was said in the conversation (by anyone:
    the list's own line shows what the customer last wrote)."""
    page.click(f'.tab[data-view="{view}"]')
    item = page.locator(f'#list li.conv[data-id="{conversation}"]')
    expect(item).to_have_attribute("data-newest", text)


def test_a_new_customer_in_the_queue_is_announced_and_the_notice_opens_them(
    server: Server, consoles: Callable[..., Page], pages: Any
) -> None:
    _, earlier = a_customer_asks_for_a_person(pages, server, "позовите живого человека")
    nina = consoles("nina_notify", "Нина")  # online: the router gives her that customer
    expect(nina.locator(TOGGLE)).to_have_text("🔔 Уведомления: выкл")  # nothing until asked
    switch_on(nina)
    background(nina)
    go_away(nina)  # back to the queue it goes: it was hers, so that is no news to her
    # (She may have landed on «Мои» if the router gave it to her before her first lists.)
    nina.click('.tab[data-view="queued"]')
    expect(nina.locator(f'#list li.conv[data-id="{earlier}"]')).to_be_visible()
    assert notes(nina) == []
    nina.reload()  # the choice is remembered by the browser
    expect(nina.locator(TOGGLE)).to_have_text("🔔 Уведомления: вкл")
    expect(nina.locator(SOUND)).to_have_text("🔊 Звук: вкл")
    expect(nina.locator(f'#list li.conv[data-id="{earlier}"]')).to_be_visible()
    assert notes(nina) == []  # the first load tells nothing of who waited before it

    _, conversation = a_customer_asks_for_a_person(
        pages, server, "Позовите оператора, курьер уехал без сдачи"
    )

    note = wait_for_note(nina, conversation, "Новый клиент в очереди")
    # Who and what they asked (not the bot's «передаю» that came after it).
    assert re.fullmatch(r".+ · Веб-чат: Позовите оператора, курьер уехал без сдачи", note["body"])
    assert nina.evaluate("window.__beeps") >= 1  # and a short sound

    # The operator clicks the notice: back in the console, with that customer open.
    nina.click('.tab[data-view="all"]')
    nina.evaluate(
        "(tag) => window.__notes.find((n) => n.tag === tag).note.onclick()",
        f"zabota-conversation-{conversation}",
    )
    expect(nina.locator("#c-title")).to_contain_text(f"диалог №{conversation}")
    expect(nina.locator('.tab[data-view="queued"]')).to_have_class(re.compile(r"\bactive\b"))
    expect(nina.locator("#messages")).to_contain_text("курьер уехал без сдачи")
    background(nina, False)
    nina.click("#take")
    expect(nina.locator("#c-owner")).to_have_text("у оператора")  # taken: «Закрыть» asks nothing
    nina.click("#close")  # done, so that no later test finds it waiting
    expect(nina.locator("#c-owner")).to_have_text("закрыт")
    assert len(about(nina, conversation)) == 1  # nothing of it was her news
    assert about(nina, earlier) == []
    nina.locator(f'#list li.conv[data-id="{earlier}"]').click()
    nina.click("#take")
    expect(nina.locator("#c-owner")).to_have_text("у оператора")
    nina.click("#close")
    expect(nina.locator("#c-owner")).to_have_text("закрыт")


def test_the_operators_own_customer_writes_again_but_their_own_reply_is_no_news(
    server: Server, consoles: Callable[..., Page], pages: Any
) -> None:
    olga = consoles("olga_notify", "Ольга")
    go_away(olga)
    switch_on(olga)
    petr, conversation = a_customer_asks_for_a_person(pages, server, "позовите живого человека")
    olga.locator(f'#list li.conv[data-id="{conversation}"]').click()
    background(olga)
    olga.click("#take")  # her own doing: not announced back to her, even from the background
    expect(olga.locator("#c-owner")).to_have_text("у оператора")
    olga.fill("#reply", "Здравствуйте! Какая карта?")
    olga.click("#send")
    listed(olga, "mine", conversation, "Здравствуйте! Какая карта?")
    assert about(olga, conversation) == []  # her take and her reply: no notice

    customer_says(petr, "Мир, заканчивается на 4402")
    note = wait_for_note(olga, conversation, "Новое сообщение от клиента")
    assert note["body"].endswith(": Мир, заканчивается на 4402")
    words = (
        "И ещё: списали дважды, сначала 1 990 ₽, потом через минуту ещё раз столько же, а "
        "заказ так и висит неоплаченным — верните, пожалуйста, лишнее"
    )
    customer_says(petr, words)
    second = wait_for_note(olga, conversation, "Новое сообщение от клиента", count=2)
    assert second["body"].endswith(": " + words[:99] + "…")  # a short preview only
    assert second["tag"] == note["tag"]  # it replaces the first one on the screen

    olga.fill("#reply", "Проверяю списания")  # her answer after them tells her nothing
    olga.click("#send")
    listed(olga, "mine", conversation, "Проверяю списания")
    assert len(about(olga, conversation)) == 2  # each message once
    background(olga, False)
    olga.click("#close")
    expect(olga.locator("#c-owner")).to_have_text("закрыт")


MIXED_REFRESHES = """() => {
  // One customer of the operator's; each list is its own request, so a refresh can read one
  // list before the customer's new message is stored and another after it.
  const conv = (said, text) => ({ id: 990001, channel: "webchat", customer: { name: "Пётр" },
    last_customer_message: { id: said, text } });
  const refresh = (mine, all) => NOTIFY.lists({ queued: [], mine: [mine], team: [], all: [all] });
  const told = () => window.__notes.filter((n) => n.tag === "zabota-conversation-990001"
    && n.title === "Новое сообщение от клиента").map((n) => n.body);
  const seen = [];
  refresh(conv(1, "Здравствуйте"), conv(1, "Здравствуйте"));
  refresh(conv(1, "Здравствуйте"), conv(2, "Карта Мир"));  // «мои» before it, «все» after
  seen.push(told());
  refresh(conv(2, "Карта Мир"), conv(2, "Карта Мир"));  // the message's own refresh
  seen.push(told());
  refresh(conv(3, "Списали дважды"), conv(2, "Карта Мир"));  // the other way round
  seen.push(told());
  refresh(conv(3, "Списали дважды"), conv(3, "Списали дважды"));
  seen.push(told());
  return seen;
}"""


def test_a_message_is_told_once_whichever_list_saw_it_first(
    consoles: Callable[..., Page],
) -> None:
    """The console's four lists come from four requests; a refresh that straddles a new
    message must neither lose the notice nor give it twice."""
    zoya = consoles("zoya_notify", "Зоя")
    go_away(zoya)
    switch_on(zoya)
    background(zoya)
    seen = zoya.evaluate(MIXED_REFRESHES)  # one script: no real refresh comes in between
    assert seen == [
        ["Пётр · Веб-чат: Карта Мир"],  # told as soon as any list shows it, with its words
        ["Пётр · Веб-чат: Карта Мир"],  # … and not again when «мои» catches up
        ["Пётр · Веб-чат: Карта Мир", "Пётр · Веб-чат: Списали дважды"],
        ["Пётр · Веб-чат: Карта Мир", "Пётр · Веб-чат: Списали дважды"],
    ]


def test_a_conversation_given_to_the_operator_is_announced(
    server: Server, consoles: Callable[..., Page], pages: Any
) -> None:
    # Rita is online: the router gives her the customer at once (no queue to look at).
    rita = consoles("rita_notify", "Рита")
    switch_on(rita)
    background(rita)
    words = "Позовите оператора, не пришёл кешбэк"
    _, conversation = a_customer_asks_for_a_person(pages, server, words, "Оператор Рита")
    note = wait_for_note(rita, conversation, "Вам передан диалог")
    assert note["body"].endswith(f": {words}")

    # Semyon takes it over from her; she transfers it back — to him the transfer is news.
    semyon = consoles("semyon_notify", "Семён")
    switch_on(semyon)
    background(rita, False)
    rita.click('.tab[data-view="mine"]')
    rita.locator(f'#list li.conv[data-id="{conversation}"]').click()
    background(semyon)
    rita.click("#transfer-open")
    rita.select_option("#transfer-operator", label="Семён (в сети)")
    rita.click("#transfer-submit")
    expect(rita.locator("#c-operator")).to_have_text("Оператор: Семён")
    note = wait_for_note(semyon, conversation, "Вам передан диалог")
    assert note["body"].endswith(f": {words}")
    background(semyon, False)
    semyon.click('.tab[data-view="mine"]')
    semyon.locator(f'#list li.conv[data-id="{conversation}"]').click()
    semyon.click("#close")
    expect(semyon.locator("#c-owner")).to_have_text("закрыт")


def test_nothing_while_the_console_is_in_front_or_notifications_are_off(
    server: Server, consoles: Callable[..., Page], pages: Any
) -> None:
    vera = consoles("vera_notify", "Вера")
    go_away(vera)
    switch_on(vera)
    egor, conversation = a_customer_asks_for_a_person(
        pages, server, "оператора позовите, у меня срочно"
    )
    vera.locator(f'#list li.conv[data-id="{conversation}"]').click()
    vera.click("#take")
    expect(vera.locator("#c-owner")).to_have_text("у оператора")

    # In front of her: she sees the message in the console, no notice, no sound.
    customer_says(egor, "Чайник сломался через неделю")
    listed(vera, "mine", conversation, "Чайник сломался через неделю")
    assert about(vera, conversation) == []
    assert vera.evaluate("window.__beeps") == 0

    # Switched off, in the background: no notice, only the sound (its own switch).
    vera.click(TOGGLE)
    expect(vera.locator(TOGGLE)).to_have_text("🔔 Уведомления: выкл")
    background(vera)
    customer_says(egor, "Чек сохранился")
    listed(vera, "mine", conversation, "Чек сохранился")
    assert about(vera, conversation) == []
    assert vera.evaluate("window.__beeps") >= 1

    # The sound off too: still nothing; on again: the next message is announced, silently.
    vera.click(SOUND)
    expect(vera.locator(SOUND)).to_have_text("🔊 Звук: выкл")
    beeps = vera.evaluate("window.__beeps")
    switch_on(vera)
    customer_says(egor, "Могу привезти в магазин")
    wait_for_note(vera, conversation, "Новое сообщение от клиента")
    assert about(vera, conversation)[0]["body"].endswith(": Могу привезти в магазин")
    assert vera.evaluate("window.__beeps") == beeps
    vera.click(SOUND)  # back on for whoever uses this browser next
    background(vera, False)
    vera.click("#close")
    expect(vera.locator("#c-owner")).to_have_text("закрыт")


def test_the_button_says_when_the_browser_blocks_notifications(
    server: Server, consoles: Callable[..., Page]
) -> None:
    lev = consoles("lev_notify", "Лев", granted=False)
    expect(lev.locator(TOGGLE)).to_have_text("🔔 Уведомления: выкл")
    lev.click(TOGGLE)  # the browser is asked, and refuses
    expect(lev.locator(TOGGLE)).to_have_text("🔔 Уведомления: заблокированы в браузере")
    expect(lev.locator(TOGGLE)).to_have_attribute("title", re.compile("настройках браузера"))
    lev.click(TOGGLE)  # the page cannot ask again; it keeps saying so
    expect(lev.locator(TOGGLE)).to_have_text("🔔 Уведомления: заблокированы в браузере")
    assert lev.evaluate("localStorage.getItem('zabota.notify')") == "off"
