"""The support hours a phrase states come from config.yml (``handoff.working_hours``), never
from its text: every out-of-hours phrase says ``{hours}`` (bot/domain_editing.py ``_OFFLINE``),
so a team that works 10:00–19:00 is announced as such in each of them — the hand-off, its
Viber variant, with the order number known and after a hand-off announced in its own words —
and the editor accepts ``{hours}`` in those phrases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from typing import Any

import pytest

from bot.domain_editing import replace_text
from handoff.config import WorkingHours
from tests.conftest import brain_for
from tests.dialogue import TestBot, start_bot
from tests.handoff_kit import ROOT

TEN_TO_SEVEN = WorkingHours(timezone="Europe/Moscow", start=time(10, 0), end=time(19, 0))


@pytest.fixture
async def evening_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[TestBot]:
    """The demo bot at 20:30 in Moscow for a team that works 10:00–19:00, nobody online."""
    brain = brain_for(demo_project, demo_model, working_hours=TEN_TO_SEVEN)
    evening = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)
    running = await start_bot(demo_project, brain, db_url, clock=lambda: evening)
    yield running
    await running.runtime.stop()


def _states_the_config_hours(text: str) -> None:
    assert "10:00–19:00" in text, text
    assert "9:00 до 21:00" not in text and "21:00" not in text, text
    assert "завтра в 10:00" in text, text


async def test_the_offline_handoff_says_the_hours_of_config(evening_bot: TestBot) -> None:
    alice = evening_bot.customer("alice")
    [handoff] = await alice.say("позовите оператора")
    assert handoff.text.startswith(
        "Сейчас операторы не на связи: поддержка «Вольта» работает ежедневно 10:00–19:00 по Москве."
    )
    _states_the_config_hours(handoff.text)


async def test_the_viber_variant_says_them_too(evening_bot: TestBot) -> None:
    vera = evening_bot.customer("vera", channel="viber")
    [handoff] = await vera.say("позовите оператора")
    assert handoff.text.startswith("Операторы работают 10:00–19:00 МСК.")
    _states_the_config_hours(handoff.text)


async def test_with_the_order_number_known_too(evening_bot: TestBot) -> None:
    dana = evening_bot.customer("dana")
    [handoff] = await dana.say("позовите оператора, заказ 87654321")
    assert "номер заказа № 87654321 сохранены" in handoff.text
    _states_the_config_hours(handoff.text)


async def test_after_a_handoff_announced_in_its_own_words_too(evening_bot: TestBot) -> None:
    erik = evening_bot.customer("erik")
    await erik.say("где мой заказ")
    told, offline = await erik.say("не помню номер")
    assert told.text.startswith("Ничего страшного")
    _states_the_config_hours(offline.text)


def test_no_phrase_of_the_demo_writes_the_support_hours_out() -> None:
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert "9:00 до 21:00" not in domain and "9:00–21:00 МСК" not in domain


def test_the_editor_accepts_the_hours_in_an_out_of_hours_phrase() -> None:
    source = (ROOT / "domain.yml").read_text(encoding="utf-8")
    edited = replace_text(
        source, "utter_handoff_offline", 1, "Мы работаем {hours} по Москве, ответим {back_at}."
    )
    assert "Мы работаем {hours} по Москве" in edited
