"""The demo shop's site (``zabota run --demo`` only): the web chat as it lives in a company's site.

``/demo`` (the catalogue) and ``/demo/delivery`` (delivery and payment) are two pages of the
demo company «Вольт» (``demo/*.html``), each with the one documented line
``<script src="/widget.js" async></script>``. They are on the chat's own origin, which the chat
page's ``frame-ancestors 'self'`` already allows; the web chat records them as the customer's
page (the console's «Со страницы: …») as it does the pages of ``embed_origins``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.webchat import WebChatChannel
from bot.runtime import Runtime

PAGES = Path(__file__).parent / "demo"
HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _file(path: str, name: str, media_type: str) -> Route:
    body = (PAGES / name).read_bytes()

    async def serve(request: Request) -> Response:
        return Response(body, media_type=media_type, headers=HEADERS)

    return Route(path, serve)


def demo_routes(runtime: Runtime, origin: str) -> list[BaseRoute]:
    """The demo site's pages, served from ``origin`` (the address ``zabota run`` prints).

    The web chat keeps a customer's page only when it is one of ``embed_origins``
    (:func:`bot.web.embed.page_of`); this server's own address is not listed there, so the
    demo adds it to what the chat accepts, without touching the configuration.
    """
    webchat = runtime.channels.get("webchat")
    if isinstance(webchat, WebChatChannel):
        listed = webchat.embed_origins
        webchat.embed_origins = lambda: [*listed(), origin]
    return [
        _file("/demo", "index.html", "text/html; charset=utf-8"),
        _file("/demo/delivery", "delivery.html", "text/html; charset=utf-8"),
        _file("/demo/shop.css", "shop.css", "text/css; charset=utf-8"),
    ]
