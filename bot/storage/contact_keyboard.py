"""The mark of a chat that shows the bot's «Отправить мой номер» reply keyboard
(:mod:`bot.linking`).

Telegram keeps a reply keyboard on the chat's screen until a message to that chat removes it, so
the mark belongs to the chat, not to the conversation: a customer linked across channels may
write from Viber while the Telegram chat still shows the keyboard, and the Viber reply takes
nothing away there. The conversation's context holds the marks by chat (:func:`chat_key`),
``CONTACT_KEYBOARD: {"telegram:2002": True}``; what a turn or a message reads and changes is the
mark of the chat the conversation is in now (``Conversation.channel`` and ``chat_id``: where the
customer last wrote from, where replies go).
"""

from __future__ import annotations

from typing import Any

from bot.storage.models import Conversation

CONTACT_KEYBOARD = "contact_keyboard"
"""In the conversation's context: the chats that show the keyboard, each ``True`` while the bot
waits for the contact, ``"ended"`` once the customer wrote something else and no reply has taken
the keyboard away yet. The marks outlive the conversation: a new one takes them over, whoever
closed the old one (:func:`bot.storage.repo.open_conversation`)."""
KEYBOARD_ENDED = "ended"

Mark = bool | str


def chat_key(channel: str, chat_id: str) -> str:
    return f"{channel}:{chat_id}"


def _marks(conversation: Conversation) -> dict[str, Mark]:
    value = (conversation.context or {}).get(CONTACT_KEYBOARD)
    if isinstance(value, dict):
        return dict(value)
    # Stored before the marks were per chat: the chat the conversation was in.
    return {chat_key(conversation.channel, conversation.chat_id): value} if value else {}


def contact_keyboard(conversation: Conversation) -> Mark | None:
    """The mark of the chat the conversation is in now, or None."""
    return _marks(conversation).get(chat_key(conversation.channel, conversation.chat_id))


def mark_contact_keyboard(conversation: Conversation, mark: Mark | None) -> None:
    """Set the mark of the chat the conversation is in now (None: take it off); the other
    chats' marks stay."""
    marks = _marks(conversation)
    key = chat_key(conversation.channel, conversation.chat_id)
    if mark is None:
        marks.pop(key, None)
    else:
        marks[key] = mark
    context: dict[str, Any] = {
        k: v for k, v in (conversation.context or {}).items() if k != CONTACT_KEYBOARD
    }
    if marks:
        context[CONTACT_KEYBOARD] = marks
    conversation.context = context


def keyboards_left(closed: Conversation) -> dict[str, Mark]:
    """The marks a new conversation takes over from ``closed``: every chat that still shows the
    keyboard, the bot no longer waiting for a contact there."""
    return {key: KEYBOARD_ENDED for key in _marks(closed)}


def take_over_keyboards(kept: Conversation, closed: Conversation) -> None:
    """``kept`` goes on for ``closed`` (two customers joined, :mod:`bot.storage.customers`): the
    chats that still show the keyboard are marked in it too, its own marks first."""
    left = keyboards_left(closed)
    if not left:
        return
    context = dict(kept.context or {})
    context[CONTACT_KEYBOARD] = {**left, **_marks(kept)}
    kept.context = context
