"""The one ASGI app ``zabota run`` serves: web chat, webhooks, operator console, health."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot import heap
from bot.channels import webchat as webchat_channel
from bot.files import file_routes
from bot.runtime import Runtime
from bot.storage import inbound
from bot.web import embed
from bot.web.demo_site import demo_routes

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"

ExtraRoutes = Callable[[Runtime], list[BaseRoute]]


def create_app(
    runtime: Runtime,
    *,
    extra: list[ExtraRoutes] | None = None,
    manage_runtime: bool = True,
    freeze_heap: bool = False,
    migrate: bool = True,
    demo_site: str | None = None,
) -> Starlette:
    """Build the app. With ``manage_runtime`` the app's lifespan starts and stops the runtime.

    ``freeze_heap`` (serving processes: ``zabota run``) moves everything alive once the runtime
    has started out of the garbage collector's way (:mod:`bot.heap`). ``migrate=False``: the
    schema is already up to date (the workers of ``--workers N``, migrated by their parent).
    ``demo_site`` (``zabota run --demo``): the address served; the demo shop's pages with the
    chat widget are at ``/demo`` (:mod:`bot.web.demo_site`).
    """

    async def healthz(request: Request) -> Response:
        try:
            async with runtime.db.read() as session:
                await session.execute(text("SELECT 1"))
                failed = await inbound.count_failed(session)
        except Exception as exc:
            log.warning("health check: database unavailable: %s", exc)
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
        body: dict[str, object] = {
            "status": "ok",
            "database": "sqlite" if runtime.db.is_sqlite else "postgresql",
            "channels": sorted(runtime.channels),
            "faq_entries": len(runtime.brain.kb),
        }
        if failed:  # customer events given up on (bot.runtime.MAX_ATTEMPTS): an admin looks
            body["inbox_failed"] = failed
        if runtime.cluster is not None:  # one of several workers: is its link to them up?
            body["cluster"] = "connected" if runtime.cluster.connected else "reconnecting"
        if problems := runtime.starter.problems:  # a messenger not (yet) started: still serving
            body["status"], body["channels_down"] = "degraded", problems
        return JSONResponse(body)

    page = (STATIC / "chat.html").read_text(encoding="utf-8")

    async def chat_page(request: Request) -> Response:
        webchat = runtime.brain.config.channels.webchat  # read now: a reload may change it
        title = html.escape(webchat.title)
        return HTMLResponse(
            # The longest message the server takes (the chat says so before sending, not cut).
            page.replace("{{title}}", title).replace("{{max_text}}", str(webchat_channel.MAX_TEXT)),
            headers=embed.chat_headers(webchat.embed_origins),
        )

    async def index(request: Request) -> Response:
        return RedirectResponse("/chat", status_code=307)

    async def favicon(request: Request) -> Response:
        # Browsers ask every page's origin for it; a 404 was an error in every console.
        return Response(
            FAVICON,
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/favicon.ico", favicon),
        Route("/chat", chat_page),
        Route("/widget.js", embed.widget_script),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *file_routes(runtime.db),
    ]
    for channel in runtime.channels.values():
        routes.extend(channel.routes(runtime.submit))
    for add in extra if extra is not None else default_extras():
        routes.extend(add(runtime))
    if demo_site is not None:
        routes.extend(demo_routes(runtime, demo_site))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start(migrate=migrate)
        if freeze_heap:
            heap.freeze()
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app


FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<path fill="#1f6feb" d="M4 4h24a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3H13l-7 6v-6H4a3 3 0 0 1-3-3'
    'V7a3 3 0 0 1 3-3z"/><circle cx="10" cy="14" r="2" fill="#fff"/>'
    '<circle cx="16" cy="14" r="2" fill="#fff"/><circle cx="22" cy="14" r="2" fill="#fff"/></svg>'
)
"""The site's icon: a chat bubble in the chat's blue (SVG, which every current browser shows)."""


def default_extras() -> list[ExtraRoutes]:
    """The operator console, when its package provides routes."""
    extras: list[ExtraRoutes] = []
    try:
        from handoff.web import console_routes
    except ImportError:
        return extras
    extras.append(console_routes)
    return extras
