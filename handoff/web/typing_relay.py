"""«Оператор печатает…»: an operator typing a reply shows the messenger's typing indicator.

The console posts ``/conversations/{id}/typing`` while the operator types (at most every few
seconds); the relay passes it to the conversation's channel (Telegram's ``sendChatAction``, the
web chat's «Печатает…»; Viber has no such indicator) in the background, at most once per
:data:`EVERY` seconds per conversation whatever the browser sends, so a stuck key or a hostile
client cannot spend the bot's messenger rate limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from bot.channels._common import BackgroundTasks
from bot.channels.base import Channel

log = logging.getLogger(__name__)
EVERY = 4.0  # seconds; Telegram shows the indicator for 5 s or until a message arrives
_KEEP = 1000  # conversations remembered before old entries are dropped


class TypingRelay:
    def __init__(
        self, channels: Mapping[str, Channel], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.channels = channels
        self._clock = clock
        self._sent: dict[int, float] = {}
        self._tasks = BackgroundTasks(log)

    def relay(self, conversation_id: int, channel: str, chat_id: str) -> bool:
        """Show «typing…» in the chat unless it was shown for this conversation less than
        :data:`EVERY` seconds ago (or the channel has no indicator); True if passed on."""
        target = self.channels.get(channel)
        now = self._clock()
        if target is None or now - self._sent.get(conversation_id, -EVERY) < EVERY:
            return False
        if len(self._sent) >= _KEEP:
            self._sent = {k: t for k, t in self._sent.items() if now - t < EVERY}
        self._sent[conversation_id] = now
        self._tasks.spawn(target.notify_typing(chat_id), f"{channel} typing indicator")
        return True
