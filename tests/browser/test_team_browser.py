"""«Сотрудники» in real Chromium: the lead adds a colleague, who logs in; gives her more
conversations at once and a team; sets her a new password; switches her off."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.test_console_browser import (
    contexts,  # noqa: F401 - the fixture
    go_away,
    log_in,
)

pytestmark = pytest.mark.browser


def test_the_lead_manages_the_team(server: Server, contexts: Any) -> None:  # noqa: F811
    server.add_operator("tamara", role="admin", name="Тамара")
    lead = contexts()
    log_in(lead, server, "tamara")
    go_away(lead)
    lead.click("#team-link")
    expect(lead).to_have_url(f"{server.url}/console/team")
    expect(lead.locator("#accounts tbody tr", has_text="tamara")).to_have_count(1)

    lead.fill("#add-username", "vera")
    lead.fill("#add-name", "Вера")
    lead.fill("#add-password", "vera-pass-1")
    lead.fill("#add-capacity", "2")
    lead.locator("#add-teams label", has_text="Оплата и возвраты").locator("input").check()
    lead.click("#add button[type=submit]")
    expect(lead.locator("#team-notice")).to_have_text("Добавлен сотрудник: Вера")
    vera = lead.locator("#accounts tbody tr", has_text="vera")
    expect(vera.locator(".status")).to_have_text("Не в сети")
    expect(vera.locator(".capacity")).to_have_value("2")
    expect(vera.locator(".teams input:checked")).to_have_count(1)

    # A mistake is explained and the form keeps what was typed.
    lead.fill("#add-username", "vera")
    lead.fill("#add-name", "Вера вторая")
    lead.fill("#add-password", "vera-pass-2")
    lead.click("#add button[type=submit]")
    expect(lead.locator("#team-error")).to_have_text("Логин «vera» уже занят.")
    expect(lead.locator("#add-name")).to_have_value("Вера вторая")

    # She logs in with the password the lead gave her.
    colleague = contexts()
    colleague.goto(f"{server.url}/console")
    colleague.fill("#username", "vera")
    colleague.fill("#password", "vera-pass-1")
    colleague.click("#login-submit")
    expect(colleague).to_have_url(f"{server.url}/console")
    lead.reload()
    expect(vera.locator(".status")).to_have_text("В сети")

    # More conversations at once, saved.
    vera.locator(".capacity").fill("5")
    vera.locator(".save").click()
    expect(lead.locator("#team-notice")).to_have_text("Сохранено: Вера")
    lead.reload()
    expect(vera.locator(".capacity")).to_have_value("5")

    # A new password ends her open session.
    vera.locator(".password").fill("vera-new-pass-2")
    vera.locator(".set-password").click()
    expect(lead.locator("#team-notice")).to_contain_text("Пароль изменён: Вера")
    colleague.reload()
    expect(colleague).to_have_url(re.compile(r"/console/login"))

    # Switched off (after a confirmation): marked so, and her login no longer works.
    lead.once("dialog", lambda dialog: dialog.accept())
    vera.locator(".toggle").click()
    expect(lead.locator("#team-notice")).to_have_text("Отключён доступ: Вера")
    expect(vera.locator(".status")).to_have_text("Отключён")
    expect(vera).to_have_class("inactive")
    colleague.fill("#username", "vera")
    colleague.fill("#password", "vera-new-pass-2")
    colleague.click("#login-submit")
    # Her right password is told why (a wrong one only hears «Неверное…»).
    expect(colleague.locator(".error")).to_have_text("Учётная запись отключена администратором.")
    # The lead cannot switch off herself: her row has no such button.
    expect(lead.locator("#accounts tbody tr", has_text="tamara").locator(".toggle")).to_have_count(
        0
    )
