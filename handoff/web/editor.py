"""The content editor's page (``/console/editor``) and its JSON API (``/api/v1/editor/…``).

Editors and admins only (operators get 403); every POST is CSRF-checked by
:func:`handoff.web.security.guarded` and accepts only ``application/json``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Operator
from handoff import (
    bot_phrases,
    editor,
    editor_helpful,
    entry_deletion,
    flow_texts,
    new_entries,
    revisions,
    teaching,
)
from handoff.editor_refusals import entry_gone
from handoff.errors import HandoffError, NotFound
from handoff.new_entries import AnsweredElsewhere
from handoff.new_entry_checks import EntryProblems
from handoff.teaching import Reloader
from handoff.web.context import Console, error, json_body, str_field
from handoff.web.kb_table import kb_table_routes
from handoff.web.pages import render
from handoff.web.security import guarded

EDITOR_ROLES = ("admin", "editor")


def _base(data: dict[str, Any]) -> str | None:
    """The text the page loaded before the editor changed it (``base``), or ``None`` when the
    client sent none (then the save is not checked against concurrent changes)."""
    return str_field(data, "base") if data.get("base") is not None else None


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        value = default
    return max(low, min(value, high))


async def _content_change(
    console: Console,
    request: Request,
    run: Callable[[dict[str, Any], Reloader], Awaitable[teaching.TeachResult]],
) -> Response:
    """A change to the content files (teach, rewrite an answer, create an entry): 503 where
    this process cannot reload, the refusal's status for a bad request, 200 when live and 422
    when the reload refused it (the file is restored)."""
    if console.reload is None:
        return JSONResponse(
            {"error": "unavailable", "message": "Изменение контента здесь недоступно."},
            status_code=503,
        )
    try:
        result = await run(await json_body(request), console.reload)
    except teaching.ChangedConflict as exc:
        # the text as it is now, so the page can show it next to the editor's draft
        return JSONResponse(
            {"error": exc.code, "message": exc.message, "current": exc.current}, status_code=409
        )
    except (AnsweredElsewhere, EntryProblems) as exc:  # the entry that answers it; each field's
        return JSONResponse(exc.to_json(), status_code=exc.status)
    except HandoffError as exc:
        return error(exc)
    return JSONResponse(result.to_json(), status_code=200 if result.ok else 422)


def editor_routes(console: Console) -> list[BaseRoute]:
    editors = guarded(console.sessions, EDITOR_ROLES)
    editor_pages = guarded(console.sessions, EDITOR_ROLES, page=True)

    @editor_pages
    async def page(request: Request, operator: Operator) -> Response:
        return render(
            "editor.html",
            operator=operator,
            csrf=request.state.csrf,
            is_admin=operator.role == "admin",
        )

    @editors
    async def list_unanswered(request: Request, operator: Operator) -> Response:
        days = _int(request, "days", 30, 1, 365)
        limit = _int(request, "limit", 50, 1, 200)
        offset = _int(request, "offset", 0, 0, 100_000)
        query = request.query_params.get("q", "")[:200]
        async with console.db.read() as session:
            found = await editor.unanswered(
                session, console.brain(), days=days, query=query, limit=limit, offset=offset
            )
        return JSONResponse(
            {
                "days": days,
                "limit": limit,
                "offset": offset,
                "total": found.total,
                "items": [item.to_json() for item in found.items],
            }
        )

    @editors
    async def list_helpfulness(request: Request, operator: Operator) -> Response:
        days = _int(request, "days", 30, 1, 365)
        async with console.db.read() as session:
            found = await editor_helpful.helpfulness(session, console.brain(), days=days)
        return JSONResponse({"days": days, "entries": [item.to_json() for item in found]})

    @editors
    async def list_history(request: Request, operator: Operator) -> Response:
        limit = _int(request, "limit", 50, 1, 200)
        async with console.db.read() as session:
            items = await editor.history(
                session, console.brain(), console.content_root, limit=limit
            )
        return JSONResponse({"items": items})

    @editors
    async def show_revision(request: Request, operator: Operator) -> Response:
        if console.content_root is None:
            return JSONResponse({"undo": None, "files": []})
        try:
            found = await revisions.revision_of(
                console.db, console.content_root, int(request.path_params["action_id"])
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse(found)

    @editors
    async def revert(request: Request, operator: Operator) -> Response:
        root = console.content_root

        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            action_id = data.get("action_id")
            if isinstance(action_id, bool) or not isinstance(action_id, int):
                raise HandoffError("Номер строки журнала — целое число.", "bad_action")
            if root is None:
                raise HandoffError("Изменение контента здесь недоступно.", "unavailable")
            brain = console.brain()
            return await revisions.revert(
                console.db,
                console.brain,
                reload,
                root,
                action_id=action_id,
                operator_id=operator.id,
                describe=lambda action: editor.describe(brain, action),
            )

        return await _content_change(console, request, run)

    @editors
    async def list_entries(request: Request, operator: Operator) -> Response:
        brain = console.brain()
        return JSONResponse(
            {
                "entries": editor.entries_json(brain),
                "categories": list(new_entries.categories(brain)),
            }
        )

    @editors
    async def create_entry(request: Request, operator: Operator) -> Response:
        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            questions = data.get("questions")
            if not isinstance(questions, list):
                questions = [str_field(data, "question")]
            return await new_entries.create_entry(
                console.db,
                console.brain,
                reload,
                title=str_field(data, "title"),
                category=str_field(data, "category"),
                questions=[str(q) for q in questions][:100],
                answer=str_field(data, "answer"),
                operator_id=operator.id,
                force=data.get("force") is True,
            )

        return await _content_change(console, request, run)

    @editors
    async def teach(request: Request, operator: Operator) -> Response:
        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            return await teaching.teach(
                console.db,
                console.brain,
                reload,
                text=str_field(data, "text"),
                entry_id=str_field(data, "entry_id"),
                operator_id=operator.id,
                force=data.get("force") is True,
            )

        return await _content_change(console, request, run)

    @editors
    async def show_entry(request: Request, operator: Operator) -> Response:
        entry_id = request.path_params["entry_id"]
        try:
            return JSONResponse(teaching.entry_json(console.brain(), entry_id))
        except NotFound:  # deleted meanwhile: by whom and when, as the journal knows
            return error(await entry_gone(console.db, console.brain(), entry_id))
        except HandoffError as exc:
            return error(exc)

    @editors
    async def edit_answer(request: Request, operator: Operator) -> Response:
        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            return await teaching.edit_answer(
                console.db,
                console.brain,
                reload,
                entry_id=str_field(data, "entry_id"),
                answer=str_field(data, "answer"),
                operator_id=operator.id,
                base=_base(data),
            )

        return await _content_change(console, request, run)

    @editors
    async def remove_question(request: Request, operator: Operator) -> Response:
        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            return await teaching.remove_question(
                console.db,
                console.brain,
                reload,
                entry_id=str_field(data, "entry_id"),
                question=str_field(data, "question"),
                operator_id=operator.id,
            )

        return await _content_change(console, request, run)

    @editors
    async def deletion_plan(request: Request, operator: Operator) -> Response:
        entry_id = request.path_params["entry_id"]
        try:
            found = await entry_deletion.plan(
                console.db, console.brain(), console.content_root, entry_id
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse(found.to_json())

    @editors
    async def delete_entry(request: Request, operator: Operator) -> Response:
        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            return await entry_deletion.delete(
                console.db,
                console.brain,
                reload,
                entry_id=str_field(data, "entry_id"),
                version=str_field(data, "version") or None,
                operator_id=operator.id,
            )

        return await _content_change(console, request, run)

    @editors
    async def list_flows(request: Request, operator: Operator) -> Response:
        if console.content_root is None:
            return JSONResponse({"flows": []})
        return JSONResponse({"flows": flow_texts.flows_json(console.brain(), console.content_root)})

    @editors
    async def edit_flow_text(request: Request, operator: Operator) -> Response:
        root = console.content_root

        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            if root is None:
                raise HandoffError("Изменение контента здесь недоступно.", "unavailable")
            return await flow_texts.edit_flow_text(
                console.db,
                console.brain,
                reload,
                root,
                flow_id=str_field(data, "flow_id"),
                step_id=str_field(data, "step_id"),
                field=str_field(data, "field"),
                text=str_field(data, "text"),
                operator_id=operator.id,
                base=_base(data),
            )

        return await _content_change(console, request, run)

    @editors
    async def list_phrases(request: Request, operator: Operator) -> Response:
        if console.content_root is None:
            return JSONResponse({"phrases": []})
        found = bot_phrases.phrases_json(console.brain(), console.content_root)
        return JSONResponse({"phrases": found})

    @editors
    async def edit_phrase(request: Request, operator: Operator) -> Response:
        root = console.content_root

        async def run(data: dict[str, Any], reload: Reloader) -> teaching.TeachResult:
            if root is None:
                raise HandoffError("Изменение контента здесь недоступно.", "unavailable")
            index = data.get("index")
            if isinstance(index, bool) or not isinstance(index, int):
                raise HandoffError("Номер варианта — целое число.", "bad_index")
            return await bot_phrases.edit_phrase(
                console.db,
                console.brain,
                reload,
                root,
                name=str_field(data, "name"),
                index=index,
                text=str_field(data, "text"),
                operator_id=operator.id,
                base=_base(data),
            )

        return await _content_change(console, request, run)

    @editors
    async def dismiss(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            key = await editor.dismiss(console.db, str_field(data, "text"), operator.id)
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "key": key})

    @editors
    async def resolve(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            message = await editor.resolve(
                console.db, console.brain(), str_field(data, "text"), operator.id
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "message": message})

    @editors
    async def try_bot(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            channel = str_field(data, "channel") or None
            result = editor.try_text(console.brain(), str_field(data, "text"), channel)
        except HandoffError as exc:
            return error(exc)
        return JSONResponse(result)

    base = "/api/v1/editor"
    return [
        Route("/console/editor", page),
        Route(f"{base}/unanswered", list_unanswered),
        Route(f"{base}/helpfulness", list_helpfulness),
        Route(f"{base}/history", list_history),
        Route(f"{base}/revert", revert, methods=["POST"]),
        Route(f"{base}/revisions/{{action_id:int}}", show_revision),
        Route(f"{base}/entries", list_entries, methods=["GET"]),
        Route(f"{base}/entries", create_entry, methods=["POST"]),
        Route(f"{base}/entries/{{entry_id}}", show_entry),
        Route(f"{base}/entries/{{entry_id}}/deletion", deletion_plan),
        Route(f"{base}/delete-entry", delete_entry, methods=["POST"]),
        Route(f"{base}/answer", edit_answer, methods=["POST"]),
        Route(f"{base}/remove-question", remove_question, methods=["POST"]),
        Route(f"{base}/flows", list_flows),
        Route(f"{base}/flow-text", edit_flow_text, methods=["POST"]),
        Route(f"{base}/phrases", list_phrases),
        Route(f"{base}/phrase", edit_phrase, methods=["POST"]),
        Route(f"{base}/teach", teach, methods=["POST"]),
        Route(f"{base}/dismiss", dismiss, methods=["POST"]),
        Route(f"{base}/resolve", resolve, methods=["POST"]),
        Route(f"{base}/try", try_bot, methods=["POST"]),
        *kb_table_routes(console, EDITOR_ROLES),
    ]
