"""Telegram ``Update`` → :class:`~bot.events.Inbound`.

Pure mapping (plus payload-store lookups for long button payloads); shared by the webhook
route and the polling loop so both modes behave identically.
"""

from __future__ import annotations

import re
from functools import partial

from telegram import (
    CallbackQuery,
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.channels.base import PayloadStore
from bot.events import (
    STATUS_SUBSCRIBED,
    STATUS_UNSUBSCRIBED,
    Attachment,
    Inbound,
    InboundKind,
    location_inbound_text,
)

CHANNEL = "telegram"
STORED_PREFIX = "k:"
"""``callback_data`` starting with this is a payload-store key, not the payload itself."""

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
"""What we ask Telegram for; everything else would only be ignored. ``my_chat_member`` says
that a customer blocked the bot (``kicked``) or unblocked it (``member``) in a private chat."""


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


async def resolve_callback_data(data: str | None, store: PayloadStore) -> str | None:
    """The payload behind ``callback_data`` (None if the stored key is unknown/expired)."""
    if data is None:
        return None
    if data.startswith(STORED_PREFIX):
        return await store.get(data[len(STORED_PREFIX) :])
    return data


PRESSED_MARK = "✓ "
"""Put before the title of the button a customer pressed (:func:`marked_keyboard`)."""


def _button_title(query: CallbackQuery) -> str:
    """The title of the pressed button, found in the message it was attached to.

    Gives transcripts «pressed “Оплата”» instead of an opaque payload.
    """
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if isinstance(markup, InlineKeyboardMarkup):
        for row in markup.inline_keyboard:
            for button in row:
                if button.callback_data == query.data:
                    return button.text.removeprefix(PRESSED_MARK)
    return ""


def marked_keyboard(query: CallbackQuery) -> InlineKeyboardMarkup | None:
    """The pressed message's keyboard with «✓» before the button pressed and before no other;
    ``None`` when that is what it shows already (or there is no keyboard to mark).

    The web chat shows the customer's choice under a rating or «Вы имели в виду…?» and lets
    them change it; Telegram leaves a pressed button looking untouched, so the adapter edits
    the message's keyboard the same way. The buttons and their data stay as they are."""
    markup = getattr(query.message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup) or query.data is None:
        return None
    changed = False
    rows: list[list[InlineKeyboardButton]] = []
    for row in markup.inline_keyboard:
        rows.append([])
        for button in row:
            title = button.text.removeprefix(PRESSED_MARK)
            if button.callback_data == query.data:
                title = PRESSED_MARK + title
            if title != button.text:
                changed = True
                button = InlineKeyboardButton.de_json({**button.to_dict(), "text": title}, None)
            rows[-1].append(button)
    return InlineKeyboardMarkup(rows) if changed else None


def _attachments(message: Message) -> tuple[Attachment, ...]:
    """Media of a message as file references resolved later by ``TelegramChannel.download``."""
    found: list[Attachment] = []
    if message.photo:
        best = message.photo[-1]  # Telegram lists sizes ascending
        found.append(Attachment("photo", f"tg-file:{best.file_id}", size=best.file_size))
    if message.document:
        doc = message.document
        found.append(
            Attachment(
                "document", f"tg-file:{doc.file_id}", doc.file_name, doc.mime_type, doc.file_size
            )
        )
    if message.voice:
        v = message.voice
        found.append(Attachment("audio", f"tg-file:{v.file_id}", None, v.mime_type, v.file_size))
    if message.audio:
        a = message.audio
        found.append(
            Attachment("audio", f"tg-file:{a.file_id}", a.file_name, a.mime_type, a.file_size)
        )
    if message.video:
        vd = message.video
        found.append(
            Attachment("video", f"tg-file:{vd.file_id}", vd.file_name, vd.mime_type, vd.file_size)
        )
    if message.video_note:
        vn = message.video_note
        found.append(Attachment("video", f"tg-file:{vn.file_id}", size=vn.file_size))
    if message.sticker:
        st = message.sticker
        # The sticker's emoji («👍») as its name: the console shows it and the bot reads it.
        found.append(
            Attachment("sticker", f"tg-file:{st.file_id}", st.emoji or None, size=st.file_size)
        )
    return tuple(found)


def _membership(update: Update, chat_member: ChatMemberUpdated) -> Inbound | None:
    """A private chat's customer blocked (``kicked``) or unblocked (``member``) the bot.

    Groups and channels the bot is added to are not customers' chats: ignored."""
    if chat_member.chat.type != "private":
        return None
    status = chat_member.new_chat_member.status
    if status == ChatMember.BANNED:
        payload = STATUS_UNSUBSCRIBED
    elif status == ChatMember.MEMBER:
        payload = STATUS_SUBSCRIBED
    else:
        return None
    user = chat_member.from_user
    return Inbound(
        channel=CHANNEL,
        external_id=str(update.update_id),
        user_id=str(user.id),
        chat_id=str(chat_member.chat.id),
        kind=InboundKind.STATUS,
        payload=payload,
        display_name=user.full_name,
        language=user.language_code,
        happened_at=chat_member.date.timestamp(),
    )


async def to_inbound(update: Update, store: PayloadStore) -> Inbound | None:
    """Map one update; ``None`` means «not something a customer said» (ignored, still 200)."""
    external_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        user = query.from_user
        chat_id = query.message.chat.id if query.message is not None else user.id
        return Inbound(
            channel=CHANNEL,
            external_id=external_id,
            user_id=str(user.id),
            chat_id=str(chat_id),
            kind=InboundKind.BUTTON,
            text=_button_title(query),
            payload=await resolve_callback_data(query.data, store),
            display_name=user.full_name,
            language=user.language_code,
        )

    if update.my_chat_member is not None:
        return _membership(update, update.my_chat_member)

    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None  # channel posts, …
    user = message.from_user
    make = partial(
        Inbound,
        channel=CHANNEL,
        external_id=external_id,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        display_name=user.full_name,
        language=user.language_code,
    )

    if update.edited_message is not None:
        # A corrected text or caption is what the customer now says; an edited location
        # (live location moving) or media without words says nothing new.
        wording = message.text if message.text is not None else message.caption
        if not wording:
            return None
        return make(kind=InboundKind.TEXT, text=wording, edited=True)

    if message.text is not None:
        # «/start promo_42», «/help» too: the runtime reads commands alike in every channel
        # (bot/commands.py, the menu's too).
        return make(kind=InboundKind.TEXT, text=message.text)

    if message.contact is not None:
        phone = _digits(message.contact.phone_number)
        if message.contact.user_id == user.id:
            return make(
                kind=InboundKind.CONTACT,
                text=message.contact.phone_number,  # what the operator reads in the history
                contact_phone=phone,
                contact_verified=True,
            )
        # Someone else's contact card: a number, but not one Telegram vouches is theirs.
        return make(
            kind=InboundKind.CONTACT, text=message.contact.phone_number, contact_phone=phone
        )

    if message.location is not None:  # a venue carries its point as ``location`` too
        loc, venue = message.location, message.venue
        place = ", ".join(p for p in (venue.title, venue.address) if p) if venue else None
        return make(
            kind=InboundKind.LOCATION,
            text=location_inbound_text(loc.latitude, loc.longitude, place),
            attachments=(
                Attachment("location", f"geo:{loc.latitude},{loc.longitude}", place or None),
            ),
        )

    attachments = _attachments(message)
    if not attachments:
        return None  # service messages (pinned, new members, …)
    if message.caption:
        return make(kind=InboundKind.TEXT, text=message.caption, attachments=attachments)
    return make(kind=InboundKind.ATTACHMENT, attachments=attachments)
