"""The console's customer actions (``/api/v1/customers/{id}/…``) and a conversation's
transcript: erase (admins), block and unblock, merge two cards and undo that, the team's notes
about the customer, «Скачать переписку». Operators and admins; editors get 403.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import blocking, customer_notes, merging, privacy, transcript, unmerging
from handoff.errors import HandoffError
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console, error, json_body, str_field
from handoff.web.security import guarded


def customer_routes(console: Console) -> list[BaseRoute]:
    service = console.service
    agents = guarded(console.sessions, CONSOLE_ROLES)
    admins = guarded(console.sessions, ("admin",))

    @admins
    async def forget_customer(request: Request, operator: Operator) -> Response:
        try:
            report = await privacy.forget_customer(
                service, int(request.path_params["id"]), operator
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "erased": dataclasses.asdict(report)})

    @agents
    async def block_customer(request: Request, operator: Operator) -> Response:
        try:
            closed = await blocking.block(service, int(request.path_params["id"]), operator)
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "closed": closed})

    @agents
    async def unblock_customer(request: Request, operator: Operator) -> Response:
        try:
            await blocking.unblock(service, int(request.path_params["id"]), operator)
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True})

    @agents
    async def merge_customer(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            other = data.get("customer_id")
            if isinstance(other, bool) or not isinstance(other, int):
                raise HandoffError("Укажите клиента, с которым объединить.", "bad_customer")
            merged = await merging.merge(service, int(request.path_params["id"]), other, operator)
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, **dataclasses.asdict(merged)})

    @agents
    async def list_joins(request: Request, operator: Operator) -> Response:
        try:
            found = await unmerging.joins(service, int(request.path_params["id"]))
        except HandoffError as exc:
            return error(exc)
        return JSONResponse(
            {"joins": [{**dataclasses.asdict(join), "at": join.at.isoformat()} for join in found]}
        )

    @agents
    async def undo_join(request: Request, operator: Operator) -> Response:
        try:
            undone = await unmerging.unmerge(
                service,
                int(request.path_params["id"]),
                int(request.path_params["merge_id"]),
                operator,
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, **dataclasses.asdict(undone)})

    @agents
    async def add_customer_note(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            note = await customer_notes.add(
                service, int(request.path_params["id"]), operator, str_field(data, "text")
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "note": note.to_json()})

    @agents
    async def delete_customer_note(request: Request, operator: Operator) -> Response:
        try:
            await customer_notes.delete(
                service,
                int(request.path_params["id"]),
                int(request.path_params["note_id"]),
                operator,
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True})

    @agents
    async def download_transcript(request: Request, operator: Operator) -> Response:
        conversation_id = int(request.path_params["id"])
        handoff_config = console.brain().config.handoff
        async with console.db.read() as session:
            text = await transcript.transcript(
                session, conversation_id, ZoneInfo(handoff_config.working_hours.timezone)
            )
        if text is None:
            return JSONResponse(
                {"error": "conversation_not_found", "message": "Диалог не найден."}, status_code=404
            )
        return Response(
            text.encode("utf-8"),
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="dialog-{conversation_id}.txt"',
                "Cache-Control": "no-store",
            },
        )

    base = "/api/v1"
    return [
        Route(f"{base}/conversations/{{id:int}}/transcript.txt", download_transcript),
        Route(f"{base}/customers/{{id:int}}/forget", forget_customer, methods=["POST"]),
        Route(f"{base}/customers/{{id:int}}/block", block_customer, methods=["POST"]),
        Route(f"{base}/customers/{{id:int}}/unblock", unblock_customer, methods=["POST"]),
        Route(f"{base}/customers/{{id:int}}/merge", merge_customer, methods=["POST"]),
        Route(f"{base}/customers/{{id:int}}/merges", list_joins),
        Route(
            f"{base}/customers/{{id:int}}/merges/{{merge_id:int}}/undo",
            undo_join,
            methods=["POST"],
        ),
        Route(f"{base}/customers/{{id:int}}/notes", add_customer_note, methods=["POST"]),
        Route(
            f"{base}/customers/{{id:int}}/notes/{{note_id:int}}",
            delete_customer_note,
            methods=["DELETE"],
        ),
    ]
