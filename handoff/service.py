"""What operators do to conversations: take, reply, note, transfer, close, return to the bot.

Every owner change goes through :func:`bot.storage.repo.move` or :func:`handoff.routing.take`
(so it is checked against the state machine and audited), happens in one transaction with the
messages it causes, and is announced on the bus *after* commit so that live consoles never
show a state that was rolled back. Anything that frees an operator slot or adds to the queue
ends with :meth:`HandoffService.assign_waiting`, so nobody waits while a colleague is free.
Passing on lives in :mod:`handoff.transfers`, presence (going away, coming online) in
:mod:`handoff.presence`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import files
from bot.bus import Bus, BusEvent
from bot.config import Domain
from bot.engine import Brain
from bot.events import Outbound
from bot.ownership import Owner
from bot.storage import handoffs, outgoing, repo
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, Operator, utcnow
from handoff import closing, routing, waiting
from handoff.closing import close_and_ask, remember_operator
from handoff.config import HandoffConfig
from handoff.errors import Conflict, HandoffError, NotFound

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from handoff.transfers import TransferResult

CONSOLE_ROLES = ("admin", "operator")
MAX_TEXT = 20_000  # channels split long texts (Telegram 4096, Viber 7000)
PASSED_ON_BY = routing.PASSED_ON_BY  # context key: the operator who passed it to a team
UNANNOUNCED = "taken_unannounced"
"""Context key: taken by hand while «Не на месте» or «Не в сети», the customer not told yet."""


@dataclass(frozen=True, slots=True)
class Assignment:
    conversation_id: int
    operator_id: int


def actor_name(operator: Operator) -> str:
    return f"operator:{operator.username}"


class HandoffService:
    """Operator actions. One instance per process; every method is its own transaction."""

    def __init__(
        self, db: Database, bus: Bus, brain: Callable[[], Brain], wake: Callable[[], None]
    ) -> None:
        self.db = db
        self.bus = bus
        self.brain = brain
        self._wake = wake

    @classmethod
    def from_runtime(cls, runtime: Runtime) -> HandoffService:
        # The brain is read on every call: a hot reload swaps it on the engine.
        return cls(runtime.db, runtime.bus, lambda: runtime.engine.brain, runtime.outbox.wake)

    @property
    def config(self) -> HandoffConfig:
        return self.brain().config.handoff

    # -- lookups ---------------------------------------------------------------------------

    async def get_operator(self, session: AsyncSession, operator_id: int) -> Operator:
        operator = await session.get(Operator, operator_id)
        if operator is None or not operator.active:
            raise NotFound("Сотрудник не найден.", "operator_not_found")
        return operator

    async def get_conversation(self, session: AsyncSession, conversation_id: int) -> Conversation:
        """The conversation, row-locked on PostgreSQL so concurrent actions serialise."""
        query = select(Conversation).where(Conversation.id == conversation_id)
        if repo.is_postgres(session):
            query = query.with_for_update()
        conversation = await session.scalar(query)
        if conversation is None:
            raise NotFound("Диалог не найден.", "conversation_not_found")
        return conversation

    def check_holder(self, conversation: Conversation, operator: Operator) -> None:
        """Only the holder (or an admin) acts on a conversation a person already owns."""
        if conversation.owner == Owner.CLOSED.value:
            raise Conflict("Диалог уже закрыт.", "closed")
        if (
            conversation.owner == Owner.OPERATOR.value
            and conversation.operator_id != operator.id
            and operator.role != "admin"
        ):
            raise Conflict("Этот диалог ведёт другой оператор.", "not_yours")

    def publish(self, kind: str, conversation: Conversation, **data: Any) -> None:
        self.bus.publish(
            BusEvent(
                kind,
                conversation.id,
                conversation.customer_id,
                {"owner": conversation.owner, "operator_id": conversation.operator_id, **data},
            )
        )

    def _say_joined(
        self, session: AsyncSession, conversation: Conversation, operator: Operator
    ) -> None:
        say_operator_joined(self.brain().domain, session, conversation, operator)

    async def _take_locked(
        self, session: AsyncSession, conversation: Conversation, operator: Operator, reason: str
    ) -> None:
        ok = await routing.take(
            session,
            conversation.id,
            operator.id,
            actor=actor_name(operator),
            reason=reason,
            allowed_from=(Owner.QUEUED, Owner.BOT),
        )
        if not ok:
            raise Conflict("Диалог уже взял другой оператор.", "taken")
        mark_taken(conversation)  # from the bot: a handover began (routing.take)
        await repo.add_event(session, conversation, f"{operator.display_name} взял(а) диалог")

    # -- actions ---------------------------------------------------------------------------

    async def take(self, conversation_id: int, operator_id: int) -> None:
        """Take a queued (or bot) conversation by hand; :class:`Conflict` if someone was first."""
        async with self.db.write() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await self.get_conversation(session, conversation_id)
            if (
                conversation.owner == Owner.OPERATOR.value
                and conversation.operator_id == operator.id
            ):
                return
            if conversation.owner not in (Owner.QUEUED.value, Owner.BOT.value):
                raise Conflict(
                    "Диалог уже закрыт."
                    if conversation.owner == Owner.CLOSED.value
                    else "Диалог уже взял другой оператор.",
                    "taken",
                )
            await self._take_locked(session, conversation, operator, "taken")
            if operator.status == "online":
                # «Оператор Анна уже читает…» only from someone at work: an operator who is
                # away or offline may take a conversation, and their reply is the news.
                self._say_joined(session, conversation, operator)
            else:  # told when they come «В сети», unless their reply is the news first
                conversation.context = {**(conversation.context or {}), UNANNOUNCED: True}
        self._wake()
        self.publish("assignment", conversation)

    async def reply(self, conversation_id: int, operator_id: int, text: str) -> int:
        """Send ``text`` to the customer through the outbox; replying to a queued one takes it."""
        return await self._say(conversation_id, operator_id, _clean(text))

    async def send_file(
        self, conversation_id: int, operator_id: int, upload: files.Upload, caption: str = ""
    ) -> int:
        """Send a checked file (:func:`bot.files.check_upload`), the caption under it; like a
        reply, it takes a queued conversation."""
        caption = caption.strip()
        if len(caption) > MAX_TEXT:
            raise HandoffError(f"Подпись длиннее {MAX_TEXT} символов.", "too_long")
        return await self._say(conversation_id, operator_id, caption, upload)

    async def _say(
        self,
        conversation_id: int,
        operator_id: int,
        text: str,
        upload: files.Upload | None = None,
    ) -> int:
        async with self.db.write() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await self.get_conversation(session, conversation_id)
            self.check_holder(conversation, operator)
            taken = conversation.owner != Owner.OPERATOR.value
            if taken:
                await self._take_locked(session, conversation, operator, "taken_by_reply")
            await handoffs.answered(session, conversation, operator.id, utcnow())
            waiting.forget(conversation)  # a person answered: the promised wait is over
            mark_taken(conversation)  # and said so: nothing is left to announce
            file = None
            if upload is not None:
                file = files.store(
                    session, upload, conversation_id=conversation.id, operator_id=operator.id
                )
            message = outgoing.enqueue(
                session,
                conversation,
                Outbound(text=text, author="operator", file=file),
                operator_id=operator.id,
            )
        message_id = message.id  # inserted at the commit
        self._wake()
        if taken:
            self.publish("assignment", conversation)
        self.publish("message", conversation, message_id=message_id)
        return message_id

    async def note(self, conversation_id: int, operator_id: int, text: str) -> int:
        """An internal note: kept in the history for colleagues, never sent to the customer."""
        text = _clean(text)
        async with self.db.write() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await self.get_conversation(session, conversation_id)
            message = await add_note(session, conversation, operator, text)
            message_id = message.id
        self.publish("message", conversation, message_id=message_id, note=True)
        return message_id

    async def transfer(
        self,
        conversation_id: int,
        operator_id: int,
        *,
        to_operator_id: int | None = None,
        to_team: str | None = None,
        note: str = "",
    ) -> TransferResult:
        """Hand over to a colleague or to a team's queue, with a note (:mod:`handoff.transfers`);
        the result warns when nobody else in the team can take it now."""
        from handoff.transfers import transfer

        return await transfer(
            self,
            conversation_id,
            operator_id,
            to_operator_id=to_operator_id,
            to_team=to_team,
            note=note,
        )

    async def typing_target(self, conversation_id: int, operator_id: int) -> tuple[str, str]:
        """Where an operator typing a reply would show «typing…»: (channel, chat id). Refused
        like a reply would be (closed, or another operator's conversation)."""
        async with self.db.read() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound("Диалог не найден.", "conversation_not_found")
            self.check_holder(conversation, operator)
            return conversation.channel, conversation.chat_id

    async def close(self, conversation_id: int, operator_id: int) -> None:
        """Close; the customer is told and, if a person wrote to them, asked for a 1–5 rating."""
        async with self.db.write() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await self.get_conversation(session, conversation_id)
            self.check_holder(conversation, operator)
            await close_and_ask(
                session,
                self.brain().domain,
                conversation,
                actor=actor_name(operator),
                reason="closed",
                event=f"Диалог закрыл(а) {operator.display_name}",
            )
        self._wake()
        self.publish("transition", conversation)
        await self.assign_waiting()

    async def close_silent(self, now: datetime | None = None) -> list[int]:
        """Close the conversations where the operator answered last and the customer has been
        silent for ``handoff.close_after_silence_minutes`` (bot.storage.lifecycle); the
        customer reads ``utter_closed_silent`` and gets the rating buttons. Returns their ids."""
        minutes = self.config.close_after_silence_minutes
        if not minutes:
            return []
        before = (now or utcnow()) - timedelta(minutes=minutes)
        async with self.db.write() as session:
            silent = await closing.close_silent(session, self.brain().domain, minutes, before)
        if silent:
            self._wake()
            for conversation in silent:
                self.publish("transition", conversation)
            await self.assign_waiting()
        return [conversation.id for conversation in silent]

    async def return_to_bot(self, conversation_id: int, operator_id: int) -> None:
        """Hand the conversation back to the bot, which greets the customer again."""
        async with self.db.write() as session:
            operator = await self.get_operator(session, operator_id)
            conversation = await self.get_conversation(session, conversation_id)
            self.check_holder(conversation, operator)
            if conversation.owner == Owner.BOT.value:
                return
            remember_operator(conversation)
            await repo.move(
                session,
                conversation,
                Owner.BOT,
                reason="returned_to_bot",
                actor=actor_name(operator),
            )
            await repo.add_event(
                session, conversation, f"{operator.display_name} вернул(а) диалог боту"
            )
            back = self.brain().domain.render("utter_back_to_bot", conversation.channel)
            outgoing.enqueue(session, conversation, back, data={"response": "utter_back_to_bot"})
        self._wake()
        self.publish("transition", conversation)
        await self.assign_waiting()

    async def set_status(
        self, operator_id: int, status: str, *, automatic: bool = False
    ) -> list[int]:
        """Change presence: away or offline releases the conversations held, online announces
        those taken by hand meanwhile (:mod:`handoff.presence`). Returns the ids released."""
        from handoff import presence

        return await presence.set_status(self, operator_id, status, automatic=automatic)

    async def went_silent(self, operator_id: int) -> list[int]:
        """The operator's consoles are all closed: an online operator becomes away
        (:func:`handoff.presence.went_silent`)."""
        from handoff import presence

        return await presence.went_silent(self, operator_id)

    async def assign_waiting(self, now: datetime | None = None) -> list[Assignment]:
        """Drain the queue, oldest escalation first, to the least-loaded free operators."""
        if not self.config.auto_assign:
            return []
        done: list[tuple[Assignment, Conversation]] = []
        async with self.db.write() as session:
            query = (
                select(Conversation)
                .where(Conversation.owner == Owner.QUEUED.value)
                .order_by(Conversation.escalated_at, Conversation.id)
                .limit(500)
            )
            now = now or utcnow()
            for conversation in (await session.scalars(query)).all():
                loads = await routing.operator_loads(session, conversation.team)
                passer = routing.passed_on_by(conversation, now, self.config)
                operator = routing.choose([x for x in loads if x.operator.id != passer])
                if operator is None:
                    continue
                if await routing.take(
                    session, conversation.id, operator.id, actor="router", reason="auto_assigned"
                ):
                    mark_taken(conversation)
                    await repo.add_event(
                        session, conversation, f"Назначено оператору {operator.display_name}"
                    )
                    self._say_joined(session, conversation, operator)
                    done.append((Assignment(conversation.id, operator.id), conversation))
        if done:
            self._wake()
        for _, conversation in done:
            self.publish("assignment", conversation)
        return [assignment for assignment, _ in done]

    async def return_passed_on(self, now: datetime | None = None) -> list[Assignment]:
        """The maintenance round: a conversation passed to a team that nobody there took within
        ``handoff.transfer_return_minutes`` may go back to whoever passed it (if online with
        room). Reads first, so a round with nothing to do writes nothing."""
        now = now or utcnow()
        async with self.db.read() as session:
            passed = (
                await session.scalars(
                    select(Conversation).where(Conversation.owner == Owner.QUEUED.value)
                )
            ).all()
            due = [
                c
                for c in passed
                if PASSED_ON_BY in (c.context or {})
                and routing.passed_on_by(c, now, self.config) is None
            ]
        return await self.assign_waiting(now) if due else []


def say_operator_joined(
    domain: Domain, session: AsyncSession, conversation: Conversation, operator: Operator
) -> None:
    """Tell the customer a person has the conversation now («Оператор Анна уже читает…»).

    Only when an operator takes it from the queue; a reply that takes it says so itself. A
    project whose domain has no ``utter_operator_joined`` sends nothing.
    """
    if "utter_operator_joined" not in domain.responses:
        return
    joined = domain.render(
        "utter_operator_joined", conversation.channel, operator=operator.display_name
    )
    outgoing.enqueue(session, conversation, joined, data={"response": "utter_operator_joined"})


def mark_taken(conversation: Conversation) -> None:
    """Someone took the conversation: who passed it on, or that an earlier taker is still to
    be announced, no longer matters."""
    passed = (PASSED_ON_BY, routing.PASSED_ON_AT, UNANNOUNCED)
    if any(key in (conversation.context or {}) for key in passed):
        conversation.context = {
            k: v for k, v in (conversation.context or {}).items() if k not in passed
        }


async def add_note(
    session: AsyncSession, conversation: Conversation, operator: Operator, text: str
) -> Message:
    return await repo.add_event(
        session, conversation, text, kind="note", author="operator", operator_id=operator.id
    )


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise HandoffError("Сообщение пустое.", "empty")
    if len(text) > MAX_TEXT:
        raise HandoffError(f"Сообщение длиннее {MAX_TEXT} символов.", "too_long")
    return text
