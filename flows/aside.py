"""A question asked beside a flow step's answer («12345678 и еще доставка сколько стоит» when
asked the order number): the knowledge-base entries to answer along with the step, so that the
question is not dropped in silence (docs/flows.md).

The message's questions (:attr:`nlu.api.Prediction.parts`, or the whole message when it was not
split) that the bot would answer outside the flow — read confidently (``Decision.ANSWER``) as an
entry a bot may answer, not a flow's own intent — and that ask something once the step's value is
taken out: a «?» or a question word. «номер заказа 12345678» (read as «подтверждение заказа не
пришло») or «12345678 заказывал вчера» name the order and ask nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlu.api import Decision
from nlu.question_words import has_question

if TYPE_CHECKING:
    from bot.dialogue import Turn


def asked_aside(turn: Turn, value: str) -> list[str]:
    """The FAQ entries to answer beside ``value``, the step's answer taken from this message,
    in the customer's order and up to ``policy.max_answers_per_message`` − 1."""
    prediction = turn.prediction
    limit = turn.config.policy.max_answers_per_message - 1
    if prediction is None or limit < 1:
        return []
    found: list[str] = []
    for question in prediction.parts or (prediction,):
        entry = turn.kb.get(question.intent or "")
        if (
            question.decision is not Decision.ANSWER
            or entry is None
            or entry.human_only
            or entry.id in found
            or any(entry.id in flow.intents for flow in turn.flows.values())
        ):
            continue
        rest = question.text.replace(value, " ")
        if "?" in rest or has_question(rest):
            found.append(entry.id)
    return found[:limit]
