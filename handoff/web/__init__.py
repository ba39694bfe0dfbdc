"""The operator console and its JSON API, mounted by :func:`bot.web.app.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from handoff.failed_inbox import FailedInbox
from handoff.service import HandoffService
from handoff.waiting import WaitingNotices
from handoff.web.accounts import account_routes
from handoff.web.api import api_routes
from handoff.web.availability import availability_routes
from handoff.web.content import content_routes
from handoff.web.context import Console
from handoff.web.customers import customer_routes
from handoff.web.editor import editor_routes
from handoff.web.failed_inbox import failed_inbox_routes
from handoff.web.labels import label_routes
from handoff.web.media import media_routes
from handoff.web.pages import page_routes
from handoff.web.replies import reply_routes

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = ["Console", "console_routes", "routes"]


def routes(console: Console) -> list[BaseRoute]:
    return [
        *page_routes(console),
        *api_routes(console),
        *media_routes(console),
        *content_routes(console),
        *editor_routes(console),
        *reply_routes(console),
        *availability_routes(console),
        *account_routes(console),
        *label_routes(console),
        *customer_routes(console),
        *failed_inbox_routes(console),
    ]


def console_routes(runtime: Runtime) -> list[BaseRoute]:
    from bot.assemble import secret_bytes
    from bot.reload import Edit, ReloadReport, reload

    async def reloader(edit: Edit | None = None) -> ReloadReport:
        return await reload(runtime, edit)

    service = HandoffService.from_runtime(runtime)
    runtime.every_round(service.close_silent)  # conversations the customer left
    runtime.every_round(service.return_passed_on)  # passed to a team nobody took
    notices = WaitingNotices(
        runtime.db,
        runtime.bus,
        lambda: (runtime.engine.brain.config.handoff, runtime.engine.brain.domain),
        runtime.outbox.wake,
    )
    runtime.every_round(notices.run)  # customers waiting longer than they were told
    console = Console(
        db=runtime.db,
        bus=runtime.bus,
        service=service,
        brain=lambda: runtime.engine.brain,
        secret=secret_bytes(runtime.settings, runtime.project.root),
        channels=runtime.channels,
        reload=reloader,
        content_root=runtime.project.root,
        # A retried event goes the way every stored event goes (the webhooks', the recovery
        # loop's): processed, or its failure counted and the event marked failed again.
        failed_inbox=FailedInbox(runtime.db, runtime.process_logged, runtime.channels),
    )
    return routes(console)
