"""What the console's endpoints share: storage, bus, the service, the brain and sessions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.bus import Bus
from bot.channels.base import Channel
from bot.engine import Brain
from bot.storage.db import Database
from handoff.errors import HandoffError
from handoff.failed_inbox import FailedInbox
from handoff.service import HandoffService
from handoff.sla_clock import SlaClock
from handoff.teaching import Reloader
from handoff.web.security import Sessions
from handoff.web.typing_relay import TypingRelay

MAX_BODY = 64 * 1024


@dataclass
class Console:
    db: Database
    bus: Bus
    service: HandoffService
    brain: Callable[[], Brain]
    secret: bytes
    channels: Mapping[str, Channel] = field(default_factory=dict)  # downloads, «typing…»
    reload: Reloader | None = None  # hot reload of the content (with an optional edit)
    content_root: Path | None = None  # the project's directory (where flows' files are)
    failed_inbox: FailedInbox | None = None  # events the bot gave up on: retry, dismiss
    sessions: Sessions = field(init=False)
    typing: TypingRelay = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.secret, self.db)
        self.typing = TypingRelay(self.channels)

    @property
    def sla_clock(self) -> SlaClock:
        """The first-response goal and the hours it counts (the content's current config)."""
        return SlaClock(self.brain().config.handoff)


def error(exc: HandoffError) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; :class:`HandoffError` for anything else (so a plain HTML form
    from another site, which cannot send ``application/json`` without CORS, never gets here)."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HandoffError("Ожидается JSON (Content-Type: application/json).", "bad_content_type")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HandoffError("Слишком большой запрос.", "too_large")
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise HandoffError("Некорректный JSON.", "bad_json") from exc
    if not isinstance(data, dict):
        raise HandoffError("Ожидается JSON-объект.", "bad_json")
    return data


def str_field(data: dict[str, Any], name: str) -> str:
    """A text field; absent or null is ``""``. Any other type is refused (400 ``bad_field``),
    never sent on as its Python spelling («{'a': 1}») — to a customer, least of all."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HandoffError(f"Поле {name} должно быть строкой.", "bad_field")
    return value


def int_field(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise HandoffError(f"Поле {name} должно быть числом.", "bad_field") from exc
