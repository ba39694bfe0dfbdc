"""A Telegram Bot API stand-in: a real HTTP server that python-telegram-bot talks to.

Usage::

    async with TelegramStandIn.running() as tg:
        channel = TelegramChannel(TelegramSettings(token=tg.token, api_url=tg.api_url, ...))
        await channel.send("42", Outbound("Привет"))
        assert tg.texts(42) == ["Привет"]

Serves ``/bot{token}/{method}`` (getMe, sendMessage, sendPhoto, sendDocument, sendChatAction,
answerCallbackQuery, editMessageReplyMarkup, deleteMessage, setWebhook, setMyCommands,
deleteWebhook, getUpdates, getFile) and ``/file/bot{token}/{path}``. A wrong token gets 401
like the real API. Parameters are read as JSON, as a form, or as ``multipart/form-data`` (how
python-telegram-bot uploads files). ``editMessageReplyMarkup`` changes the keyboard of a message
shown (:meth:`TelegramStandIn.shown_message`); ``callback_update(..., message_id=…)`` of a shown
message carries its keyboard as it looks now; :meth:`TelegramStandIn.reply_keyboard` is the
reply keyboard under the input field (a message sent with ``ReplyKeyboardRemove`` took it away,
whatever inline keyboard an edit gave that message later). ``deleteMessage`` takes a message
out of the chat.

What the customer saw: :meth:`TelegramStandIn.sent_to` lists each chat's messages in order
with the *rendered* text (HTML parsed the way Telegram does; invalid HTML, texts over 4096
UTF-16 units and ``callback_data`` over 64 bytes are rejected with Telegram's 400s) and the
buttons. A photo or document has ``kind`` ``"photo"``/``"document"`` and, when it was uploaded,
the ``file_name`` and exact ``content`` the customer receives (``photo`` is the URL of one sent
by URL); its caption is ``text``. Telegram's upload limits are enforced: captions over 1024
UTF-16 units and empty files → 400, photos over 10 MB → 400, uploads over 50 MB → 413.

Faults: ``tg.fail_next("sendMessage", TgFault.too_many_requests(2))``, ``server_error()``,
``blocked()``, ``chat_not_found()``, ``slow(seconds)``; ``tg.block(chat_id)`` makes a chat
answer «bot was blocked» for good.

Updates: ``tg.text_update(user, "привет")``, ``command_update``, ``callback_update``,
``photo_update``, ``document_update``, ``voice_update``, ``sticker_update``, ``contact_update``,
``edited_update``, ``member_update`` build Update JSON with increasing ``update_id``s;
``tg.push_update(u)`` queues it for getUpdates (long-polling honours ``timeout``),
``await tg.deliver(u, client)`` POSTs it to the registered webhook with its secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins._server import StandIn
from tests.standins._telegram_updates import UpdateBuilders
from tests.standins._telegram_wire import (
    BOT_ID,
    DEFAULT_TOKEN,
    MAX_CAPTION,
    MAX_PHOTO_UPLOAD,
    MAX_UPLOAD,
    HtmlError,
    SeenButton,
    SeenMessage,
    TgFault,
    TgUser,
    Upload,
    _ApiError,
    _utf16,
    check_photo_dimensions,
    check_upload,
    read_params,
    render_html,
)

__all__ = [
    "SeenButton",
    "SeenMessage",
    "TelegramStandIn",
    "TgFault",
    "TgUser",
    "Upload",
    "render_html",
]


class TelegramStandIn(UpdateBuilders, StandIn):
    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.webhook: dict[str, Any] | None = None
        self.commands: list[tuple[str, str]] = []  # the bot's menu (setMyCommands)
        self.blocked: set[int] = set()
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._seen: dict[int, list[SeenMessage]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._closing = False

    @property
    def api_url(self) -> str:
        """Server root, as ``TelegramSettings.api_url`` expects."""
        return self.base_url

    # -- what the customer saw -----------------------------------------------------------------

    def sent_to(self, chat_id: int | str) -> list[SeenMessage]:
        return list(self._seen.get(int(chat_id), []))

    def texts(self, chat_id: int | str) -> list[str]:
        return [m.text for m in self.sent_to(chat_id)]

    def block(self, chat_id: int | str) -> None:
        self.blocked.add(int(chat_id))

    def reply_keyboard(self, chat_id: int | str) -> list[SeenButton]:
        """The reply keyboard the customer has under the input field now (a message with one
        shows it; a ``remove_keyboard`` takes it away), as its buttons."""
        shown: list[SeenButton] = []
        for seen in self.sent_to(chat_id):
            if seen.keyboard == "reply":
                shown = [b for row in seen.buttons for b in row]
            elif seen.removed_reply_keyboard:
                shown = []
        return shown

    async def wait_sent(self, chat_id: int | str, count: int, within: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.sent_to(chat_id)) >= count, within)

    # -- updates (builders in _telegram_updates.UpdateBuilders) -------------------------------

    def push_update(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates."""
        self._updates.extend(updates)
        self.changes.notify()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    async def deliver(
        self,
        update: dict[str, Any],
        client: httpx.AsyncClient | None = None,
        *,
        secret: str | None = None,
    ) -> httpx.Response:
        """POST ``update`` to the registered webhook like Telegram does.

        ``client`` may be an ``httpx.AsyncClient`` over ``ASGITransport`` (the URL's path is
        kept); ``secret`` overrides the registered secret token (to forge requests).
        """
        if self.webhook is None:
            raise RuntimeError("no webhook registered (setWebhook was not called)")
        headers = {}
        token = secret if secret is not None else self.webhook.get("secret_token")
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(token)
        url = str(self.webhook["url"])
        if client is None:
            async with httpx.AsyncClient() as own:
                return await own.post(url, json=update, headers=headers)
        return await client.post(httpx.URL(url).path, json=update, headers=headers)

    def close(self) -> None:
        self._closing = True
        self.changes.notify()

    # -- HTTP ------------------------------------------------------------------------------------

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            ]
        )

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        method = request.path_params["method"]
        params, size = await read_params(request)
        self.record(method, params, size)
        fault = self.take_fault(method)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.body is not None:
                return JSONResponse(fault.body, status_code=fault.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404
            )
        try:
            result = await handler(params)
        except _ApiError as exc:
            return JSONResponse(
                {"ok": False, "error_code": exc.code, "description": exc.description},
                status_code=exc.code,
            )
        return JSONResponse({"ok": True, "result": result})

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                return Response(content, media_type="application/octet-stream")
        return Response(status_code=404)

    # -- methods ---------------------------------------------------------------------------------

    @staticmethod
    def _bot_user() -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Zabota",
            "username": "zabota_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._check_chat(params)
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params if params.get("url") else None
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if isinstance(commands, str):  # form-encoded: a JSON string
            commands = json.loads(commands)
        self.commands = [(c["command"], c["description"]) for c in commands or []]
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: bool(self._updates) or self._closing, timeout)
        return self._updates[:limit]

    def _check_chat(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _render(raw: str, parse_mode: str | None) -> str:
        if (parse_mode or "").upper() != "HTML":
            return raw
        try:
            return render_html(raw)
        except HtmlError as exc:
            raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None

    @staticmethod
    def _buttons(markup: Any) -> tuple[str | None, tuple[tuple[SeenButton, ...], ...]]:
        if not markup:
            return None, ()
        if "inline_keyboard" in markup:
            rows = []
            for row in markup["inline_keyboard"]:
                if not 1 <= len(row) <= 8:  # Telegram shows at most 8 buttons in a row
                    raise _ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
                seen_row = []
                for b in row:
                    data = b.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    if data is None and not b.get("url"):
                        raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
                    seen_row.append(SeenButton(b["text"], data, b.get("url")))
                rows.append(tuple(seen_row))
            return "inline", tuple(rows)
        if "keyboard" in markup:
            return "reply", tuple(
                tuple(
                    SeenButton(b)
                    if isinstance(b, str)
                    else SeenButton(b["text"], request_contact=bool(b.get("request_contact")))
                    for b in row
                )
                for row in markup["keyboard"]
            )
        if markup.get("remove_keyboard") is True:
            return "remove", ()
        return None, ()

    def _show(self, chat_id: int, seen: SeenMessage) -> dict[str, Any]:
        if seen.keyboard == "remove":
            seen = dataclasses.replace(seen, removed_reply_keyboard=True)
        self._seen.setdefault(chat_id, []).append(seen)
        self.changes.notify()
        return {
            "message_id": seen.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._bot_user(),
        }

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        raw = str(params.get("text", ""))
        text = self._render(raw, params.get("parse_mode"))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        keyboard, buttons = self._buttons(params.get("reply_markup"))
        seen = SeenMessage(
            next(self._message_ids), chat_id, text, raw, keyboard=keyboard, buttons=buttons
        )
        result = self._show(chat_id, seen)
        result["text"] = text
        return result

    def shown_message(self, chat_id: int, message_id: int) -> SeenMessage | None:
        """The bot's message ``message_id`` in the chat, as it looks now (edits applied)."""
        return next((m for m in self._seen.get(chat_id, []) if m.message_id == message_id), None)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        try:
            message_id = int(params["message_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: message identifier is not specified") from None
        shown = self.shown_message(chat_id, message_id)
        if shown is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        keyboard, buttons = self._buttons(params.get("reply_markup"))
        if keyboard not in (None, "inline"):
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        if buttons == shown.buttons:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        seen = self._seen[chat_id]
        seen[seen.index(shown)] = dataclasses.replace(shown, keyboard=keyboard, buttons=buttons)
        self.changes.notify()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._bot_user(),
            "text": shown.text,
        }

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        shown = self.shown_message(chat_id, int(params.get("message_id", 0)))
        if shown is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        self._seen[chat_id].remove(shown)
        self.changes.notify()
        return True

    def _caption(self, params: dict[str, Any]) -> tuple[str, str]:
        raw = str(params.get("caption") or "")
        caption = self._render(raw, params.get("parse_mode"))
        if _utf16(caption) > MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return caption, raw

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        upload = check_upload(params, "photo", MAX_PHOTO_UPLOAD)
        if upload is not None:
            check_photo_dimensions(upload)
        caption, raw = self._caption(params)
        keyboard, buttons = self._buttons(params.get("reply_markup"))
        seen = SeenMessage(
            next(self._message_ids),
            chat_id,
            caption,
            raw,
            kind="photo",
            photo=None if upload else str(params.get("photo")),
            keyboard=keyboard,
            buttons=buttons,
            file_name=upload.filename if upload else None,
            content=upload.content if upload else None,
        )
        result = self._show(chat_id, seen)
        file_id = (
            self.add_file(upload.content, f"photos/{seen.message_id}.jpg") if upload else "sent"
        )
        result["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}]
        if caption:
            result["caption"] = caption
        return result

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = self._check_chat(params)
        upload = check_upload(params, "document", MAX_UPLOAD)
        caption, raw = self._caption(params)
        keyboard, buttons = self._buttons(params.get("reply_markup"))
        name = upload.filename if upload else str(params.get("document")).rsplit("/", 1)[-1]
        seen = SeenMessage(
            next(self._message_ids),
            chat_id,
            caption,
            raw,
            kind="document",
            keyboard=keyboard,
            buttons=buttons,
            file_name=name,
            content=upload.content if upload else None,
        )
        result = self._show(chat_id, seen)
        content = upload.content if upload else b""
        file_id = self.add_file(content, f"documents/{name}")
        result["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": upload.content_type if upload else "application/octet-stream",
            "file_size": len(content),
        }
        if caption:
            result["caption"] = caption
        return result
