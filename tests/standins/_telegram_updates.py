"""Update JSON the Telegram stand-in builds for tests: what a customer's action looks like
when it reaches the bot (``text_update``, ``callback_update``, ``photo_update``…)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.standins._telegram_wire import BOT_ID, SeenMessage, UserLike, _user


class UpdateBuilders:
    """Mixed into :class:`~tests.standins.telegram.TelegramStandIn`: builds Update JSON with
    increasing ``update_id``s; files a customer sends are kept for ``getFile``."""

    files: dict[str, tuple[str, bytes]]
    _update_ids: itertools.count[int]
    _message_ids: itertools.count[int]
    _file_ids: itertools.count[int]

    def shown_message(self, chat_id: int, message_id: int) -> SeenMessage | None:
        raise NotImplementedError  # the stand-in's

    def _next_update(self, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    def _message(self, user: UserLike, **content: Any) -> dict[str, Any]:
        u = _user(user)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": u.id, "type": "private", "first_name": u.first_name},
            "from": u.to_json(),
            **content,
        }

    def text_update(self, user: UserLike, text: str) -> dict[str, Any]:
        return self._next_update(message=self._message(user, text=text))

    def command_update(
        self, user: UserLike, command: str, arg: str | None = None
    ) -> dict[str, Any]:
        text = f"/{command}" + (f" {arg}" if arg else "")
        entity = {"type": "bot_command", "offset": 0, "length": len(command) + 1}
        return self._next_update(message=self._message(user, text=text, entities=[entity]))

    def callback_update(
        self, user: UserLike, data: str, *, title: str = "Кнопка", message_id: int | None = None
    ) -> dict[str, Any]:
        u = _user(user)
        message = self._message(u, text="…", message_id=message_id or next(self._message_ids))
        message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Zabota"}
        message["reply_markup"] = {"inline_keyboard": [[{"text": title, "callback_data": data}]]}
        shown = self.shown_message(u.id, message_id) if message_id is not None else None
        if shown is not None and shown.keyboard == "inline":
            # The message the bot sent, with its keyboard as the customer sees it now.
            message["text"] = shown.text
            message["reply_markup"] = {
                "inline_keyboard": [
                    [
                        {"text": b.text, "callback_data": b.callback_data}
                        if b.callback_data is not None
                        else {"text": b.text, "url": b.url}
                        for b in row
                    ]
                    for row in shown.buttons
                ]
            }
        query = {
            "id": f"cq{next(self._update_ids)}",
            "from": u.to_json(),
            "chat_instance": "1",
            "data": data,
            "message": message,
        }
        return self._next_update(callback_query=query)

    def add_file(self, content: bytes, path: str = "documents/file.bin") -> str:
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = (path, content)
        return file_id

    def photo_update(
        self, user: UserLike, caption: str | None = None, content: bytes = b"\x89PNG fake"
    ) -> dict[str, Any]:
        file_id = self.add_file(content, f"photos/{len(self.files)}.jpg")
        sizes = [
            {"file_id": f"{file_id}s", "file_unique_id": "s", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": "u",
                "width": 800,
                "height": 600,
                "file_size": len(content),
            },
        ]
        extra = {"caption": caption} if caption else {}
        return self._next_update(message=self._message(user, photo=sizes, **extra))

    def document_update(
        self,
        user: UserLike,
        name: str = "акт.pdf",
        mime_type: str = "application/pdf",
        content: bytes = b"%PDF-1.4",
    ) -> dict[str, Any]:
        file_id = self.add_file(content, f"documents/{name}")
        doc = {
            "file_id": file_id,
            "file_unique_id": "d",
            "file_name": name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._next_update(message=self._message(user, document=doc))

    def voice_update(self, user: UserLike, content: bytes = b"OggS") -> dict[str, Any]:
        file_id = self.add_file(content, "voice/1.oga")
        voice = {
            "file_id": file_id,
            "file_unique_id": "v",
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return self._next_update(message=self._message(user, voice=voice))

    def sticker_update(
        self, user: UserLike, emoji: str = "👍", content: bytes = b"RIFF webp"
    ) -> dict[str, Any]:
        file_id = self.add_file(content, "stickers/1.webp")
        sticker = {
            "file_id": file_id,
            "file_unique_id": "st",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(content),
        }
        return self._next_update(message=self._message(user, sticker=sticker))

    def contact_update(
        self, user: UserLike, phone: str = "+7 (912) 345-67-89", *, own: bool = True
    ) -> dict[str, Any]:
        u = _user(user)
        contact = {
            "phone_number": phone,
            "first_name": u.first_name,
            "user_id": u.id if own else u.id + 1,
        }
        return self._next_update(message=self._message(u, contact=contact))

    def edited_update(self, user: UserLike, text: str) -> dict[str, Any]:
        message = self._message(user, text=text, edit_date=int(time.time()))
        return self._next_update(edited_message=message)

    def member_update(
        self,
        user: UserLike,
        status: str = "kicked",
        *,
        was: str | None = None,
        date: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """The customer blocked (``kicked``) or unblocked (``member``) the bot; ``date`` is
        when Telegram says it happened (seconds)."""
        u = _user(user)
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Zabota"}
        new: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            new["until_date"] = 0
        old = {"status": was or ("member" if status == "kicked" else "kicked"), "user": bot}
        if old["status"] == "kicked":
            old["until_date"] = 0
        member = {
            "chat": {"id": u.id, "type": chat_type, "first_name": u.first_name},
            "from": u.to_json(),
            "date": int(time.time()) if date is None else date,
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self._next_update(my_chat_member=member)

    def location_update(
        self,
        user: UserLike,
        latitude: float = 55.751244,
        longitude: float = 37.618423,
        *,
        venue: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """A shared point; with ``venue`` (title, address) a place picked from the map, which
        Telegram sends with its point as ``location`` too."""
        location = {"latitude": latitude, "longitude": longitude}
        extra: dict[str, Any] = {}
        if venue is not None:
            extra["venue"] = {"location": location, "title": venue[0], "address": venue[1]}
        return self._next_update(message=self._message(user, location=location, **extra))
