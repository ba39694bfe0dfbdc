"""What a customer types about the bot's last message: a verdict on an answer, a «no» to options.

Right after an FAQ answer, «не помогло», «это не то», «вы не поняли», «не ответили на вопрос»,
«бесполезно» — and the impatient «ну и?» — say what «👎 Не помогло» says, and «помогло», «да,
спасибо, помогло» what «👍» says. Alone they read as nothing («не понял»), as «deny» («Понял.
Напишите…») or even as thanks («ну и?» → «Рад помочь!»). :func:`verdict` recognises them, and
:func:`handled` handles them as the press of that button (bot/helpful.py): the same
reply, and the rating stored for the editor's «Ответы бота». Only right after an answer
(:func:`bot.repeats.just_answered`): the same words at any other moment go to the NLU.

After «Уточните, пожалуйста, — вы имели в виду:» or «Что именно вас интересует?» nothing was
answered yet, so «нет», «другое», «ничего из этого» is no verdict on an answer: it gets
``utter_clarify_none`` («Тогда опишите вопрос подробнее — или позову оператора», with the
operator button) instead of ``utter_deny``'s «Понял. Напишите, что осталось непонятным». That
reply offers its button as options are offered (bot/choice.py: «1» presses it), and a second
«нет» right after it is a miss: once the misses reach
``handoff.not_understood_limit`` a person takes over (reason ``not_understood``), so «другое»,
«другое» no longer loops. A project whose domain lacks ``utter_clarify_none`` answers as before.

A score typed without being asked («5», «ставлю 1 звезду», bot/typed_score.py; a bare «2» is an
option's number) is a verdict too: right after an answer 4–5 is «👍» and 1–3 «👎»; at another
moment («спасибо, всё», then «5») 4–5 gets ``utter_affirm`` and 1–3 ``utter_deny`` with the
operator button (was «не понял»).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import choice, helpful, repeats, typed_score
from bot.events import InboundKind
from bot.followup import last_entry
from bot.handover import escalate
from handoff.escalation import Reason
from nlu.api import Decision

if TYPE_CHECKING:
    from bot.dialogue import Turn

CLARIFY_NONE = "utter_clarify_none"
DETAIL = "declined"  # the escalation's detail for a second «нет» to the options

_FILLERS = frozenset(
    [
        "да",
        "нет",
        "ну",
        "вот",
        "это",
        "все",
        "всё",
        "так",
        "вы",
        "ты",
        "я",
        "меня",
        "мне",
        "мой",
        "мою",
        "ваш",
        "ваше",
        "ответ",
        "совсем",
        "опять",
        "снова",
        "вообще",
        "увы",
        "очень",
        "спасибо",
        "спс",
        "большое",
        "же",
    ]
)
_NOT_HELPED = frozenset(
    [
        "не помогло",
        "не помог",
        "не помогли",
        "не помогает",
        "ничего не помогло",
        "не то",
        "не про то",
        "не про это",
        "не поняли",
        "не понял",
        "не понял вопрос",
        "не поняли вопрос",
        "не поняли меня",
        "непонятно",
        "не понятно",
        "ничего не понятно",
        "не ответили",
        "не ответил",
        "не ответили на вопрос",
        "не ответил на вопрос",
        "не ответили на мой вопрос",
        "не ответ",
        "не ответ на вопрос",
        "бесполезно",
        "бесполезный",
        "толку ноль",
    ]
)
_IMPATIENT = frozenset(
    ["и", "ну и", "и что", "ну и что", "и дальше", "ну и дальше", "и что дальше"]
)
"""«ну и?», «и что?» after an answer: the customer waits for more — not thanks."""
_POLITE = frozenset(["спасибо", "спс", "благодарю", "надо", "нужно"])
_HELPED = frozenset(["помогло", "помог", "помогли", "помогает"])
_PLEASED = frozenset(
    ["круто", "супер", "класс", "классно", "отлично", "здорово", "замечательно", "огонь"]
)
"""A pleased «круто», «супер!» right after an answer: thanked for as «спасибо» is
(``utter_affirm``), not chitchat («Поболтать я не мастер…», QA 3 Q13, QA44); no rating — a
score typed next is still the answer's (:func:`_scored`)."""
_DECLINED = frozenset(
    [
        "нет",
        "неа",
        "другое",
        "другой",
        "другая",
        "другой вопрос",
        "у другой вопрос",
        "ничего",
        "ничего из этого",
        "ничего из перечисленного",
        "ни то ни другое",
        "ни один",
        "ни одно",
        "не то",
        "не это",
        "не подходит",
        "ничего не подходит",
        "не совсем",
        "не совсем то",
        "не из этого",
        "не",
    ]
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("ё", "е"))


