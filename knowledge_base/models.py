"""The knowledge base's typed model: FAQ entries as editors write them in YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.events import Button, ButtonStyle, Outbound

ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class EntryButton(BaseModel):
    """A link (``url``) or a follow-up question (``entry``: another entry's id)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=64)
    url: str | None = None
    entry: str | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> EntryButton:
        if (self.url is None) == (self.entry is None):
            raise ValueError("у кнопки должно быть ровно одно из 'url' или 'entry'")
        if self.url is not None and not re.match(r"^(https?://|tel:|mailto:)", self.url):
            raise ValueError("url должен начинаться с https://, http://, tel: или mailto:")
        return self


class FAQEntry(BaseModel):
    """One question customers ask, how they ask it, and the concrete answer."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = Field(min_length=1, max_length=80)
    category: str = ""
    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    answers: dict[str, str] = Field(default_factory=dict)  # per-channel variants
    buttons: list[EntryButton] = Field(default_factory=list, max_length=6)
    human_only: bool = False
    team: str | None = None
    tags: list[str] = Field(default_factory=list)
    asks_order_number: bool = False
    """The answer asks the customer for the order number («пришлите номер заказа — запросим
    RRN»): a number sent right after it is for this topic, and a person of ``team`` takes it
    with the number (bot/order_topic.py), instead of the «Где мой заказ» flow."""

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not ENTRY_ID.match(value):
            raise ValueError("id — латиница в snake_case: строчные буквы, цифры и '_'")
        return value

    @field_validator("questions")
    @classmethod
    def _questions_not_blank(cls, value: list[str]) -> list[str]:
        cleaned = [q.strip() for q in value]
        if any(not q for q in cleaned):
            raise ValueError("вопросы не могут быть пустыми")
        return cleaned

    @model_validator(mode="after")
    def _order_number_for_a_bot_answer(self) -> FAQEntry:
        if self.asks_order_number and self.human_only:
            raise ValueError(
                "asks_order_number не нужен при human_only: true — такой ответ и так передаёт "
                "клиента сотруднику"
            )
        return self

    def render(self, channel: str | None = None) -> Outbound:
        """The answer as a message for ``channel`` (a channel variant wins if present)."""
        text = (self.answers.get(channel or "") or self.answer).strip()
        buttons = tuple(
            Button(title=b.title, payload=f"faq:{b.entry}" if b.entry else "", url=b.url)
            for b in self.buttons
        )
        return Outbound(text=text, buttons=buttons, style=ButtonStyle.INLINE)


class KBFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    entries: list[FAQEntry] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SourceRef:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(slots=True)
class KnowledgeBase:
    """All entries by id, with where each came from."""

    entries: dict[str, FAQEntry] = field(default_factory=dict)
    sources: dict[str, SourceRef] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def get(self, entry_id: str) -> FAQEntry | None:
        return self.entries.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries
