"""Whether the words typed after «Подскажите, что пошло не так?» answer it or ask something new.

After a low rating the bot waits for one message as the rating's comment
(:func:`bot.rating.comment`). Russian messenger users rarely end a question with «?», so «как
вернуть товар» must not be thanked for as a comment. :func:`asks_for_something_else` decides,
in this order:

1. A call for a person («позовите оператора», «оператор!!!»), a command («/start») or nothing
   at all — a new request.
2. Words about how the rated conversation went — the team's answering, waiting, (not) helping,
   solving or explaining, manners («оператор долго отвечал и ничего не решил», «грубо
   ответили») — the comment, **even when put as a question**: «почему так долго отвечали?» is a
   complaint about that conversation, which no answer of the bot's resolves.
3. The NLU's confident reading of a knowledge-base question or a flow's intent (the reading and
   thresholds the dialogue answers by: ``Decision.ANSWER``, not a complaint intent; for the
   whole message or one of its questions) — a new request.
4. A message that opens with a question word («как», «где», «сколько», «когда», «можно ли»,
   «почему», «что делать»…: :func:`nlu.question_words.opens_as_request`, the code base's one
   list of question words; «можно было ответить быстрее» is a reproach) or ends in «?» — a new
   request.
5. Anything else — the comment.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from flows.models import Flow
from handoff.escalation import PERSON
from knowledge_base.models import KnowledgeBase
from nlu.api import Decision, Prediction
from nlu.question_words import COURTESY, LEAD_WORDS, opens_as_request

_CALLS_FOR_PERSON = re.compile(
    # A request right before a person: «позовите оператора», «соедините, пожалуйста, со
    # специалистом», «хочу поговорить с живым человеком», «нужен менеджер» — but not «хочу
    # сказать, что оператор был груб»; and a person's title alone («оператор!!!»).
    r"\b(?:позов\w*|позвать|соедин\w*|переключ\w*|перевед\w*|дайте|нужен|нужна|хочу)"
    r"(?:[\s,]+(?:мне|меня|пожалуйста|поговорить|связаться|пообщаться|с|со|на|к|жив\w*))*"
    rf"[\s,]+{PERSON}"
    rf"|^\W*(?:жив\w*\s+)?{PERSON}\W*$",
    re.IGNORECASE,
)

_ABOUT_THE_CONVERSATION = re.compile(
    # Manners: «грубо ответили», «курьер нагрубил», «хамство», «специалист был невежлив».
    r"\b(?:на)?груб\w*|\b(?:на)?хам\w*|\bневежлив\w*|\b(?:про)?игнор\w*|\bотписк\w*|\bшаблон\w*"
    # Answering and waiting, in the past: «долго отвечали», «не ответил», «прождал час».
    r"|\b(?:отвечал|ответил|молчал|(?:про)?ждал|дождал\w*)(?:а|и|ся|ась|ись)?\b"
    # Not helped, solved or explained: «никто не помог», «ничего не решили», «не объяснили».
    r"|\bне\s+(?:\w+\s+)?(?:помог(?:ла|ли)?|помогал[аи]?|решил[аи]?|решали|решен\w*|решён\w*"
    r"|объяснил[аи]?|объясняли|разобрал\w*)\b",
    re.IGNORECASE,
)
_REPROACH = re.compile(
    r"^\W*(?:(?:" + "|".join(LEAD_WORDS + COURTESY) + r")[\s,!.]+)*можно\s+было\b"
)
"""«можно было ответить быстрее»: a reproach, though «можно» opens a question."""


def understood_request(
    prediction: Prediction | None,
    kb: KnowledgeBase,
    flows: Mapping[str, Flow],
    complaints: Collection[str],
) -> bool:
    """Whether the NLU confidently read the message (or one of its questions) as a
    knowledge-base question or a flow's intent: what the dialogue would answer or start a flow
    on (``Decision.ANSWER``, the model's thresholds; a complaint intent is no question)."""
    if prediction is None:
        return False
    for reading in (prediction, *prediction.parts):
        intent = reading.intent
        if reading.decision is not Decision.ANSWER or intent is None or intent in complaints:
            continue
        if intent in kb or any(intent in flow.intents for flow in flows.values()):
            return True
    return False


def asks_for_something_else(text: str, *, understood: bool = False) -> bool:
    """Whether a message typed after «что пошло не так?» is no answer to it but a new request
    (the rules in this module's docstring); ``understood``: :func:`understood_request` of its
    NLU reading."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or _CALLS_FOR_PERSON.search(stripped):
        return True
    if _ABOUT_THE_CONVERSATION.search(stripped):
        return False  # «почему так долго отвечали?»: the comment, not a question to answer
    if understood or stripped.endswith("?"):
        return True
    # «можно было ответить быстрее»: how it should have gone, though «можно» opens a question
    return opens_as_request(stripped) and _REPROACH.match(stripped.lower()) is None
