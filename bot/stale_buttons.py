"""An old button whose FAQ entry or flow an editor has since deleted or renamed.

A customer scrolls up and presses «Возврат товара» under yesterday's greeting, but the entry
``faq:return_goods`` is now ``faq:returns`` (or gone, its questions moved into another entry).
«Не понял» would be wrong: the customer said something clear. The button's title (the text the
customer saw, kept with the bot's message, :func:`bot.storage.repo.recent_button_title`) is read
by the NLU as if typed, and a confident reading of a knowledge-base entry or a flow's intent is
answered like the typed question. Otherwise the bot says plainly that this answer is no longer
available and offers what it can: the entries the reading half-guessed, and a person.
"""

from __future__ import annotations

import dataclasses

from bot import choice
from bot.answering import NLUHandler
from bot.dialogue import Turn, operator_button
from bot.events import Button, ButtonStyle, InboundKind, Outbound
from bot.readings import clarify_options
from nlu.api import Decision, Prediction

PREFIXES = ("faq:", "flow:")
# The phrases are `utter_button_gone` / `utter_button_gone_options` in domain.yml (editors word
# them in «Фразы бота»); these are what a project without them says.
STALE_TEXT = (
    "Этого ответа больше нет: мы обновили справку. Напишите, пожалуйста, вопрос своими словами — "
    "я постараюсь помочь."
)
STALE_WITH_OPTIONS_TEXT = (
    "Этого ответа больше нет: мы обновили справку. Возможно, вам подойдёт один из этих ответов — "
    "или напишите вопрос своими словами."
)


def is_stale_flow(turn: Turn) -> bool:
    """A ``flow:<id>`` button of a flow that no longer exists, pressed while no flow runs
    (inside a flow, the flow decides what an old button means: flows/engine.py)."""
    payload = turn.event.payload or ""
    return (
        payload.startswith("flow:")
        and payload[len("flow:") :] not in turn.flows
        and not (turn.conversation.context or {}).get("flow")
    )


async def answer(turn: Turn) -> None:
    """Answer a pressed button whose entry or flow is gone by reading its title."""
    payload = turn.event.payload or ""
    title = " ".join(turn.event.text.split())
    prediction = await turn.read(title) if title and turn.read is not None else None
    if prediction is not None and _answerable(turn, prediction):
        await _as_typed(turn, title, prediction)
        return
    _say_gone(turn, payload, prediction)


def _answerable(turn: Turn, prediction: Prediction) -> bool:
    """A confident reading of something the bot answers: an entry, or a flow's intent."""
    intent = prediction.intent
    if prediction.decision is not Decision.ANSWER or intent is None:
        return False
    return intent in turn.kb or any(intent in flow.intents for flow in turn.flows.values())


async def _as_typed(turn: Turn, title: str, prediction: Prediction) -> None:
    from flows.engine import FlowHandler

    turn.event = dataclasses.replace(turn.event, kind=InboundKind.TEXT, text=title)
    turn.prediction = prediction
    turn.message_data["read_as_typed"] = prediction.intent
    flows = FlowHandler()
    if flows.match(turn):
        await flows.handle(turn)
    else:
        await NLUHandler().handle(turn)


def _say_gone(turn: Turn, payload: str, prediction: Prediction | None) -> None:
    """«Этого ответа больше нет» with the half-guessed entries and «Позвать оператора».

    Not counted as a miss: the customer asked nothing unclear."""
    options = [
        (entry.title, f"faq:{entry.id}")
        for entry in (clarify_options(prediction, turn.kb, turn.config) if prediction else [])
    ]
    buttons = [Button(title, option) for title, option in options]
    if turn.config.policy.offer_operator_button:
        buttons.append(operator_button())
    if options:  # «2» in reply picks the second (bot/choice.py)
        choice.offer(turn.conversation, [(b.title, b.payload or "") for b in buttons], turn.now)
    name = "utter_button_gone_options" if options else "utter_button_gone"
    if name in turn.domain.responses:
        text = turn.domain.render(name, turn.channel).text
    else:
        text = STALE_WITH_OPTIONS_TEXT if options else STALE_TEXT
    turn.say(
        Outbound(
            text=text,
            buttons=tuple(buttons),
            style=ButtonStyle.INLINE,
        ),
        {"response": name, "stale_button": payload, "options": [p for _, p in options]},
    )
