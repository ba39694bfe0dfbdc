"""The web chat inside the company's own site: ``/widget.js`` and what the chat page allows.

A site adds one line, ``<script src="https://support.example.ru/widget.js" async></script>``;
the script (``static/widget.js``) puts a «Чат поддержки» button in the page's corner that opens
``/chat?embed=1`` in a frame. Who may frame the chat is ``channels.webchat.embed_origins``
(``config.yml``): the chat page sends ``Content-Security-Policy: frame-ancestors`` with
exactly those sites, so a page elsewhere cannot dress the chat up as its own.

The widget tells the chat which page the customer is reading; each message carries it, and the
operator sees «со страницы …» — the product the customer is asking about. The address comes from
the customer's browser, so it is kept only when it is a page of one of those sites
(:func:`page_of`): the console can link to it without linking to anything a visitor typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

STATIC = Path(__file__).parent / "static"
MAX_URL = 1000
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the company's site the customer wrote from."""

    url: str
    title: str


def chat_headers(origins: Sequence[str]) -> dict[str, str]:
    """The chat page's headers: framed only by our own pages and the configured sites."""
    ancestors = " ".join(["'self'", *origins])
    return {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def page_of(url: object, title: object, origins: Sequence[str]) -> Page | None:
    """The page a customer says they are on, if it is one of ``origins``' pages."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    if origin not in origins:
        return None
    shown = " ".join(title.split())[:MAX_TITLE] if isinstance(title, str) else ""
    return Page(url=url, title=shown)


async def widget_script(request: Request) -> Response:
    """``/widget.js``: the same script for every site, so browsers may cache it a while."""
    return Response(
        (STATIC / "widget.js").read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "cross-origin",  # also on sites that isolate
            "X-Content-Type-Options": "nosniff",
        },
    )
