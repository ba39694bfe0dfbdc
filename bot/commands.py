"""Slash commands a customer types, read the same in every channel.

Telegram offers them in its menu (``setMyCommands``, bot/channels/telegram.py); in Viber, the
web chat and the terminal nobody offers them, but customers type them all the same («/help»,
«/start»). :func:`typed_command` turns such a message into what the command stands for, at the
runtime's door (:meth:`bot.runtime.Runtime.submit`), so that every channel answers it alike:

* ``/start`` (``/start promo_42``: a Telegram deep link) → START, as opening the chat;
* ``/operator``, ``/help``, ``/link`` → BUTTON with the payload of the same button
  (``/handoff_request``, ``/bot_challenge`` → ``utter_bot_challenge``, ``/link`` → a link code):
  answered like the press, never read as a question the bot did not understand (no miss);
* any other «/word» stays TEXT (read as written).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from bot.events import Inbound, InboundKind


@dataclass(frozen=True, slots=True)
class Command:
    """A command besides /start: what Telegram's menu says of it, the button it stands for."""

    description: str
    payload: str


COMMANDS: dict[str, Command] = {
    "operator": Command("Позвать оператора", "/handoff_request"),
    "help": Command("Что умеет бот", "/bot_challenge"),
    "link": Command("Связать с Viber", "/link"),
}
"""The commands besides /start, by name (see domain.yml for the payloads). «/operator» is then
the same as pressing «Позвать оператора»."""
START_DESCRIPTION = "Начать сначала"

# «/start», «/start promo_42», «/start@volt_bot promo_42» (Telegram names the bot in groups)
_START = re.compile(r"/start(?:@\w+)?(?:\s+(?P<param>\S.*))?", re.DOTALL | re.IGNORECASE)
_COMMAND = re.compile(r"/(?P<name>[a-z_]+)(?:@\w+)?", re.IGNORECASE)


def typed_command(event: Inbound) -> Inbound:
    """``event`` as the command its text is, or unchanged: only a typed TEXT that is the whole
    command (not a correction, not a caption of a file) is one."""
    if event.kind is not InboundKind.TEXT or event.edited or event.attachments:
        return event
    text = event.text.strip()
    if (start := _START.fullmatch(text)) is not None:
        param = start.group("param")
        return dataclasses.replace(
            event, kind=InboundKind.START, start_param=param.strip() if param else None
        )
    named = _COMMAND.fullmatch(text)
    command = COMMANDS.get(named.group("name").lower()) if named else None
    if command is None:
        return event
    return dataclasses.replace(event, kind=InboundKind.BUTTON, payload=command.payload)
