"""Database tables (SQLAlchemy 2 typed declarative). Migrations live in ``migrations/``.

One person may write from several channels: ``Identity`` rows (one per channel account) point
at one ``Customer``, so an operator sees one history. A ``Conversation`` has an explicit owner
(see :mod:`bot.ownership`) and every owner change is kept in ``Transition``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                "naive datetime given to the database; use bot.storage.models.utcnow()"
            )
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    erased_at: Mapped[datetime | None]  # personal data erased on request (bot.storage.erasure)
    # An operator blocked them (spam, abuse): the bot still answers, a person never gets them.
    blocked_at: Mapped[datetime | None]


class Identity(Base):
    """A customer's account in one channel (Telegram user, Viber user, web chat session)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_identity_channel_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversation_customer_owner", "customer_id", "owner"),
        Index("ix_conversation_closed_at", "closed_at"),  # retention (bot.storage.erasure)
        Index("ix_conversation_owner_updated", "owner", "updated_at"),  # bot.storage.lifecycle
        # The statistics read a period's rows (handoff.metrics): without these, every figure
        # scanned the whole history.
        Index("ix_conversation_escalated_at", "escalated_at"),
        # A period's conversations per channel, read from the index alone (migration 0021).
        Index("ix_conversation_period", "created_at", "channel", "erased_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    owner: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(32))  # where the customer last wrote from
    chat_id: Mapped[str] = mapped_column(String(128))  # where replies go
    team: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(64))
    escalated_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    unknown_streak: Mapped[int] = mapped_column(Integer, default=0)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]  # texts erased (on request or by retention)
    # Every handover to people, oldest first (:mod:`bot.storage.handoffs`); never loaded with
    # the conversation: set only where a conversation is built with its past (tests, seeds).
    handoffs: Mapped[list[Handoff]] = relationship(lazy="raise", order_by="Handoff.id")


class Handoff(Base):
    """One handover of a conversation to people: from the bot's hands to the queue or an
    operator, until it is the bot's again or closed (:mod:`bot.storage.handoffs`).

    The conversation's own ``escalated_at``, ``escalation_reason`` and ``first_response_at``
    describe only its latest handover (the queue, the wait timers); a conversation handed over
    twice has two rows here, and the manager's figures (:mod:`handoff.metrics`) count each once.
    ``outcome`` is the reason of the owner change that ended it (``closed``,
    ``returned_to_bot``, ``customer_cancelled``, ``customer_silent``, ``erased``…), None while
    it lasts. Holds no personal data: erasure leaves it as it is.
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoff_escalated_at", "escalated_at"),)  # a period's handoffs

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))  # handoff.escalation.Reason
    escalated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    first_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(64))


class Transition(Base):
    """Audit trail of owner changes: who moved the conversation where, and why."""

    __tablename__ = "transitions"
    __table_args__ = (Index("ix_transition_at", "at"),)  # a period's closings (statistics)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    from_owner: Mapped[str] = mapped_column(String(16))
    to_owner: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """Everything said in a conversation: customer, bot and operator messages, and notes.

    ``kind`` is ``message`` (seen by the customer), ``note`` (internal, never sent) or
    ``event`` (system line in the history, e.g. «передано оператору»).
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_message_conversation", "conversation_id", "id"),
        # A period's messages: the statistics read who wrote in which conversation when from
        # the index alone, without a row lookup per message (migration 0021).
        Index(
            "ix_message_period", "created_at", "author", "kind", "conversation_id", "operator_id"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    author: Mapped[str] = mapped_column(String(16))  # customer | bot | operator | system
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    kind: Mapped[str] = mapped_column(String(16), default="message")
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # buttons, attachments, nlu
    external_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """Every customer event, stored before the channel acknowledges it.

    The unique ``(channel, external_id)`` makes a redelivered update a no-op at the door;
    ``processed_at`` is set in the same transaction as everything the event caused, so an event
    acknowledged but not yet processed when the process died is processed after the restart.

    ``attempts`` counts the attempts to process it that failed; after
    :data:`bot.runtime.MAX_ATTEMPTS` of them ``failed_at`` is set with the last ``error``
    (exception type and first line, no customer text): a poison event is no longer retried,
    and stays here for an admin to see (``/healthz``: ``inbox_failed``).
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbox_channel_external"),
        Index("ix_inbox_unprocessed", "processed_at", "id"),
        Index("ix_inbox_failed", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(160))
    event: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))


class OutboxItem(Base):
    """A message waiting to be delivered; written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "channel", "chat_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # Set when enqueuing, so that one flush inserts the message and then its outbox row (never
    # loaded: the sender reads the payload, not the history row).
    message: Mapped[Message | None] = relationship(lazy="raise")
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="operator")  # admin|editor|operator
    status: Mapped[str] = mapped_column(String(16), default="offline")  # online|away|offline
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    teams: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None]
    # When the server set «Не на месте» because every console of the operator was closed or
    # unreachable (handoff.web.sse.Presence); None once the operator chose a status again.
    auto_away_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (Index("ix_rating_created_at", "created_at"),)  # a period's (statistics)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(32))  # why a low one (bot.rating.REASONS)
    comment: Mapped[str | None] = mapped_column(Text)  # the customer's own words on why
    # «Что пошло не так?» / «Что именно?» was asked then: the customer's very next message
    # within bot.rating.CHANGE_WINDOW is taken as ``comment`` (None once answered or passed).
    comment_asked_at: Mapped[datetime | None] = mapped_column(index=True)
    faq_ids: Mapped[list[Any]] = mapped_column(default=list)
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredPayload(Base):
    """Button payloads too long for a messenger's callback field."""

    __tablename__ = "payloads"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredFile(Base):
    """A file an operator sent to a customer (:class:`bot.events.OutboundFile`), or one a
    web chat visitor sent us (``uploader`` = ``webchat:<visitor>``; messengers keep their
    customers' files themselves).

    Kept in the database, not on a disk: every process of the deployment reads the same
    rows, and erasing a customer's data (or retention) deletes the rows with the
    conversation. A visitor's file belongs to no conversation until the engine processes the
    message it came with. ``token`` is the unguessable key in the file's public URL (Viber and
    the web chat fetch it from there)."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    uploader: Mapped[str | None] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedReply(Base):
    """A ready reply an operator inserts by its shortcut («/привет») in the console: the
    team's (``owner_id`` NULL) or one operator's own; a shortcut is unique per owner."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("shortcut", "owner_id", name="uq_canned_shortcut_owner"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))  # who wrote it
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))  # None: the team's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """A wrong password at the console's login (:mod:`handoff.login_guard`)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CustomerNote(Base):
    """What the team keeps about a customer across conversations and messengers («Заметки о
    клиенте» on the card, :mod:`handoff.customer_notes`): «звонить после 18:00», «уже дважды
    получал разбитый товар». Personal data: erased with the customer."""

    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerMerge(Base):
    """Two customer cards joined into one, and what moved, so that the join can be undone.

    ``moved``: the ids that belonged to the joined customer at the time — ``identities``,
    ``conversations`` (their messages and ratings follow them), ``notes`` — and ``filled``, the
    kept customer's fields (``phone``, ``display_name``) the join filled from the joined one.
    ``operator_id`` is NULL when the bot joined them (a shared phone or a link code).
    """

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    keep_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    joined_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    moved: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))


