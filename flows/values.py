"""What a customer's message gives a flow's ``ask`` step: a value of its ``entity`` or
``pattern``, held to the format the content declares (docs/flows.md).

The ``pattern`` is the content's rule for a good value («8 цифр» for Вольт's order number), so
an entity the NLU found is taken only when the pattern accepts it whole: «заказ №123456789»
has an order number, but not one the step asks for. Such a value is :func:`rejected`, and the
step's ``invalid`` text says what was wrong with it instead of «Не вижу номера заказа».

The pattern searched in a sentence skips what the NLU read as something else — a phone, a
sum, a date — so «оплатил 12345678 руб» gives no order number. A number typed in groups
(«1234 5678», «1234-5678») is kept as its digits.

A flow that starts without the value takes the one the conversation already knows
(:func:`remembered`): «12345678», then «а он где сейчас?» is not asked for the number again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.dialogue import Turn
from bot.events import InboundKind
from bot.handover import known_order
from flows.durations import days_in
from flows.models import Step, WithoutValue
from nlu.api import Entity, Prediction

__all__ = [
    "every_value",
    "from_entity",
    "from_pattern",
    "normalized",
    "noted",
    "rejected",
    "rejected_in",
    "remembered",
    "without_value",
]

_GROUPED = re.compile(r"\d+(?:[\s-]+\d+)*")
# Something the customer may have meant as the value: five or more digits, maybe grouped —
# not a part of a card's mask («4276 3800 **** 1234»).
_NUMBER_LIKE = re.compile(r"(?<![\w+*])(?<!\*\s)\d(?:[\s-]?\d){4,}(?![\w*]|[\s-]+\*)")


def normalized(value: str) -> str:
    """«1234 5678» and «1234-5678» as «12345678»; anything else as it is."""
    return re.sub(r"[\s-]+", "", value) if _GROUPED.fullmatch(value) else value


def _kept(step: Step, value: str) -> str:
    """The value as the step keeps it: :func:`normalized`, in the step's ``format`` if it has
    one («с778812» as «С-778812» with ``"С-{digits}"``)."""
    if step.format is None:
        return normalized(value)
    return step.format.format(digits="".join(re.findall(r"\d", value)))


def _fits(step: Step, value: str) -> bool:
    return step.pattern is None or re.fullmatch(step.pattern, value) is not None


def _entities(step: Step, prediction: Prediction | None) -> Iterator[Entity]:
    if step.entity is None or prediction is None:
        return
    yield from (e for e in prediction.entities if e.type == step.entity)


def from_entity(step: Step, prediction: Prediction | None) -> str | None:
    """The first entity of the step's type that its ``pattern`` accepts whole."""
    return next(
        (_kept(step, e.value) for e in _entities(step, prediction) if _fits(step, e.value)), None
    )


def _others(step: Step, prediction: Prediction | None) -> list[Entity]:
    """What the NLU read as something else than the step's value (a phone, a sum, a date)."""
    if prediction is None:
        return []
    return [e for e in prediction.entities if e.type != step.entity]


def _overlaps(start: int, end: int, entities: list[Entity]) -> bool:
    return any(start < e.end and e.start < end for e in entities)


def from_pattern(step: Step, text: str, prediction: Prediction | None) -> str | None:
    """The first match of the step's ``pattern`` in ``text`` that is not part of another
    entity."""
    if step.pattern is None:
        return None
    others = _others(step, prediction)
    for match in re.finditer(step.pattern, text):
        if match.group(0) and not _overlaps(match.start(), match.end(), others):
            return _kept(step, match.group(0))
    return None


def every_value(step: Step, text: str, prediction: Prediction | None) -> list[str]:
    """Every value the message gives the step, in the customer's order, each once: «у меня два
    заказа 12345678 и 87654321» gives both (:func:`from_entity` and :func:`from_pattern` take
    the first)."""
    found = [
        (e.start, _kept(step, e.value)) for e in _entities(step, prediction) if _fits(step, e.value)
    ]
    if step.pattern is not None:
        others = _others(step, prediction)
        found += [
            (m.start(), _kept(step, m.group(0)))
            for m in re.finditer(step.pattern, text)
            if m.group(0) and not _overlaps(m.start(), m.end(), others)
        ]
    return list(dict.fromkeys(value for _, value in sorted(found)))


def rejected(step: Step, text: str, prediction: Prediction | None) -> str | None:
    """A value the customer gave that the step's ``pattern`` does not accept («заказ
    №123456789», a bare «1234567»), as they typed it; ``None`` when there is none."""
    if step.pattern is None:
        return None
    for entity in _entities(step, prediction):
        if not _fits(step, entity.value):
            return entity.text.strip() or entity.value
    others = [*_others(step, prediction), *_entities(step, prediction)]
    for match in _NUMBER_LIKE.finditer(text):
        if _overlaps(match.start(), match.end(), others):
            continue
        if from_pattern(step, match.group(0), None) is None:  # not a good value typed so
            return match.group(0)
    return None


def rejected_in(turn: Turn, step: Step) -> str | None:
    """The value in the customer's text that the step's pattern does not accept, if any."""
    if turn.event.kind is not InboundKind.TEXT or step.ask is None:
        return None
    return rejected(step, turn.event.text, turn.prediction)


async def remembered(turn: Turn, step: Step) -> str | None:
    """What this conversation already knows for the step's slot: what a flow collected under
    the same name, or (an order number) what the customer wrote before. The step's pattern
    must accept it: a value it would not take as an answer is no answer either."""
    flow_data = (turn.conversation.context or {}).get("flow_data")
    slots = flow_data.get("slots") if isinstance(flow_data, dict) else None
    value = slots.get(step.slot) if isinstance(slots, dict) and step.slot else None
    if not value and step.entity == "order_number":
        value = await known_order(turn)
    if not value:
        return None
    value = _kept(step, str(value))
    return value if step.pattern is None or from_pattern(step, value, None) == value else None


def noted(step: Step, text: str) -> str | None:
    """What a ``note`` step takes from a message: its pattern's first group, or the whole
    match («ремонт уже 50 дней» gives ``50``); ``None`` when the pattern is not there. With
    ``unit: days``, the duration the message gives in days («2 месяца» gives ``60``,
    :func:`flows.durations.days_in`)."""
    if step.note is not None and step.unit == "days":
        days = days_in(text)
        return None if days is None else str(days)
    if step.note is None or step.pattern is None:
        return None
    match = re.search(step.pattern, text)
    if match is None:
        return None
    return (match.group(1) if match.re.groups else match.group(0)).strip() or None


def without_value(without: WithoutValue, text: str, prediction: Prediction | None) -> str | None:
    """What a customer without the step's value gives instead: the entity's value («+7 916
    123-45-67» as 79161234567), ``""`` when only the words say they have none («не помню
    номер»), ``None`` when the message says neither."""
    if without.entity is not None and prediction is not None:
        found = next((e.value for e in prediction.entities if e.type == without.entity), None)
        if found:
            return found
    return "" if re.search(without.words, text, re.IGNORECASE) else None
