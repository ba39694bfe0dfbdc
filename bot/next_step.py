"""«и?», «а дальше?», «и всё?» right after an answer: what comes next is not in the bot's hands.

After «как отписаться от смс» — answered — «ага», «а дальше» was «не понял» (QA 3 QA11), and «и?»
right after an answer «Жаль, что ответ не помог» (QA7, QA4): the customer waits for the next
step, and the answer's steps are all the bot knows. Such a message (:func:`asks_next`: nothing
but «и», «а», «дальше», «потом», «что», «всё», «это» — not «ну и?», the impatient verdict of
bot/feedback.py, nor «а что дальше?», bot/followup.py's «what now») right after an FAQ answer,
or after the bot's thanks for one, gets ``utter_answer_above`` («Всё, что я знаю об этом, — в
ответе выше. Если не нашли нужного — передам коллеге.») with the entry's buttons and «Позвать
оператора». It counts as a miss, so a second one (or a miss after it) goes to a person
(``handoff.not_understood_limit``, reason ``not_understood``, detail ``next_step:<entry id>``):
no loop. A project whose domain lacks the response reads the message as before.

The same for «нет», «нет» after «не понял» (:func:`denied_again`): no second «Понял. Напишите…».
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import answer_parts, followup, repeats
from bot.handover import escalate
from bot.storage.models import Message
from handoff.escalation import Reason

if TYPE_CHECKING:
    from bot.dialogue import Turn

DENY_AGAIN = "utter_deny_again"
DETAIL = "next_step:"  # the escalation's detail: next_step:<entry id>
_NEXT = frozenset(
    [
        "и",
        "а",
        "и что",
        "и дальше",
        "а дальше",
        "дальше",
        "и потом",
        "а потом",
        "потом",
        "и все",
        "это все",
        "все",
        "и это все",
    ]
)
_AFTER_THANKS = frozenset({"utter_affirm", "utter_helpful_yes"})
"""The bot's thanks for «ага», «👍» after an answer: the answer is still the topic."""


def asks_next(text: str) -> bool:
    """«и?», «а дальше», «и всё?» — nothing but asking what comes next."""
    words = re.findall(r"\w+", text.lower().replace("ё", "е"))
    return " ".join(words) in _NEXT


async def handled(turn: Turn) -> bool:
    """The pointer to the answer above for «и?» after it (or a person, the second time)."""
    from bot.dialogue import operator_button

    if answer_parts.ABOVE not in turn.domain.responses or not asks_next(turn.event.text):
        return False
    conv = turn.conversation
    args = (conv.context, turn.kb, turn.config, turn.now)
    entry = followup.last_entry(*args)
    if entry is None or entry.human_only:
        return False
    if await repeats.just_answered(turn) != entry.id and not await _after_thanks(turn):
        return False
    conv.unknown_streak += 1  # nothing more to say: a second ask is for a person
    if conv.unknown_streak >= turn.config.handoff.not_understood_limit:
        await escalate(turn, Reason.NOT_UNDERSTOOD, f"{DETAIL}{entry.id}")
        return True
    said = turn.domain.render(answer_parts.ABOVE, turn.channel)
    answer = entry.render(turn.channel)
    own = said.buttons or (operator_button(),)
    turn.say(
        dataclasses.replace(said, buttons=(*answer.buttons, *own)),
        {"response": answer_parts.ABOVE, "faq": entry.id},
    )
    return True


async def _after_thanks(turn: Turn) -> bool:
    """Was the bot's latest message its thanks for «ага» or «👍»?"""
    return await latest_response(turn) in _AFTER_THANKS


async def latest_response(turn: Turn) -> str | None:
    """The response the bot's latest message in this conversation was, if one."""
    data = await turn.session.scalar(
        select(Message.data)
        .where(Message.conversation_id == turn.conversation.id, Message.author == "bot")
        .order_by(Message.id.desc())
        .limit(1)
    )
    response = data.get("response") if isinstance(data, dict) else None
    return str(response) if response else None


async def denied_again(turn: Turn, intent: str) -> bool:
    """«нет», then «нет» again (QA 3 QA80): the bot's «Понял. Напишите, что осталось
    непонятным» (``utter_deny``) twice would be a loop with no way out. The second gets
    ``utter_deny_again`` («…Позвать коллегу?» with «Позвать оператора») and counts as a miss;
    a third goes to a person (reason ``not_understood``, detail ``denied_again``). False for
    anything else, or without the response."""
    if intent != "deny" or DENY_AGAIN not in turn.domain.responses:
        return False
    before = await latest_response(turn)
    if before == DENY_AGAIN:
        await escalate(turn, Reason.NOT_UNDERSTOOD, "denied_again")
        return True
    if before != "utter_deny":
        return False
    from bot.dialogue import operator_button

    turn.conversation.unknown_streak += 1
    said = turn.domain.render(DENY_AGAIN, turn.channel)
    buttons = said.buttons or (operator_button(),)
    turn.say(dataclasses.replace(said, buttons=buttons), {"response": DENY_AGAIN})
    return True
