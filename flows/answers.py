"""What a customer's typed words mean inside a flow: yes, no, not sure, or «leave the flow».

Customers answer a yes/no question the way they talk: «нее», «нит», «не-а», «нееет», «неа»
are «нет»; «ага», «угу», «дааа», «ну да», «всё понятно» are «да». Repeated letters are
squeezed («нееет» → «нет») and «не-а» is one word. A reading that says both («да нет», «да,
но…») or neither («не знаю», «наверное») is :data:`UNCLEAR`: the question is asked again,
never guessed. Only the words at the start count («нет, заказ задерживается уже неделю»).

«передумал», «уже не нужно», «не надо», «ладно, не важно», «стоп, не надо» leave the flow as
«отмена» does (:func:`is_cancel`): the whole message must say only that, so «не надо мне
ссылку, позовите оператора» is no cancel.
"""

from __future__ import annotations

import re
from enum import Enum


class YesNo(Enum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


UNCLEAR = YesNo.UNCLEAR


def _squeeze(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def words(text: str) -> list[str]:
    """Lower-case words with ё as е, «не-а» as «неа» and repeated letters squeezed."""
    text = text.lower().replace("ё", "е")
    text = re.sub(r"\b(н[еиэ])-([аеэ])\b", r"\1\2", text)  # «не-а», «не-е», «ни-а»
    return [_squeeze(w) for w in re.findall(r"[а-яa-z]+", text)]


_YES = frozenset(
    words(
        "да дада дя ага угу угум ок окей окай оки ok okay okey конечно конешно канешно конеш "
        "кнчн разумеется точно верно ясно ясненько понятно понял поняла хорошо отлично супер "
        "норм нормально ладно лады yes yep yeah ес йес"
    )
)
# «нет» and how it is typed fast or by ear: «не», «неа», «нее», «нит», «ниа», «нэт», «неть».
_NO_FORM = re.compile(r"н[еиэ][та]?ь?")
_NO = frozenset({"нету", "нетушки", "ноу", "no", "nope", "ни"})
# Words that may stand before the answer without changing it: «ну да», «ой, нет», «и да и нет».
_FILLERS = frozenset({"ну", "а", "ой", "ах", "эх", "эм", "хм", "так", "вот", "все", "и"})
# «да, но…», «понятно, только заказа нет»: yes with a but is no clear yes.
_BUT = frozenset({"но", "однако", "хотя", "только"})
# «не знаю», «наверное», «может быть», «хз»: neither yes nor no.
_HEDGES = frozenset(
    {"знаю", "уверен", "уверена", "помню", "наверное", "наверно", "может", "возможно"}
    | {"вроде", "хз", "незнаю", "сложно", "трудно", "кажется"}
)


def polarity(word: str) -> YesNo | None:
    """«yes» / «no» for one squeezed word, else None."""
    if word in _YES:
        return YesNo.YES
    if word in _NO or _NO_FORM.fullmatch(word):
        return YesNo.NO
    return None


def read_yes_no(text: str) -> YesNo | None:
    """The yes/no the message starts with; :data:`UNCLEAR` for a mixed or hedged one; None
    when it does not start with either (then it may be another kind of message)."""
    said = words(text)
    if any(w in _HEDGES for w in said[:3]):
        return YesNo.UNCLEAR
    lead: list[YesNo] = []
    rest: list[str] = []
    for index, word in enumerate(said):
        if word in _FILLERS:
            continue
        found = polarity(word)
        if found is None:
            rest = said[index:]
            break
        lead.append(found)
    if not lead:
        return None
    if len(set(lead)) > 1:  # «да нет», «нет, да»
        return YesNo.UNCLEAR
    if lead[0] is YesNo.YES and rest and rest[0] in _BUT:
        return YesNo.UNCLEAR
    return lead[0]


def has_word_of(text: str, meaning: YesNo) -> bool:
    """Whether any word of ``text`` means ``meaning`` («понятно, но всё равно нет» has a no)."""
    return any(polarity(w) is meaning for w in words(text))


_CANCEL = re.compile(
    r"(?:отмена|отменяю|стоп|хватит|выход|выйти|"
    r"передумала?|передумали|проехали|забей|забейте|неважно|неактуально|"
    r"вопрос\s+снят|"
    r"(?:(?:уже|больше|мне|пока|теперь)\s+)*(?:ничего\s+)?"
    r"не\s+(?:нужно|надо|нужен|нужна|важно|актуально))"
)
_CANCELS = re.compile(rf"{_CANCEL.pattern}(?:\s+{_CANCEL.pattern})*")  # «стоп, не надо»
_CANCEL_FILLERS = frozenset(
    {"ой", "ладно", "все", "ну", "а", "и", "спасибо", "спс", "пожалуйста", "извините"}
    | {"тогда", "я", "так", "уже", "всего", "хорошо", "окей", "ок"}
)


# Alone only: «отменить пожалуйста» in «Где мой заказ» may be about cancelling the order.
_CANCEL_ALONE = frozenset({"отменить", "отмените", "отмени"})


def is_cancel(text: str, *, no_too: bool = False) -> bool:
    """Whether the whole message only says «leave it»: «отмена», «передумал, не надо».

    ``no_too``: «нет, не надо» cancels too (a question that is no yes/no one; at a yes/no
    question «нет» is the answer)."""
    said = words(text)
    if len(said) == 1 and said[0] in _CANCEL_ALONE:
        return True
    said = [w for w in said if w not in _CANCEL_FILLERS]
    if no_too:
        said = [w for w in said if polarity(w) is not YesNo.NO or w == "не"]
    return bool(said) and _CANCELS.fullmatch(" ".join(said)) is not None
