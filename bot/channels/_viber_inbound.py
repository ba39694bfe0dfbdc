"""Viber callback → :class:`~bot.events.Inbound`.

The raw JSON is validated and parsed by aioviberbot's ``create_request``; this module only
reads the parsed objects (untyped, hence the defensive ``getattr``/``str`` calls).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from aioviberbot.api.messages import (
    ContactMessage,
    FileMessage,
    LocationMessage,
    PictureMessage,
    StickerMessage,
    TextMessage,
    URLMessage,
    VideoMessage,
)

from bot.channels.base import PayloadStore
from bot.events import (
    STATUS_DELIVERED,
    STATUS_FAILED,
    STATUS_SEEN,
    STATUS_SUBSCRIBED,
    STATUS_UNSUBSCRIBED,
    Attachment,
    Inbound,
    InboundKind,
    location_inbound_text,
)

CHANNEL = "viber"
BUTTON_PREFIX = "zb:"
"""Our reply buttons send ``zb:<payload>`` as text: that is how a press differs from typing."""
STORED_PREFIX = "k:"
"""After :data:`BUTTON_PREFIX`: the rest is a payload-store key."""

STATUS_EVENTS = {
    "subscribed": STATUS_SUBSCRIBED,
    "unsubscribed": STATUS_UNSUBSCRIBED,
    "delivered": STATUS_DELIVERED,
    "seen": STATUS_SEEN,
    "failed": STATUS_FAILED,
}
KNOWN_EVENTS = {"message", "conversation_started", "webhook", *STATUS_EVENTS}


# The welcome went out in the HTTP response already: the runtime must not greet again.
WELCOMED = "welcomed"


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


async def decode_action_body(text: str, store: PayloadStore) -> str | None:
    """Payload of a ``zb:`` action body (None if its stored key is unknown/expired)."""
    body = text[len(BUTTON_PREFIX) :]
    if body.startswith(STORED_PREFIX):
        return await store.get(body[len(STORED_PREFIX) :])
    return body


def _attachment(message: Any, raw: dict[str, Any]) -> Attachment | None:
    """The media of a non-text message, by its Viber URL (valid for a limited time)."""
    raw_msg = raw.get("message") or {}
    name = _s(raw_msg.get("file_name"))
    if isinstance(message, PictureMessage):
        return Attachment("photo", str(message.media), name, size=raw_msg.get("size"))
    if isinstance(message, VideoMessage):
        return Attachment("video", str(message.media), name, size=message.size)
    if isinstance(message, FileMessage):
        return Attachment("document", str(message.media), _s(message.file_name), size=message.size)
    if isinstance(message, StickerMessage):
        media = raw_msg.get("media") or f"viber-sticker:{message.sticker_id}"
        return Attachment("sticker", str(media))
    return None


async def to_inbound(
    event: str, request: Any, raw: dict[str, Any], store: PayloadStore
) -> Inbound | None:
    """Map one parsed callback; ``None`` means ignore (answer 200 anyway)."""
    token = _s(raw.get("message_token"))
    if event in STATUS_EVENTS:
        user = getattr(request, "user", None)
        user_id = _s(user.id) if user is not None else _s(raw.get("user_id"))
        user_id = user_id or ""
        ref = token or f"{user_id}:{raw.get('timestamp')}"
        stamp = raw.get("timestamp")
        return Inbound(
            channel=CHANNEL,
            external_id=f"{event}:{ref}",
            user_id=user_id,
            chat_id=user_id,
            kind=InboundKind.STATUS,
            payload=STATUS_EVENTS[event],
            text=str(raw.get("desc") or ""),
            display_name=_s(getattr(user, "name", None)),
            ref_message_id=token,
            # milliseconds since the epoch: orders an unsubscribe and a subscribe
            happened_at=stamp / 1000 if isinstance(stamp, int | float) else None,
        )
    if event == "conversation_started":
        user = request.user
        return Inbound(
            channel=CHANNEL,
            external_id=str(token),
            user_id=str(user.id),
            chat_id=str(user.id),
            kind=InboundKind.START,
            payload=WELCOMED,
            # as Telegram's «/start promo_summer»: the operator sees where the customer came from
            text=f"/start {request.context}" if request.context else "",
            display_name=_s(user.name),
            language=_s(user.language),
            start_param=_s(request.context),
        )
    if event != "message":
        return None

    sender = request.sender
    make = partial(
        Inbound,
        channel=CHANNEL,
        external_id=str(token),
        user_id=str(sender.id),
        chat_id=str(sender.id),
        display_name=_s(sender.name),
        language=_s(sender.language),
    )
    message = request.message
    if isinstance(message, TextMessage):
        text = str(message.text or "")
        if text.startswith(BUTTON_PREFIX):
            return make(kind=InboundKind.BUTTON, payload=await decode_action_body(text, store))
        return make(kind=InboundKind.TEXT, text=text)
    if isinstance(message, ContactMessage):
        # Unverified: Viber sends the user's own number and any card from the address book alike.
        number = str(message.contact.phone_number or "")
        phone = re.sub(r"\D", "", number)
        return make(kind=InboundKind.CONTACT, text=number, contact_phone=phone)
    if isinstance(message, URLMessage):
        return make(kind=InboundKind.TEXT, text=str(message.media))
    if isinstance(message, LocationMessage):
        lat, lon = float(message.location.latitude), float(message.location.longitude)
        return make(
            kind=InboundKind.LOCATION,
            text=location_inbound_text(lat, lon),
            attachments=(Attachment("location", f"geo:{lat},{lon}"),),
        )
    attachment = _attachment(message, raw)
    if attachment is None:
        return None
    caption = str(getattr(message, "text", None) or "")
    if caption:
        return make(kind=InboundKind.TEXT, text=caption, attachments=(attachment,))
    return make(kind=InboundKind.ATTACHMENT, attachments=(attachment,))
