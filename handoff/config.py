"""The ``handoff:`` section of config.yml: when the bot passes a conversation to a person."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

_LABEL_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _label_id(label: str) -> str:
    if not _LABEL_ID.match(label):
        raise ValueError("id метки — латиница в snake_case до 32 знаков (return, defect)")
    return label


def _label_title(title: Any) -> Any:
    if title is None or (isinstance(title, str) and not title.strip()):
        raise ValueError("нужно название метки, например «Возврат и обмен»")
    return title


# Each label is checked on its own, so an editor's mistake points at its own line.
LabelId = Annotated[str, AfterValidator(_label_id)]
LabelTitle = Annotated[str, BeforeValidator(_label_title)]
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*$")


class DayHours(BaseModel):
    """One day's opening hours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> DayHours:
        if self.start >= self.end:
            raise ValueError("время начала должно быть раньше времени окончания")
        return self


def _day_hours(value: Any) -> Any:
    """``closed`` → None, ``"09:00-18:00"`` → start and end; anything else is left to fail."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
        return None
    if isinstance(value, str):
        found = _SPAN.match(value)
        if found is None:
            raise ValueError(f'ожидается closed или часы вида "09:00-18:00", а не «{value}»')
        h1, m1, h2, m2 = (int(x) for x in found.groups())
        try:
            return {"start": time(h1, m1), "end": time(h2, m2)}
        except ValueError:
            raise ValueError(f"такого времени нет: «{value}»") from None
    return value


class WorkingHours(BaseModel):
    """When operators are at work (local time of ``timezone``).

    ``special_days`` are the dates that differ from the week — holidays, shortened days, a
    working Saturday: ``2027-01-01: closed``, ``2026-12-31: "09:00-18:00"``. The out-of-hours
    message and «ответим завтра в 9:00» follow them."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Moscow"
    start: time = time(9, 0)
    end: time = time(21, 0)
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])  # Monday = 0
    always_open: bool = False
    special_days: dict[date, Annotated[DayHours | None, BeforeValidator(_day_hours)]] = Field(
        default_factory=dict
    )

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """The opening hours on the local date ``day``; None when closed all day."""
        if day in self.special_days:
            special = self.special_days[day]
            return None if special is None else (special.start, special.end)
        if day.weekday() not in self.days:
            return None
        return self.start, self.end


class HandoffConfig(BaseModel):
    """Escalation triggers, routing and service levels."""

    model_config = ConfigDict(extra="forbid")

    # Triggers: each one is recorded as the escalation reason.
    request_intents: list[str] = Field(default_factory=lambda: ["handoff_request"])
    request_phrases: list[str] = Field(
        default_factory=lambda: [
            "оператор",
            "живой человек",
            "позовите человека",
            "позовите специалиста",
            "соедините с человеком",
            "с человеком",
            "менеджер",
            "специалист",
        ]
    )
    not_understood_limit: int = Field(default=2, ge=1, description="misses in a row → handoff")
    complaint_intents: list[str] = Field(default_factory=lambda: ["complaint"])
    escalate_on_profanity: bool = True
    escalate_on_complaint: bool = True
    # A complaint hands over only when the NLU is this sure: hesitation («ыыы ну это как его»)
    # read as a complaint at 0.5–0.7 gets «не понял» (and shows in «Бот не понял») instead of
    # an apology and a senior specialist; real complaints read at 0.8–1.0.
    complaint_min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    # … and this sure of a complaint only remarked on beside questions the bot answers (a clause
    # or a question of a message that handoff/escalation.py answered_first answers): read alone,
    # «я ничего не делал», «я ничего не понимаю» are complaints at 0.65–0.81, «это вообще
    # нормально», «сколько можно ждать», «вы издеваетесь» at 0.97–1.0 (docs/handoff.md).
    complaint_remark_min_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    default_team: str = "support"
    complaint_team: str | None = None
    # What operators read instead of a team's id: {support: Поддержка, billing: Оплата}.
    team_titles: dict[str, str] = Field(default_factory=dict)
    # Labels operators put on a conversation (what it was about): {return: Возврат, …};
    # counted in the statistics (handoff/labels.py). Empty: no labels.
    labels: dict[LabelId, LabelTitle] = Field(default_factory=dict, max_length=30)
    # Service levels and expectations told to the customer.
    sla_first_response_seconds: int = 60
    # The first-response figures count only working hours (a question asked at night and
    # answered at 9:00:40 waited 40 s); false: wall-clock time, for a team that never closes
    # its chat but keeps hours for the out-of-hours message.
    sla_in_working_hours: bool = True
    default_handling_minutes: float = Field(default=3.0, gt=0)
    auto_assign: bool = True
    # A customer still in the queue this many minutes after the wait they were told, with
    # nobody having answered, is told so with a fresh estimate (handoff/waiting.py) — at most
    # ``wait_updates`` times per handoff; 0 = never.
    wait_update_after_minutes: float = Field(default=2.0, ge=0)
    wait_updates: int = Field(default=2, ge=0)
    # A conversation an operator passed to a team goes to a colleague there; if none has taken
    # it this many minutes later, the operator who passed it may get it back (handoff/transfers.py).
    transfer_return_minutes: float = Field(default=5.0, ge=0)
    # An online operator whose last console window closed (and did not come back within this
    # many seconds) is marked away, so conversations stop going to an empty chair.
    presence_grace_seconds: float = Field(default=60.0, ge=0)
    # A conversation an operator holds, where the operator answered last and the customer has
    # said nothing since for this many minutes, is closed for them: the customer is told
    # (utter_closed_silent) and asked for a rating, and the operator's slot frees up. 0 = never.
    close_after_silence_minutes: int = Field(default=60, ge=0)
    # A rating of 3 or less is answered with «Что пошло не так?» and four reason buttons
    # (bot/rating.py); the statistics count the reasons.
    ask_low_rating_reason: bool = True
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    # The knowledge-base entry with the team's phone and e-mail (its tel:/mailto: buttons): a
    # customer asking «сколько ждать?» while nobody of the team is online is told them and
    # today's hours (bot/contacts.py). None: only that a colleague answers once back.
    contacts_entry: str | None = None
