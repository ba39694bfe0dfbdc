"""The editor's «Таблица»: the knowledge base as a spreadsheet, out and back in.

* ``GET /api/v1/editor/kb.csv`` — every entry as CSV (``knowledge_base.table``);
* ``POST /api/v1/editor/table?check=1`` — the edited file's bytes (``Content-Type: text/csv``,
  the CSRF header like every change): what importing it would change, row by row, or what is
  wrong with which row; nothing is written;
* ``POST /api/v1/editor/table`` — the same file, imported through the validated, gated reload
  (``handoff.kb_import``): 200 when live, 422 when the reload refused it (files restored),
  400 when the table has errors.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import kb_import
from handoff.errors import HandoffError
from handoff.web.context import Console, error
from handoff.web.security import guarded
from knowledge_base.table import MAX_BYTES, TableError, TableRow, export_table, read_table


async def _table(request: Request) -> list[TableRow]:
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind not in (
        "text/csv",
        "text/plain",
        "application/vnd.ms-excel",
        "text/tab-separated-values",
    ):
        raise HandoffError(
            "Загрузите таблицу в формате CSV (Content-Type: text/csv).", "bad_content_type"
        )
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise HandoffError("Нужен заголовок Content-Length.", "length_required")
    if int(declared) > MAX_BYTES:
        raise HandoffError(f"Файл больше {MAX_BYTES // 1_000_000} МБ.", "too_large")
    try:
        return read_table(await request.body())
    except TableError as exc:
        raise HandoffError(exc.message, "invalid_table") from None


def kb_table_routes(console: Console, roles: tuple[str, ...]) -> list[BaseRoute]:
    editors = guarded(console.sessions, roles)

    @editors
    async def export(request: Request, operator: Operator) -> Response:
        entries = console.brain().kb.entries.values()
        return Response(
            export_table(entries),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="knowledge-base.csv"; '
                "filename*=UTF-8''%D0%B1%D0%B0%D0%B7%D0%B0-%D0%B7%D0%BD%D0%B0%D0%BD%D0%B8%D0%B9.csv",
                "Cache-Control": "no-store",
            },
        )

    @editors
    async def import_table(request: Request, operator: Operator) -> Response:
        try:
            rows = await _table(request)
            if request.query_params.get("check"):
                planned = await kb_import.plan_for(console.db, console.brain(), rows, operator.id)
                return JSONResponse(planned.as_json())
            if console.reload is None:
                return JSONResponse(
                    {"error": "unavailable", "message": "Изменение контента здесь недоступно."},
                    status_code=503,
                )
            planned, result = await kb_import.apply(
                console.db, console.brain, console.reload, rows, operator.id
            )
        except HandoffError as exc:
            return error(exc)
        body = {**result.to_json(), "plan": planned.as_json()}
        return JSONResponse(body, status_code=200 if result.ok else 422)

    base = "/api/v1/editor"
    return [
        Route(f"{base}/kb.csv", export, methods=["GET"]),
        Route(f"{base}/table", import_table, methods=["POST"]),
    ]
