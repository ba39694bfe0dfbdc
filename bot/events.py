"""Typed events that cross the channel seam.

Every channel adapter turns its SDK's update into one :class:`Inbound`, and every reply the
runtime produces is an :class:`Outbound` that the adapter renders with its own SDK. Nothing
outside ``bot/channels/<messenger>.py`` ever sees an SDK object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class InboundKind(StrEnum):
    """What the customer did."""

    TEXT = "text"  # typed text (possibly with attachments)
    BUTTON = "button"  # pressed one of our buttons: ``payload`` holds its payload
    START = "start"  # opened the chat (/start, Viber conversation_started, web chat open)
    CONTACT = "contact"  # shared a phone number (``contact_phone``)
    ATTACHMENT = "attachment"  # a photo/document/etc without text
    STATUS = "status"  # delivery/subscription status: ``payload`` is one of STATUS_* below
    LOCATION = "location"  # a point on the map: one ``location`` attachment, ``text`` says it


STATUS_SUBSCRIBED = "subscribed"  # reachable again (Viber subscribed, Telegram unblocked)
STATUS_UNSUBSCRIBED = "unsubscribed"  # the customer blocked/left: stop sending
REACHABILITY = (STATUS_SUBSCRIBED, STATUS_UNSUBSCRIBED)
"""Statuses that say whether the customer's chat can receive messages (bot/reachability.py)."""
STATUS_DELIVERED = "delivered"
STATUS_SEEN = "seen"
STATUS_FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A customer's file, kept as a reference the operator console can show.

    ``url`` is where the console fetches it from (for Telegram a ``tg-file:<file_id>`` reference
    resolved by the adapter; for Viber the media URL Viber gives us).
    """

    kind: str  # photo | document | video | audio | sticker | location | file
    url: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One event from a customer, already verified and parsed by its channel.

    ``external_id`` is the channel's own id of this event (Telegram ``update_id``, Viber
    ``message_token``, a web chat client id); the engine dedupes on ``(channel, external_id)``.
    ``user_id`` identifies the person in that channel; ``chat_id`` is where replies go.
    """

    channel: str
    external_id: str
    user_id: str
    chat_id: str
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    payload: str | None = None
    display_name: str | None = None
    language: str | None = None
    contact_phone: str | None = None
    # The messenger vouches that ``contact_phone`` is the sender's own number (Telegram: the
    # card's user_id is the sender). Viber cannot: any card from the address book looks the
    # same, so an unverified number never joins customers (bot/linking.py).
    contact_verified: bool = False
    attachments: tuple[Attachment, ...] = ()
    start_param: str | None = None  # Telegram deep link payload, Viber context
    ref_message_id: str | None = None  # for STATUS: the messenger id of our message it is about
    redacted: tuple[str, ...] = ()  # what bot.redact hid from ``text`` before storing («card»)
    # The company's web page the customer wrote from (the web chat in a site, bot.web.embed).
    page_url: str | None = None
    page_title: str | None = None
    # The customer changed a message they had sent (Telegram's edited_message): ``text`` is
    # the new wording. Stored and shown as «исправлено»; see Engine._write for who answers it.
    edited: bool = False
    # When the messenger says the event happened (Telegram's ``date``, Viber's ``timestamp``),
    # if it says: orders a blocking and an unblocking that arrive the wrong way round.
    happened_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (the durable inbox stores events this way)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["kind"] = self.kind.value
        data["attachments"] = [
            {"kind": a.kind, "url": a.url, "name": a.name, "mime_type": a.mime_type, "size": a.size}
            for a in self.attachments
        ]
        data["redacted"] = list(self.redacted)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Inbound:
        values = dict(data)
        values["kind"] = InboundKind(values.get("kind", InboundKind.TEXT.value))
        values["attachments"] = tuple(Attachment(**a) for a in values.get("attachments", []))
        values["redacted"] = tuple(values.get("redacted", ()))
        return cls(**values)


def map_link(latitude: float, longitude: float) -> str:
    """A link an operator clicks to see a customer's point on Yandex Maps."""
    return f"https://yandex.ru/maps/?pt={longitude},{latitude}&z=16"


def location_inbound_text(latitude: float, longitude: float, place: str | None = None) -> str:
    """What a shared location says in the history: the place (a venue's name and address)
    if the messenger gives one, the coordinates and a map link («📍 Геопозиция: 55.75, 37.62
    https://yandex.ru/maps/?pt=37.62,55.75&z=16»)."""
    where = f"{place} ({latitude}, {longitude})" if place else f"{latitude}, {longitude}"
    return f"📍 Геопозиция: {where} {map_link(latitude, longitude)}"


class ButtonStyle(StrEnum):
    """How a channel should lay out buttons (it may degrade to numbered text)."""

    INLINE = "inline"  # attached to the message (Telegram inline keyboard, web chat chips)
    REPLY = "reply"  # replaces the keyboard (Viber keyboard, Telegram reply keyboard)


