"""The conversation engine: one entry point, :meth:`Engine.process`, for every channel.

Webhooks, polling, the terminal chat, the web chat and the tests all call it. It is idempotent
on the channel's event id, keeps the bot silent while a person owns the conversation, and
fails *open*: if the bot's pipeline breaks, the customer gets a polite message and the
conversation goes to the human queue, in the same transaction as the customer's message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot import cancel, choice, files, followup, linking, queued, rating, reachability
from bot.bus import Bus, BusEvent
from bot.cluster import chat_lock_key
from bot.config import Domain, ProjectConfig
from bot.dialogue import Handler, Turn, default_handlers
from bot.events import (
    STATUS_DELIVERED,
    STATUS_FAILED,
    STATUS_SEEN,
    Inbound,
    InboundKind,
    Outbound,
)
from bot.group_commit import GroupCommitter
from bot.handover import escalate
from bot.nlu_batch import PredictBatcher
from bot.outbox import LEASE, Claimed, OutboxSender
from bot.ownership import HUMAN_OWNERS, Owner
from bot.redact import CARD, redact
from bot.storage import inbound, outgoing, repo
from bot.storage.db import Database
from bot.storage.models import utcnow
from flows.models import Flow
from handoff.escalation import Reason
from knowledge_base.models import KnowledgeBase
from nlu.api import NLUModel, Prediction

log = logging.getLogger(__name__)


class _PipelineFailed(Exception):
    """A handler raised: the message's transaction is redone in fail-open mode."""


