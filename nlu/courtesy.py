"""Courtesy around a question: «Здравствуйте! Подскажите, пожалуйста, …», «…, заранее спасибо».

Customers wrap their questions in greetings and polite requests; the classifier should weigh the
question, not the wrapping. These words are not evidence for any knowledge-base entry, but in a
short message they are a large share of its features, and they pull the reading toward whichever
entries' examples happen to contain them: on the demo held-out set, «подскажите пожалуйста » in
front of every question took answered-correct from 0.894 to 0.825 (docs/nlu.md,
``python -m bench.customer_styles``).

:func:`strip_courtesy` removes such phrases from the start of a message (repeatedly: «Добрый
день! Подскажите, пожалуйста, …»; also whom it addresses: «Уважаемая поддержка, …», which
pulled almost every message to the support's contacts), «заранее спасибо» / «пожалуйста» from
its end, and a
«, пожалуйста,» inside it. A message that would keep fewer than two words is returned as it was:
«привет», «здравствуйте, оператор» and «спасибо, всё понятно» are what they say. It runs on the
training examples and on each message (``NLUConfig.strip_courtesy``), so both sides are read alike.
"""

from __future__ import annotations

import re

_SEP = r"[\s,.!:;—–-]*"
_GREETING = (
    r"здравствуйте|здраствуйте|здравствуй|здрасте|здрасьте|здрасти|добрый\s+(?:день|вечер|утро)"
    r"|доброе\s+утро|доброй\s+ночи|доброго\s+(?:дня|времени\s+суток|времени)|приветствую"
    r"|привет|хай|алло|дд|hello|hi"
)
_REQUEST = (
    r"подскажите|подскажи|не\s+подскажете|можете\s+подсказать|скажите|скажи|извините|простите"
    r"|будьте\s+добры|пожалуйста|пожалуйсто|пжлст|пжлста|пжл|плиз|плз|please"
    r"|(?:у\s+меня\s+)?(?:есть\s+)?(?:такой\s+|один\s+|небольшой\s+)?вопрос"
    r"|хочу\s+(?:узнать|спросить)|хотел(?:а)?\s+(?:бы\s+)?(?:узнать|спросить)"
    r"|хотелось\s+бы\s+узнать"
)
# Whom the message addresses, only before a comma or «!»: «Уважаемая поддержка, …», «Девушка, …»
# («поддержка работает в выходные?» is a question about the support).
_ADDRESS = (
    r"(?:(?:уважаем\w*|дорог\w*)\s+)?(?:служба\s+поддержки|поддержка|техподдержка|девушка"
    r"|молодой\s+человек|менеджер|коллеги|друзья)\s*[,!]|уважаем\w*\s*[,!]"
    r"|(?:извините|простите)\s+за\s+беспокойство"
)
_HEAD = re.compile(
    rf"^{_SEP}(?:(?:{_ADDRESS})|(?:{_GREETING}|{_REQUEST})(?=[\s,.!?:;—–-]|$)){_SEP}",
    re.IGNORECASE,
)
# «извините, а у вас есть самовывоз»: the «а» only joined the question to the apology.
_PARTICLE = re.compile(r"^[\s,]*(?:а|ну)\s+", re.IGNORECASE)
_TAIL = re.compile(
    rf"{_SEP}(?:заранее\s+спасибо|спасибо\s+заранее|заранее\s+благодарю|пожалуйста|пожалуйсто"
    r"|пжлст|пжлста|пжл|плиз|плз|please)[\s!.)]*$",
    re.IGNORECASE,
)
_INSIDE = re.compile(r",\s*пожалуйста\s*,", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+|\d+")
MIN_WORDS = 2


def strip_courtesy(text: str) -> str:
    """``text`` without the greetings and polite requests around its question (see above)."""
    out = text
    for _ in range(8):  # a bound, not a limit anyone reaches: each pass removes a phrase
        head = _HEAD.sub("", out, count=1)
        if head != out:
            head = _PARTICLE.sub("", head)
        new = _INSIDE.sub(",", _TAIL.sub("", head, count=1))
        if new == out:
            break
        out = new
    if out == text or len(_WORD.findall(out)) < MIN_WORDS:
        return text
    return out.strip()