def verdict(text: str) -> bool | None:
    """Does a message only say that the answer helped (True) or did not (False)? None for
    anything else: «не помогло, как оформить возврат?» asks a question of its own."""
    words = _words(text)
    said = " ".join(words)
    if said in _IMPATIENT and (said != "и" or "?" in text):  # a bare «и» only as «и?»
        return False
    core = " ".join(w for w in words if w not in _FILLERS)
    if core in _NOT_HELPED:
        return False
    if core in _HELPED:
        return True
    return None


def _pleased(text: str) -> bool:
    """«круто», «супер, спасибо», «отлично!» — and nothing else."""
    words = [w for w in _words(text) if w not in _FILLERS]
    return bool(words) and all(w in _PLEASED for w in words)


def declines(text: str) -> bool:
    """«нет», «другое», «ничего из этого», «нет, не то»: none of the options offered."""
    words = _words(text)
    if not words:
        return False
    kept = " ".join(w for w in words if w not in _FILLERS - {"нет"})  # «нет, спасибо»
    core = " ".join(w for w in words if w not in _FILLERS)  # «нет, ничего из этого»
    return bool({" ".join(words), kept, core} & _DECLINED)


async def handled(turn: Turn) -> bool:
    """Handle a typed «👍/👎» right after an answer or a typed «нет» to the options just
    offered; False for any other message (the NLU's reading is acted on)."""
    if turn.event.kind is not InboundKind.TEXT or (turn.conversation.context or {}).get("flow"):
        return False
    text = turn.event.text
    said_no = declines(text) or _read_as_deny(turn)
    if CLARIFY_NONE in turn.domain.responses and turn.offered and said_no:
        if _second(turn) and set(_words(text)) & _POLITE:
            return False  # «нет, спасибо» to «…или позову оператора»: no person wanted
        await _declined(turn)
        return True
    given = typed_score.score(text)
    if given is not None and not turn.offered:
        return await _scored(turn, given)
    if _pleased(text) and "utter_affirm" in turn.domain.responses:
        if await repeats.just_answered(turn) is None:
            return False
        turn.say(turn.domain.render("utter_affirm", turn.channel), {"response": "utter_affirm"})
        return True
    helped = verdict(text)
    if helped is None:
        return False
    entry_id = await repeats.just_answered(turn)
    if entry_id is None:
        return False
    await helpful.handle(turn, entry_id, helped, typed=True)
    return True


async def _scored(turn: Turn, given: int) -> bool:
    """«5», «ставлю 1 звезду»: right after an answer, the press of «👍» (4–5) or «👎» (1–3);
    at any other moment thanks (``utter_affirm``) or, for a low score, ``utter_deny`` with the
    operator button. False (read as usual) when the domain lacks the response."""
    from bot.dialogue import operator_button

    helped = given >= typed_score.HIGH
    entry_id = await repeats.just_answered(turn)
    if entry_id is not None:
        await helpful.handle(turn, entry_id, helped, typed=True)
        return True
    name = "utter_affirm" if helped else "utter_deny"
    if name not in turn.domain.responses:
        return False
    if (last := _answered_lately(turn)) is not None:
        # «круто», then «оцениваю на 5 звезд»: the score is the last answer's, recorded as its
        # «👍/👎» typed (QA 3 Q13: it was thanked for and lost); no second «Рад, что помог».
        turn.message_data["helpful"] = {"entry": last, "value": helped, "typed": True}
    message = turn.domain.render(name, turn.channel)
    if not helped and not message.buttons:
        message = type(message)(text=message.text, buttons=(operator_button(),))
    turn.say(message, {"response": name, "score": given})
    return True


def _answered_lately(turn: Turn) -> str | None:
    """The entry the bot answered last in this conversation, within the follow-up window."""
    entry = last_entry(turn.conversation.context, turn.kb, turn.config, turn.now)
    return None if entry is None else entry.id


def declined(turn: Turn) -> bool:
    """«нет» to the options just offered: no question the bot missed (no step to a person)."""
    return bool(turn.offered) and declines(turn.event.text)


def _second(turn: Turn) -> bool:
    """Is the offer answered utter_clarify_none's own (its operator button alone, no entry)?"""
    return not any(payload.startswith("faq:") for _, payload in turn.offered)


def _read_as_deny(turn: Turn) -> bool:
    p = turn.prediction
    return p is not None and p.decision is Decision.ANSWER and p.intent == "deny"


async def _declined(turn: Turn) -> None:
    from bot.dialogue import operator_button

    conv = turn.conversation
    if _second(turn):
        conv.unknown_streak += 1  # still nothing the bot can answer
        if conv.unknown_streak >= turn.config.handoff.not_understood_limit:
            await escalate(turn, Reason.NOT_UNDERSTOOD, DETAIL)
            return
    message = turn.domain.render(CLARIFY_NONE, turn.channel)
    if not message.buttons:
        message = type(message)(text=message.text, buttons=(operator_button(),))
    turn.say(message, {"response": CLARIFY_NONE})
    # «1» picks the operator, «нет» again is a second «нет» (bot/choice.py keeps the offer)
    choice.offer(conv, [(b.title, b.payload or "") for b in message.buttons], turn.now)