class Status(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    RECORDED = "recorded"  # a status callback, nothing to answer
    FORWARDED = "forwarded"  # a person owns the conversation


RECEIPTS = (STATUS_DELIVERED, STATUS_SEEN, STATUS_FAILED)
"""Messenger receipts about our messages: the console shows them under an operator's reply."""


@dataclass(slots=True)
class Outcome:
    status: Status
    conversation_id: int | None = None
    owner: Owner | None = None
    replies: list[Outbound] = field(default_factory=list)
    prediction: Prediction | None = None
    claimed: Claimed | None = None  # the first reply, leased to this process's sender


@dataclass(slots=True)
class _Written:
    """What a message's transaction did, and the bus events to publish after its commit."""

    outcome: Outcome
    events: list[BusEvent] = field(default_factory=list)


@dataclass(slots=True)
class Brain:
    """What the engine reads to answer; swapped atomically on hot reload."""

    config: ProjectConfig
    domain: Domain
    kb: KnowledgeBase
    nlu: NLUModel
    flows: Mapping[str, Flow] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        db: Database,
        brain: Brain,
        bus: Bus,
        *,
        handlers: Sequence[Handler] | None = None,
        outbox: OutboxSender | None = None,
        clock: Callable[[], datetime] = utcnow,
        chat_lock: bool = False,
    ) -> None:
        """``outbox``: the sender of this process. The first reply of a message is leased to
        it in the message's own transaction and sent right after the commit (when the chat has
        nothing earlier waiting); otherwise, and for the other replies, the sender is woken to
        find them.

        ``chat_lock``: several processes share the database (PostgreSQL): serialise each
        chat across them with an advisory lock, not only inside this process."""
        self.db = db
        self.chat_lock = chat_lock
        self.outbox = outbox
        self.brain = brain
        self.bus = bus
        self.handlers = list(handlers) if handlers is not None else default_handlers()
        self.clock = clock
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._batcher = PredictBatcher()
        self.group = GroupCommitter(db)  # messages ready together share a transaction
        self._active = 0  # messages being processed now (the NLU batches when others are)

    def _lock(self, event: Inbound) -> asyncio.Lock:
        key = (event.channel, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 10_000:
                for k in [k for k, v in self._locks.items() if not v.locked()][:5_000]:
                    del self._locks[k]
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def predict(self, event: Inbound, brain: Brain) -> Prediction | None:
        if event.kind is not InboundKind.TEXT or not event.text.strip():
            return None
        limit = brain.config.policy.max_message_chars
        busy = self._active > 1  # others are being processed: their asks may follow
        return await self._batcher.predict(brain.nlu, event.text[:limit], hold=busy)

    async def process(self, event: Inbound, inbox_id: int | None = None) -> Outcome:
        """Handle one customer event end to end; safe to call again with the same event.

        ``inbox_id`` is the row :meth:`Runtime.submit` stored before acknowledging the event.
        """
        if event.kind is InboundKind.STATUS:
            return await self._record_status(event, inbox_id)
        event = redact(event)  # done at the door by Runtime.submit; direct callers too
        self._active += 1
        try:
            return await self._process_message(event, inbox_id)
        finally:
            self._active -= 1

    async def _process_message(self, event: Inbound, inbox_id: int | None) -> Outcome:
        async with self._lock(event):
            brain = self.brain
            try:
                prediction = await self.predict(event, brain)
            except Exception:
                log.exception("NLU failed on a %s message", event.channel)
                prediction = None
                failed_nlu = True
            else:
                failed_nlu = False
            outcome = await self._process_locked(event, brain, prediction, failed_nlu, inbox_id)
        if self.outbox is not None:
            if outcome.claimed is not None:
                self.outbox.adopt(outcome.claimed, followers=len(outcome.replies) > 1)
            elif outcome.replies:
                self.outbox.wake()
        return outcome

    async def _process_locked(
        self,
        event: Inbound,
        brain: Brain,
        prediction: Prediction | None,
        failed_nlu: bool,
        inbox_id: int | None,
    ) -> Outcome:
        # The bot's handlers run optimistically in the one transaction of the message. If one
        # fails, the whole transaction is rolled back and done again in fail-open mode (the
        # apology and the hand-off instead of the handlers), so the customer's message is
        # still stored exactly once. A savepoint around the handlers would cost two
        # statements on every message for what is meant never to happen.
        if not failed_nlu:
            try:
                return await self._transaction(event, brain, prediction, inbox_id, False)
            except _PipelineFailed:
                log.exception("bot pipeline failed; failing open to the human queue")
        return await self._transaction(event, brain, prediction, inbox_id, True)

    async def _transaction(
        self,
        event: Inbound,
        brain: Brain,
        prediction: Prediction | None,
        inbox_id: int | None,
        fail_open: bool,
    ) -> Outcome:
        key = chat_lock_key(event.channel, event.user_id) if self.chat_lock else None

        async def work(session: Any) -> _Written:
            return await self._write(session, event, brain, prediction, inbox_id, fail_open, key)

        written = await self.group.run(work, order=key or 0)
        for bus_event in written.events:
            self.bus.publish(bus_event)
        return written.outcome

    async def _write(
        self,
        session: Any,
        event: Inbound,
        brain: Brain,
        prediction: Prediction | None,
        inbox_id: int | None,
        fail_open: bool,
        key: int | None,
    ) -> _Written:
        """The message's writes, in a transaction it may share with other messages (run
        again alone if any of them fails): nothing here acts outside the database."""
        if not await inbound.claim_inbound(session, event, inbox_id, lock_key=key):
            return _Written(Outcome(Status.DUPLICATE))
        identity = await repo.get_or_create_identity(session, event)
        if event.kind is InboundKind.BUTTON and rating.is_rating(event):
            return await self._rating(session, event, identity.customer_id, brain)
        # The words typed after «Подскажите, что пошло не так?» are the low rating's reason,
        # unless the NLU or their words make them a new request (bot/rating_words.py).
        commented = await rating.comment(
            session, event, identity.customer_id, brain, prediction, self.clock()
        )
        if commented is not None:
            await repo.add_inbound_message(
                session, commented.conversation, event, {"rating_comment": True}
            )
            return self._rated(session, commented)
        expiry = brain.config.policy.session_expiry_minutes
        now = self.clock()
        conversation, _ = await repo.open_conversation(
            session,
            identity.customer_id,
            event.channel,
            event.chat_id,
            now=now,
            expire_before=now - timedelta(minutes=expiry) if expiry else None,
        )
        data: dict[str, Any] = {}
        if prediction is not None:
            data["nlu"] = _prediction_json(prediction)
            if Owner(conversation.owner) in HUMAN_OWNERS:
                data["to_human"] = True  # said to a person: not a question for the FAQ
        if event.attachments:
            data["attachments"] = [
                {
                    "kind": a.kind,
                    "url": a.url,
                    "name": a.name,
                    "mime_type": a.mime_type,
                    "size": a.size,
                }
                for a in event.attachments
            ]
            await files.link(session, event, conversation.id)
        if event.payload:
            data["payload"] = event.payload
        if event.page_url:
            data["page"] = {"url": event.page_url, "title": event.page_title or ""}
        if event.edited:
            data["edited"] = True
        if event.kind is InboundKind.BUTTON and not event.text and event.payload:
            # Viber sends only the button's action: the operator reads the title pressed
            event = dataclasses.replace(
                event, text=await _button_title(session, conversation.id, event.payload, brain)
            )
        message_id = await repo.add_inbound_message(session, conversation, event, data)
        turn = Turn(
            session=session,
            event=event,
            conversation=conversation,
            identity=identity,
            prediction=prediction,
            domain=brain.domain,
            kb=brain.kb,
            config=brain.config,
            now=self.clock(),
            flows=brain.flows,
            read=functools.partial(self._batcher.predict, brain.nlu),
        )
        status = Status.PROCESSED
        if CARD in event.redacted and "utter_card_redacted" in brain.domain.responses:
            turn.utter("utter_card_redacted")  # first, whoever answers the rest
        was = conversation.owner
        if Owner(conversation.owner) in HUMAN_OWNERS and cancel.wants_cancel(turn):
            # «Отменить вызов оператора», or «отмена» typed while queued (bot/cancel.py)
            await cancel.cancel(turn)
            status = Status.FORWARDED if conversation.owner == was else Status.PROCESSED
        elif Owner(conversation.owner) in HUMAN_OWNERS:
            await self._forward(turn)
            status = Status.FORWARDED
        elif (
            event.edited
            and not conversation.unknown_streak
            and not followup.asks_another_entry(prediction, conversation.context, brain.kb)
            and not (conversation.context or {}).get("flow")
        ):
            # A corrected message after one the bot understood: the answer stands, and a
            # second one would repeat it. Kept in the history; after a miss or a «Уточните»,
            # or when the correction clearly asks about another entry («как вернуть товр» →
            # «как вернуть деньги»), it is read and answered like a new message (below).
            # Inside a flow the flow decides (a corrected order number: flows/engine.py).
            pass
        elif fail_open:  # the bot owns it (an open conversation no person holds)
            turn.utter("utter_error")
            await escalate(turn, Reason.FAILURE)
        elif await cancel.resume(turn):
            pass  # «а нет, всё таки надо» right after a cancel: the same request again
        else:
            if (chosen := choice.picked(turn)) is not None:  # «2» after «Уточните…»
                turn.event, turn.prediction = chosen, None
            try:
                await self._dispatch(turn)
            except Exception as exc:
                raise _PipelineFailed from exc
        linking.close_contact_keyboard(turn)  # typed instead of «Отправить мой номер»
        if prediction is not None and turn.prediction not in (None, prediction):
            # Read again in the light of the previous answer (bot/followup.py): the history,
            # the console and the editor's «не понял» list show the reading the bot acted on.
            turn.message_data["nlu"] = _prediction_json(turn.prediction)
        if turn.message_data:
            await repo.update_message_data(session, message_id, {**data, **turn.message_data})
        if prediction is not None and (
            turn.is_question or "last_guesses" not in (conversation.context or {})
        ):
            # The operator console shows the bot's guesses for the customer's last question
            # (not for the «спасибо» or «позовите оператора» after it).
            conversation.context = {
                **(conversation.context or {}),
                "last_guesses": turn.guesses,
            }
        queued = await outgoing.enqueue_many(
            session, conversation, list(zip(turn.replies, turn.reply_data, strict=True))
        )
        claimed = await self._claim_first(session, queued, identity.blocked)
        owner = Owner(conversation.owner)
        conversation_id, customer_id = conversation.id, conversation.customer_id
        assigned = turn.assigned_operator.id if turn.assigned_operator else None
        events = [
            BusEvent(
                "message",
                conversation_id,
                customer_id,
                # channel and user: a web chat visitor not yet known as a customer listens
                {
                    "message_id": message_id,
                    "owner": owner.value,
                    "channel": event.channel,
                    "user_id": event.user_id[:64],
                },
            )
        ]
        if owner is Owner.QUEUED or assigned is not None or owner.value != was:
            events.append(
                BusEvent(
                    "transition",
                    conversation_id,
                    customer_id,
                    {"owner": owner.value, "operator_id": assigned},
                )
            )
        outcome = Outcome(status, conversation_id, owner, list(turn.replies), prediction, claimed)
        return _Written(outcome, events)

    async def _claim_first(
        self, session: Any, queued: list[outgoing.Queued], blocked: bool
    ) -> Claimed | None:
        """Lease the first reply to this process's sender in this transaction, if it can.

        ``blocked``: the sender's identity is blocked (replies go to the chat the customer
        wrote from, whose identity :func:`repo.get_or_create_identity` just loaded)."""
        if (
            not queued
            or self.outbox is None
            or not self.outbox.can_adopt(queued[0].channel, queued[0].chat_id)
        ):
            return None
        first = queued[0]
        if not await outgoing.claim_for_sending(session, first, self.clock() + LEASE):
            return None
        return Claimed(
            first.outbox_id,
            first.channel,
            first.chat_id,
            first.payload,
            0,
            first.created_at,
            blocked,  # the customer just wrote from this chat: unblocked unless a status
        )

    async def _dispatch(self, turn: Turn) -> None:
        for handler in self.handlers:
            if handler.match(turn):
                await handler.handle(turn)
                return

    async def _forward(self, turn: Turn) -> None:
        """A person owns the conversation: quiet while an operator has it; a customer waiting
        in the queue gets FAQ answers and acknowledgements (:func:`bot.queued.while_queued`)."""
        await queued.while_queued(turn)

    async def _rating(
        self, session: Any, event: Inbound, customer_id: int, brain: Brain
    ) -> _Written:
        ask = brain.config.handoff.ask_low_rating_reason
        rated = await rating.apply(
            session, event, customer_id, brain.domain, self.clock(), ask_reason=ask
        )
        if rated is None:
            return _Written(Outcome(Status.PROCESSED))
        return self._rated(session, rated)

    def _rated(self, session: Any, rated: rating.Rated) -> _Written:
        """The reply to a rating, its reason or comment, in the rated (closed) conversation."""
        conversation = rated.conversation
        customer_id = conversation.customer_id
        outgoing.enqueue(
            session,
            conversation,
            rated.reply,
            data={"response": rated.response, "rating": rated.score},
        )
        return _Written(
            Outcome(Status.PROCESSED, conversation.id, Owner(conversation.owner), [rated.reply]),
            [BusEvent("rating", conversation.id, customer_id, {"score": rated.score})],
        )

    async def _record_status(self, event: Inbound, inbox_id: int | None) -> Outcome:
        async def work(session: Any) -> _Written:
            if not await inbound.claim_inbound(session, event, inbox_id):
                return _Written(Outcome(Status.DUPLICATE))
            if reachability.is_reachability(event):  # blocked / unblocked the bot
                recorded = await reachability.record(session, event, self.clock())
                return _Written(Outcome(Status.RECORDED), recorded.events)
            await repo.record_status(session, event)
            if event.payload in RECEIPTS:  # an operator may be looking at that reply
                found = await repo.conversation_with_person(session, event.channel, event.user_id)
                if found is not None:
                    receipt = BusEvent("receipt", found[0])
                    return _Written(Outcome(Status.RECORDED, conversation_id=found[0]), [receipt])
            return _Written(Outcome(Status.RECORDED))

        written = await self.group.run(work)
        for bus_event in written.events:
            self.bus.publish(bus_event)
        return written.outcome


async def _button_title(session: Any, conversation_id: int, payload: str, brain: Brain) -> str:
    """The title of the button with ``payload`` among the bot's latest messages in the
    conversation, else an FAQ entry's title for ``faq:<id>``, else ``""`` (stored as the
    payload in brackets)."""
    title = await repo.recent_button_title(session, conversation_id, payload)
    if title is None and payload.startswith("faq:"):
        entry = brain.kb.get(payload[4:])
        title = entry.title if entry is not None else None
    return title or ""


def _prediction_json(prediction: Prediction) -> dict[str, Any]:
    return {
        "intent": prediction.intent,
        "confidence": round(prediction.confidence, 4),
        "decision": prediction.decision.value,
        "ranking": [
            {"intent": s.intent, "confidence": round(s.confidence, 4)}
            for s in prediction.ranking[:5]
        ],
        "entities": [
            {"type": e.type, "value": e.value, "text": e.text} for e in prediction.entities
        ],
        # Several questions in one message: how the bot read each (the console lists them).
        "parts": [
            {
                "text": p.text,
                "intent": p.intent,
                "confidence": round(p.confidence, 4),
                "decision": p.decision.value,
            }
            for p in prediction.parts
        ],
    }
