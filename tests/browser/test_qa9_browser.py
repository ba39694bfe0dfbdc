"""QA pass 9 in real Chromium: the statistics' «Сейчас» without the network and on the team's
clock, the later-replies tile when nobody has answered yet, a blank reply, the conversation
that was open before a reload, and a web chat message over the limit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bot.channels.webchat import MAX_TEXT
from bot.engine import Brain
from tests.browser.conftest import Server
from tests.browser.test_console_browser import (
    a_customer_waits,
    go_away,
    log_in,
    open_chat,
)
from tests.browser.test_console_qa8_browser import contexts  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

WAKE = "document.dispatchEvent(new Event('visibilitychange'))"  # «Сейчас» refreshes at once


def test_the_floor_says_when_it_is_not_fresh_and_tells_the_teams_time(
    server: Server,
    contexts: Any,  # noqa: F811
    project_and_brain: tuple[object, Brain, str],
) -> None:
    team_zone = ZoneInfo(project_and_brain[1].config.handoff.working_hours.timezone)
    server.add_operator("lead9", role="admin", name="Лидия")
    lead = contexts()
    # The lead's laptop is set to Vladivostok; the team works on Moscow time.
    lead.context.new_cdp_session(lead).send(
        "Emulation.setTimezoneOverride", {"timezoneId": "Asia/Vladivostok"}
    )
    log_in(lead, server, "lead9")
    go_away(lead)
    later: dict[str, Any] = {
        "answered": 0,
        "p50_seconds": None,
        "p90_seconds": None,
        "written": 6,
        "waiting": 6,
    }

    def with_later_replies(route: Any) -> None:
        data = route.fetch().json()
        data["replies"] = later
        route.fulfill(json=data)

    lead.route("**/api/v1/metrics?*", with_later_replies)
    lead.click("#stats-link")
    updated = lead.locator("#live-updated")
    expect(updated).to_have_text(re.compile(r"^обновлено в \d\d:\d\d:\d\d$"))
    expect(lead.locator("#period")).to_contain_text(" до ")
    # Both on the team's clock: the period's «до 22:05» and «обновлено в 22:05:…».
    shown = datetime.strptime(updated.inner_text().split()[-1], "%H:%M:%S").time()
    now = datetime.now(team_zone)
    apart = abs(
        (datetime.combine(now.date(), shown, team_zone) - now + timedelta(hours=12))
        % timedelta(hours=24)
        - timedelta(hours=12)
    )
    assert apart < timedelta(minutes=2), (shown, now)
    until = lead.locator("#period").inner_text().split()[-1]
    assert abs(int(until[:2]) - shown.hour) in (0, 1, 23), (until, shown)

    # Six messages after the first answer and no reply yet: not «клиенты ещё не писали».
    expect(lead.locator("#reply-note")).to_have_text(
        "ответов ещё не было, ждут ответа: 6 сообщений"
    )
    later.update(answered=2, p50_seconds=40.0, p90_seconds=94.0, written=8, waiting=1)
    lead.select_option("#days", "days=30")
    expect(lead.locator("#reply-note")).to_have_text(
        "90% — за 1 мин 34 с; ответов 2; ждут ответа: 1 сообщение"
    )
    later.update(answered=0, p50_seconds=None, p90_seconds=None, written=0, waiting=0)
    lead.select_option("#days", "days=1")
    expect(lead.locator("#reply-note")).to_have_text("после первого ответа клиенты ещё не писали")

    # The network drops: the figures stay, and the line says they are not fresh.
    errors: list[str] = []
    lead.on("pageerror", lambda error: errors.append(str(error)))
    lead.route("**/api/v1/metrics/live", lambda route: route.abort())
    lead.evaluate(WAKE)
    expect(updated).to_contain_text("Нет связи с сервером")
    expect(updated).to_contain_text(f"данные на {shown:%H:%M:%S}")
    expect(updated).to_have_class(re.compile(r"\bstale\b"))
    expect(lead.locator("#live-operators tbody tr", has_text="Лидия")).to_be_visible()
    assert errors == []  # no uncaught «Failed to fetch»
    # Back: the next refresh puts it right.
    lead.unroute("**/api/v1/metrics/live")
    lead.evaluate(WAKE)
    expect(updated).to_have_text(re.compile(r"^обновлено в \d\d:\d\d:\d\d$"))
    expect(updated).not_to_have_class(re.compile(r"\bstale\b"))


def test_a_blank_reply_says_why_and_a_reload_reopens_the_conversation(
    server: Server,
    contexts: Any,  # noqa: F811
) -> None:
    says = "Позовите оператора, заказ 770019 не пришёл"
    operator, _, conversation = a_customer_waits(server, contexts, "polina", "Полина", says)
    why = operator.locator("#blank-why")
    expect(why).to_be_hidden()
    operator.fill("#reply", "    ")
    operator.click("#send")
    expect(why).to_have_text("Нечего отправлять: ответ пустой. Напишите текст клиенту.")
    expect(operator.locator("#reply")).to_be_focused()
    operator.click("#mode-note")  # a note has its own words
    operator.click("#note-send")
    expect(why).to_have_text("Заметка пустая — напишите текст, чтобы её сохранить.")
    operator.click("#mode-reply")
    expect(why).to_be_hidden()
    operator.fill("#reply", "Сейчас проверю заказ")
    expect(why).to_be_hidden()

    # A reload keeps the conversation open, with its draft.
    operator.reload()
    expect(operator.locator("#c-title")).to_contain_text(f"диалог №{conversation}")
    expect(operator.locator("#messages")).to_contain_text(says)
    expect(operator.locator("#reply")).to_have_value("Сейчас проверю заказ")

    # One that no longer exists for this tab: the lists, as before, with no error.
    operator.evaluate("sessionStorage.setItem(`zabota.open.${ME}`, '987654321')")
    operator.reload()
    expect(operator.locator("#live")).to_have_class(re.compile("on"))
    expect(operator.locator("#placeholder")).to_be_visible()
    expect(operator.locator("#error")).to_be_hidden()
    go_away(operator)


def test_a_too_long_web_chat_message_is_not_cut_but_explained(
    server: Server,
    contexts: Any,  # noqa: F811
) -> None:
    customer = contexts()
    open_chat(customer, server)
    pasted = "Подробно о заказе. " * 310 + "Конец."  # 5 896 characters
    assert len(pasted) > MAX_TEXT
    customer.locator("#input").fill(pasted)
    expect(customer.locator("#input")).to_have_value(pasted)  # nothing cut away
    error = customer.locator("#error")
    expect(error).to_be_visible()
    # The numbers the Russian way: «5 896» (its space is a no-break one).
    said = re.sub(r"[\xa0\u202f]", " ", error.inner_text())
    ru = lambda n: f"{n:,}".replace(",", " ")  # noqa: E731
    assert said == (
        f"Сообщение слишком длинное: {ru(len(pasted))} символов, а можно не больше "
        f"{ru(MAX_TEXT)} символов. Сократите его на {ru(len(pasted) - MAX_TEXT)} символов "
        "или отправьте частями."
    )
    customer.click("#send")  # not sent, still explained
    expect(error).to_be_visible()
    expect(customer.locator("li.msg--customer")).to_have_count(0)
    expect(customer.locator("#input")).to_have_value(pasted)
    customer.locator("#input").fill(pasted[:MAX_TEXT])  # exactly the limit: fine
    expect(error).to_be_hidden()