class LinkCode(Base):
    """A short code a customer types in another messenger to join the two identities."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    expires_at: Mapped[datetime]


class DeliveryEvent(Base):
    """Messenger status callbacks (delivered, seen, failed, subscribed, unsubscribed)."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16))
    ref_message_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationLabel(Base):
    """A label an operator put on a conversation (``handoff.labels`` of config.yml)."""

    __tablename__ = "conversation_labels"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    label: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EditorAction(Base):
    """A content editor's decision about an unanswered customer question (also the audit log).

    ``key`` is the question's normalised text (:func:`knowledge_base.loader.question_key`);
    ``action`` is ``dismissed`` («не вопрос к FAQ»), ``taught`` (added to ``entry_id``),
    ``answer_edited`` (``key`` is then the entry id and ``text`` the new answer) or
    ``entry_created`` (``key`` the new entry's id, ``text`` its title), ``reverted`` (an
    earlier change undone: ``key`` is that action's id, ``text`` what it was).
    ``operator_id`` is NULL for a change made from a shell (``zabota kb import``): the
    journal shows it as the command line's.
    """

    __tablename__ = "editor_actions"
    __table_args__ = (Index("ix_editor_action_key", "key", "action"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(
        String(16)
    )  # dismissed | taught | answer_edited | entry_created
    entry_id: Mapped[str | None] = mapped_column(String(64))
    file: Mapped[str | None] = mapped_column(String(500))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))  # NULL: a shell
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the files this change rewrote, as they were before it (its «Отменить»); several actions
    # of one change (a table import) share one revision
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("content_revisions.id"))


class ContentRevision(Base):
    """The content files one change rewrote, as they were before it (:mod:`handoff.revisions`).

    ``files``: ``[{"path": relative to the project, "before": the text or null (the change
    created the file), "after_sha256": what the change wrote, or null (it deleted the file)}]``.
    Only the newest revisions keep their texts: an older one's ``files`` is emptied and
    ``kept`` false, and it can no longer be undone.
    """

    __tablename__ = "content_revisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    files: Mapped[list[Any]]
    kept: Mapped[bool] = mapped_column(Boolean, default=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))  # NULL: a shell
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reverted_at: Mapped[datetime | None]
    reverted_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
