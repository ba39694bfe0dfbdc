"""Multi-step dialogues as editors write them: ``data/flows/*.yml``.

A flow starts when the NLU recognises one of its trigger intents (or a button payload
``flow:<id>``, or a message matching its ``start_pattern``), then walks its steps in order:
``ask`` collects a slot (from an entity the NLU found, a button, or the whole message), ``say``
answers with the slots filled in, ``answer`` shows a knowledge-base entry, ``handoff`` passes
the conversation to a person together with everything collected.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge_base.models import ENTRY_ID

ENTITY_TYPES = ("order_number", "phone", "email", "date", "amount", "url")

# A ``when:`` value that compares a number: «>45», «>=46», «<10», «<=45».
_COMPARISON = re.compile(r"(?P<op>[<>]=?)\s*(?P<number>-?\d+(?:[.,]\d+)?)")
_OPERATORS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def holds(value: str | None, condition: str) -> bool:
    """Whether a slot's value meets a ``when:`` condition: the value itself («no»), or a
    comparison with a number («>45»: a repair of «50» days); an absent or non-numeric value
    meets no comparison."""
    compared = _COMPARISON.fullmatch(condition.strip())
    if compared is None:
        return value == condition
    if value is None:
        return False
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return False
    limit = float(compared["number"].replace(",", "."))
    return bool(_OPERATORS[compared["op"]](number, limit))


class FlowButton(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=64)
    value: str | None = None  # the slot value when pressed (default: the title)

    @property
    def slot_value(self) -> str:
        """What pressing it stores in the step's slot."""
        return self.value or self.title


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(
                f"шаблон не является корректным регулярным выражением: {exc}"
            ) from None
    return value


class WithoutValue(BaseModel):
    """A customer who has not got the step's value (no order number): what they may give
    instead and the phrases (``domain.yml``) said before a person takes over."""

    model_config = ConfigDict(extra="forbid")

    words: str  # a regular expression: «нет номера», «не помню», «потерял»
    entity: Literal["order_number", "phone", "email", "date", "amount", "url"] | None = None
    slot: str | None = None  # where the entity is kept (default: the entity's name)
    label: str | None = None  # how operators see it («Телефон»)
    handoff: str  # the response said when the entity was given («Найдём заказ по телефону…»)
    handoff_without: str | None = None  # … when only the words were (default: ``handoff``)
    team: str | None = None

    @field_validator("words")
    @classmethod
    def _compiles(cls, value: str) -> str:
        _check_regex(value)
        return value

    @property
    def slot_name(self) -> str | None:
        return self.slot or self.entity


_KINDS = ("ask", "note", "say", "answer", "handoff")


class Step(BaseModel):
    """One step. Exactly one of ``ask``, ``note``, ``say``, ``answer``, ``handoff`` says what it
    does. A ``note`` is never asked: the slot it names is taken (its ``pattern``'s first group,
    or the whole match) from what the customer writes while the flow runs — the message that
    started it and every answer («ремонт уже 50 дней» gives ``50``); with ``unit: days`` it is
    a duration counted in days («2 месяца» gives ``60``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    ask: str | None = None
    slot: str | None = None
    label: str | None = None  # how operators see the slot («Номер заказа»); default: the question
    entity: Literal["order_number", "phone", "email", "date", "amount", "url"] | None = None
    pattern: str | None = None  # a regular expression the answer must match
    # how a value the pattern found is kept and shown: ``{digits}`` are its digits
    # («с778812», «квитанция 778812» as «С-778812» with ``"С-{digits}"``)
    format: str | None = None
    buttons: list[FlowButton] = Field(default_factory=list)
    retry: str | None = None  # what to say when the answer does not fit
    # what to say when the answer has a value ``pattern`` does not accept («заказ №123456789»
    # at «8 цифр»); ``{value}`` is that value as typed. Without it: ``retry``.
    invalid: str | None = None
    # a customer without the value: a phone instead, or «не помню» — handed over (docs/flows.md)
    without: WithoutValue | None = None
    retries: int = Field(default=2, ge=0, le=5)
    on_fail: Literal["handoff", "skip"] = "handoff"
    note: str | None = None  # a slot taken from the customer's messages, never asked
    # a ``note`` of a duration, kept in days: «2 месяца», «3 недели», «50 дней» (flows/durations.py)
    unit: Literal["days"] | None = None
    say: str | None = None
    answer: str | None = None  # a knowledge-base entry id
    handoff: str | None = None  # what to tell the customer before passing on ("" = default)
    team: str | None = None
    when: dict[str, str] = Field(default_factory=dict)  # run only if these slots have these values

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _check_regex(value)

    @field_validator("format")
    @classmethod
    def _format_digits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            names = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"'format' не разобрать: {exc}") from None
        if names != {"digits"}:
            raise ValueError(
                "в 'format' подставляется только {digits} — цифры найденного значения, "
                'например "С-{digits}"'
            )
        return value

    @field_validator("when")
    @classmethod
    def _comparisons(cls, value: dict[str, str]) -> dict[str, str]:
        for slot, condition in value.items():
            text = condition.strip()
            if text[:1] in ("<", ">") and _COMPARISON.fullmatch(text) is None:
                raise ValueError(
                    f"условие when: {slot}: {condition!r} — после «<» или «>» нужно число, "
                    'например ">45"'
                )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "у шага должно быть ровно одно из 'ask', 'note', 'say', 'answer', 'handoff'"
            )
        if self.ask is not None and not self.slot:
            raise ValueError("шагу 'ask' нужен 'slot', куда сохранить ответ")
        if self.note is not None and not self.pattern and self.unit is None:
            raise ValueError(
                "шагу 'note' нужен 'pattern' (по нему значение ищется в сообщениях) "
                "или 'unit: days' (срок в днях)"
            )
        if self.unit is not None and (self.note is None or self.pattern):
            raise ValueError("'unit' бывает только у шага 'note' и без 'pattern'")
        if self.without is not None and self.ask is None:
            raise ValueError("'without' бывает только у шага 'ask'")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in _KINDS if getattr(self, k) is not None)

    @property
    def collects(self) -> str | None:
        """The slot this step fills: an ``ask``'s ``slot`` or a ``note``'s."""
        return self.slot or self.note

    def applies(self, slots: dict[str, str]) -> bool:
        """Whether the step's ``when:`` conditions hold for what the flow collected."""
        return all(holds(slots.get(name), condition) for name, condition in self.when.items())


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = Field(min_length=1, max_length=80)
    intents: list[str] = Field(default_factory=list)  # NLU intents that start the flow
    # A message that is nothing but this (a regular expression matched against the whole
    # trimmed text, e.g. a bare order number) starts the flow too, when the NLU did not
    # recognise anything; the first step then takes its answer from that message.
    start_pattern: str | None = None
    # While the flow runs, a message this regular expression finds (case aside) asks the flow's
    # own question again — «где он», «где мой ноутбук» in «Статус ремонта» — and is not read
    # as another flow's or an FAQ's: the flow plays again with what it collected.
    asked_again: str | None = None
    steps: list[Step] = Field(min_length=1)

    @field_validator("start_pattern", "asked_again")
    @classmethod
    def _start_compiles(cls, value: str | None) -> str | None:
        return _check_regex(value)

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not ENTRY_ID.match(value):
            raise ValueError("id — латиница в snake_case")
        return value

    @model_validator(mode="after")
    def _unique_steps(self) -> Flow:
        ids = [s.id for s in self.steps]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"повторяются id шагов: {', '.join(duplicates)}")
        return self


class FlowsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    flows: list[Flow] = Field(default_factory=list)