@dataclass(frozen=True, slots=True)
class Button:
    """A button: ``title`` is shown, ``payload`` comes back in :class:`Inbound.payload`.

    A link button (``url``) opens the address instead. A contact-request button
    (:meth:`contact_request`) asks the messenger to share the customer's own phone number,
    which comes back as an :attr:`InboundKind.CONTACT` event: Telegram shows it in a reply
    keyboard, Viber as a «share-phone» keyboard button. The bot offers one only where the
    messenger vouches that the number is the sender's own (:data:`bot.linking.VOUCHED_CONTACTS`);
    the web chat cannot share a phone at all and never gets one.
    """

    title: str
    payload: str
    url: str | None = None  # a link button instead of a callback
    request_contact: bool = False

    @classmethod
    def contact_request(cls, title: str) -> Button:
        return cls(title, "", request_contact=True)

    @property
    def callback(self) -> bool:
        """Pressing it sends ``payload`` back (neither a link nor a contact request)."""
        return not self.url and not self.request_contact

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "payload": self.payload, "url": self.url}
        if self.request_contact:
            data["request_contact"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Button:
        return cls(
            title=str(data["title"]),
            payload=str(data.get("payload", "")),
            url=data.get("url"),
            request_contact=bool(data.get("request_contact")),
        )


PICTURE_TYPES = frozenset({"image/jpeg", "image/png"})
"""What every messenger shows as a photo rather than a file to download."""


@dataclass(frozen=True, slots=True)
class OutboundFile:
    """A file an operator sends to a customer.

    Its bytes are kept in the database (``files`` table) under ``token``, an unguessable key;
    a channel reads them through its :class:`~bot.channels.base.FileStore` (Telegram uploads
    them, Viber and the web chat are given the store's public URL).
    """

    token: str
    name: str
    mime_type: str
    size: int

    @property
    def is_picture(self) -> bool:
        return self.mime_type in PICTURE_TYPES

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "name": self.name,
            "mime_type": self.mime_type,
            "size": self.size,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboundFile:
        return cls(
            token=str(data["token"]),
            name=str(data["name"]),
            mime_type=str(data["mime_type"]),
            size=int(data["size"]),
        )


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to a customer. Channels split over-long texts themselves.

    With a ``file``, ``text`` is its caption (a channel sends the part of it that does not fit
    a caption as text after the file)."""

    text: str
    buttons: tuple[Button, ...] = ()
    style: ButtonStyle = ButtonStyle.INLINE
    author: str = "bot"  # bot | operator | system
    image_url: str | None = None
    file: OutboundFile | None = None
    # Take away a reply keyboard left open (the contact request's «Отправить мой номер»):
    # Telegram keeps one until a message removes it. With inline buttons too (Telegram's
    # adapter sends the message without them, then adds them); ignored with a reply keyboard
    # of its own, which replaces the old one.
    remove_keyboard: bool = False
    # Said while a person is called or has the conversation (queued or an operator's, set when
    # it is queued for sending: bot/storage/outgoing.py): a channel offers no call for one
    # (Viber's default «Позвать оператора» keyboard). The message's own buttons stay.
    person_called: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [b.to_json() for b in self.buttons],
            "style": self.style.value,
            "author": self.author,
            "image_url": self.image_url,
        }
        if self.file is not None:
            data["file"] = self.file.to_json()
        if self.remove_keyboard:
            data["remove_keyboard"] = True
        if self.person_called:
            data["person_called"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outbound:
        return cls(
            text=str(data.get("text", "")),
            buttons=tuple(Button.from_json(b) for b in data.get("buttons", [])),
            style=ButtonStyle(data.get("style", ButtonStyle.INLINE.value)),
            author=str(data.get("author", "bot")),
            image_url=data.get("image_url"),
            file=OutboundFile.from_json(data["file"]) if data.get("file") else None,
            remove_keyboard=bool(data.get("remove_keyboard")),
            person_called=bool(data.get("person_called")),
        )


_BOUNDARIES = ("\n\n", "\n", ". ", "! ", "? ", " ")  # best first


def cut_point(text: str, limit: int) -> int:
    """Where to end a chunk of ``text`` of at most ``limit`` characters: after the last
    paragraph break in reach, else line break, sentence end, space; else at ``limit``."""
    for sep in _BOUNDARIES:
        pos = text.rfind(sep, 0, limit + 1)
        if pos > 0:
            return pos + (1 if sep in (". ", "! ", "? ") else 0)
    return limit


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters.

    Prefers paragraph boundaries, then line breaks, then sentence ends, then spaces; only a
    single word longer than ``limit`` is cut mid-word. Never returns an empty chunk.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = cut_point(rest, limit)
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate (half of a UTF-16 pair) replaced by U+FFFD «�».

    JSON may spell one (``"\\ud800"``: a browser's string cut in the middle of an emoji, or a
    crafted request) and Python's ``json`` decodes it into a ``str`` no database driver, log
    file or UTF-8 encoder accepts. Replaced at the door, the message keeps everything else the
    customer wrote; kept, it would fail every time it is processed. A valid pair has already
    become one character, so whatever surrogate is left is lone."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def cleaned_value(value: Any) -> Any:
    """A parsed JSON value with :func:`clean_text` applied to every string in it."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): cleaned_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned_value(v) for v in value]
    return value


def clean_inbound(event: Inbound) -> Inbound:
    """``event`` with lone surrogates replaced in every text it carries (:func:`clean_text`).

    :meth:`bot.runtime.Runtime.submit` applies it to whatever a channel hands over, so no
    channel (Telegram's polling parses JSON in PTB, the web chat's uploads are forms) can let
    through a message that would fail at every attempt to store it."""
    texts = [getattr(event, name) for name in event.__dataclass_fields__]
    texts += [value for a in event.attachments for value in (a.url, a.name, a.mime_type)]
    if not any(isinstance(t, str) and _LONE_SURROGATE.search(t) for t in texts):
        return event  # nearly always: no copy
    return Inbound.from_json(cleaned_value(event.to_json()))
