"""«Сейчас» on the statistics page, in real Chromium: the team lead sees who is online, who owes
a customer a reply since when, and a queue nobody online can take."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import (
    contexts,  # noqa: F401 - the fixture
    customer_says,
    go_away,
    log_in,
    open_chat,
)

pytestmark = pytest.mark.browser


def test_the_lead_sees_the_floor_now(server: Server, contexts: Any) -> None:  # noqa: F811
    server.add_operator("lidia", role="admin", name="Лидия")
    server.add_operator("oksana", name="Оксана")
    lead = contexts()
    log_in(lead, server, "lidia")
    go_away(lead)  # the lead watches; conversations go to the operators
    oksana = contexts()
    log_in(oksana, server, "oksana")

    customer = contexts()
    open_chat(customer, server)
    # Before a word, the chat's header says a person is there (Oksana is online and free).
    expect(customer.locator("#subtitle")).to_have_text("Бот отвечает сразу, операторы на связи")
    customer_says(customer, "Позовите оператора, пожалуйста")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Оксана")  # she has it

    lead.click("#stats-link")
    oksana_row = lead.locator("#live-operators tbody tr", has_text="Оксана").locator("td")
    expect(oksana_row).to_have_text(["Оксана", "В сети", "1 из 3", "1", re.compile(r"^[\d,]+ с$")])
    lidia_row = lead.locator("#live-operators tbody tr", has_text="Лидия").locator("td")
    expect(lidia_row).to_have_text(["Лидия", "Не на месте", "0 из 3", "0", "—"])
    support = lead.locator("#live-teams tbody tr", has_text="Поддержка").locator("td")
    expect(support).to_have_text(["Поддержка", "0", "—", "0", "1", "2"])
    expect(lead.locator("#live-updated")).to_contain_text("обновлено в")

    # Oksana steps away without answering: the customer is back in a queue nobody online serves.
    go_away(oksana)
    # The customer is not left writing into a void: the web chat says why and what next — with
    # nobody else online, no minutes.
    expect(customer.locator("li.msg--bot").last).to_contain_text(
        "Оператор Оксана сейчас не на связи, и других операторов тоже пока нет на месте"
    )
    lead.reload()
    expect(support).to_have_text(["Поддержка", "1", re.compile(r"^[\d,]+ с$"), "0", "0", "0"])
    expect(support.nth(4)).to_have_class("late")  # waiting, and nobody online to take it
    expect(oksana_row).to_have_text(["Оксана", "Не на месте", "0 из 3", "0", "—"])
