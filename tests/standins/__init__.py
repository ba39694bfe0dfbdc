"""Local stand-ins for the messengers' HTTP APIs (real servers on 127.0.0.1).

* :class:`TelegramStandIn` — the Bot API python-telegram-bot talks to;
* :class:`ViberStandIn` — the REST API aioviberbot talks to.

Both record every call, keep a per-chat «what the customer saw» view, inject faults, and
build inbound updates/callbacks. Start one with ``async with X.running() as x:``
(``thread=True`` runs it in its own thread and event loop, for load tests).
"""

from tests.standins._server import Call, Fault
from tests.standins.telegram import TelegramStandIn, TgFault, TgUser
from tests.standins.viber import SignedCallback, ViberFault, ViberStandIn, ViberUser, sign

__all__ = [
    "Call",
    "Fault",
    "SignedCallback",
    "TelegramStandIn",
    "TgFault",
    "TgUser",
    "ViberFault",
    "ViberStandIn",
    "ViberUser",
    "sign",
]
