"""What operators read for the bot's guesses in the console: an entry's title, a service
intent's Russian name, the scenario an intent of the project's own nlu.yml starts, or that
intent's name — «(запись удалена)» (a missing title) only for what the bot no longer knows."""

from __future__ import annotations

import dataclasses

from bot.engine import Brain
from flows.models import Flow
from handoff.views import guess_title
from tests.handoff_kit import FakeNLU, make_brain


def _brain_with_own_intents() -> Brain:
    brain = make_brain()
    weather = Flow.model_validate(
        {
            "id": "weather",
            "title": "Погода в пункте выдачи",
            "intents": ["ask_weather"],
            "steps": [{"id": "say", "say": "Сегодня солнечно."}],
        }
    )
    nlu = FakeNLU({"погода": "ask_weather", "анекдот": "tell_joke", "доставка": "delivery_time"})
    return dataclasses.replace(brain, nlu=nlu, flows={"weather": weather})


def test_an_entry_and_a_service_intent_read_by_their_russian_names() -> None:
    brain = make_brain()
    assert guess_title(brain, "return_goods") == "Как вернуть товар"
    assert guess_title(brain, "handoff_request") == "просит оператора"


def test_an_intent_of_the_projects_own_nlu_is_not_called_a_deleted_entry() -> None:
    brain = _brain_with_own_intents()
    assert guess_title(brain, "ask_weather") == "сценарий «Погода в пункте выдачи»"
    assert guess_title(brain, "tell_joke") == "tell_joke"


def test_only_an_intent_the_bot_no_longer_knows_has_no_title() -> None:
    brain = _brain_with_own_intents()
    assert guess_title(brain, "entry_deleted_last_week") is None
    assert guess_title(brain, None) is None
