"""The JSON API (``/api/v1``): the console's own client and integrations use the same calls.

Every endpoint goes through :func:`handoff.web.security.guarded`; integrations log in with
``POST /api/v1/session`` and send the returned CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.models import Conversation, Operator, utcnow
from handoff import finder, kb_search, login_guard, metrics, routing, views
from handoff.auth import hash_password, needs_rehash, verify_password
from handoff.errors import Forbidden, HandoffError
from handoff.live import snapshot
from handoff.metrics_csv import to_csv
from handoff.metrics_period import period
from handoff.service import CONSOLE_ROLES
from handoff.web.context import Console, error, int_field, json_body, str_field
from handoff.web.openapi import OPENAPI
from handoff.web.security import ACCOUNT_DISABLED, guarded
from handoff.web.sse import events_endpoint

ALL_ROLES = ("admin", "editor", "operator")


def client_address(request: Request) -> str:
    """The client's IP (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else ""


def operator_json(operator: Operator, active: int | None = None) -> dict[str, Any]:
    return {
        "id": operator.id,
        "username": operator.username,
        "name": operator.display_name,
        "role": operator.role,
        "status": operator.status,
        "capacity": operator.capacity,
        "teams": list(operator.teams or []),
        "active_conversations": active,
    }


def auto_away_json(operator: Operator, grace_seconds: float) -> dict[str, Any] | None:
    """Why the operator is «Не на месте» when the server set it: every console was closed or
    unreachable for ``grace_seconds`` (``handoff.presence_grace_seconds``) since ``at``."""
    if operator.status != "away" or operator.auto_away_at is None:
        return None
    return {"at": operator.auto_away_at.isoformat(), "after_seconds": grace_seconds}


async def login(
    console: Console, username: str, password: str, address: str = ""
) -> Operator | None:
    """Check credentials; a successful login marks an operator online and drains the queue.

    An admin is not put to work by logging in (often it is only to read the statistics): from
    «Не в сети» an admin becomes «Не на месте», present but out of rotation, and goes online only
    by choosing «В сети»; a status the admin already has (another tab) is kept. Editors have
    no presence at all (docs/handoff.md, «Presence»).

    :class:`AccountDisabled` for the right password of a switched-off account (a wrong one
    is only «wrong», whether the account is on or off).

    :class:`login_guard.TooManyAttempts` after too many wrong passwords for this account from
    this ``address``, for this account from anywhere, or from this address over several
    accounts (checked before the password, so a locked login costs no hash)."""
    username = username.strip().lower()[:64]
    now = utcnow()
    async with console.db.read() as session:
        await login_guard.check(session, username, address, now)
        operator = await session.scalar(select(Operator).where(Operator.username == username))
    if operator is None or not verify_password(operator.password_hash, password):
        async with console.db.write() as session:
            await login_guard.failed(session, username, address, now)
        return None
    if not operator.active:  # said only to whoever knows the password
        raise AccountDisabled(ACCOUNT_DISABLED)
    async with console.db.write() as session:
        await login_guard.succeeded(session, username, address)
    if needs_rehash(operator.password_hash):  # hashing parameters were raised since
        async with console.db.write() as session:
            stored = await session.get(Operator, operator.id)
            if stored is not None:
                stored.password_hash = hash_password(password)
    status = login_status(operator)
    if status is not None:
        await console.service.set_status(operator.id, status)
        operator.status = status
    return operator


class AccountDisabled(Exception):
    """The right password of an account an administrator switched off."""


def login_status(operator: Operator) -> str | None:
    """The presence a login gives ``operator``, or ``None`` to leave it as it is."""
    if operator.role == "operator":
        return "online"  # logging in means being at work
    if operator.role in CONSOLE_ROLES and operator.status == "offline":
        return "away"  # an admin: present, but customers are not routed here until «В сети»
    return None


def api_routes(console: Console) -> list[BaseRoute]:
    sessions = console.sessions
    service = console.service
    agents = guarded(sessions, CONSOLE_ROLES)
    anyone = guarded(sessions, ALL_ROLES)
    admins = guarded(sessions, ("admin",))

    async def create_session(request: Request) -> Response:
        try:
            data = await json_body(request)
            username, password = str_field(data, "username"), str_field(data, "password")
        except HandoffError as exc:
            return error(exc)
        try:
            operator = await login(console, username, password, client_address(request))
        except login_guard.TooManyAttempts as exc:
            return JSONResponse(
                {"error": "too_many_attempts", "message": exc.message}, status_code=429
            )
        except AccountDisabled as exc:
            return JSONResponse({"error": "account_disabled", "message": str(exc)}, status_code=403)
        if operator is None:
            return JSONResponse(
                {"error": "bad_credentials", "message": "Неверное имя пользователя или пароль."},
                status_code=401,
            )
        csrf = secrets.token_urlsafe(24)
        response = JSONResponse({"operator": operator_json(operator), "csrf": csrf})
        sessions.start(request, response, operator, csrf)
        return response

    @anyone
    async def me(request: Request, operator: Operator) -> Response:
        grace = console.brain().config.handoff.presence_grace_seconds
        return JSONResponse(
            {
                "operator": operator_json(operator),
                "auto_away": auto_away_json(operator, grace),
                "csrf": request.state.csrf,
            }
        )

    @anyone
    async def delete_session(request: Request, operator: Operator) -> Response:
        if operator.role in CONSOLE_ROLES:
            await service.set_status(operator.id, "offline")
        response = JSONResponse({"ok": True})
        sessions.end(response)
        return response

    @agents
    async def set_status(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            released = await service.set_status(operator.id, str_field(data, "status"))
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"status": data["status"], "released": released})

    @agents
    async def list_conversations(request: Request, operator: Operator) -> Response:
        """``?view=mine`` one list; ``?views=queued,mine,team,all`` several, in one answer."""
        several = request.query_params.get("views")
        names = (
            several.split(",")
            if several is not None
            else [request.query_params.get("view", "queued")]
        )
        if not all(name in views.VIEWS for name in names):
            return error(HandoffError("Неизвестный список.", "bad_view"))
        async with console.db.read() as session:
            lists = await views.list_views(session, names, operator, console.sla_clock)
        titles = console.brain().config.handoff.team_titles
        for items in lists.values():
            for item in items:
                item["team_title"] = titles.get(item["team"], item["team"])
        now = utcnow().isoformat()
        if several is not None:
            return JSONResponse({"views": lists, "now": now})
        [(view, items)] = lists.items()
        return JSONResponse({"view": view, "now": now, "conversations": items})

    @agents
    async def read_conversation(request: Request, operator: Operator) -> Response:
        async with console.db.read() as session:
            item = await views.conversation_detail(
                session, int(request.path_params["id"]), console.sla_clock
            )
        if item is None:
            return JSONResponse(
                {"error": "conversation_not_found", "message": "Диалог не найден."}, status_code=404
            )
        item["now"] = utcnow().isoformat()
        titles = console.brain().config.handoff.team_titles
        item["team_title"] = titles.get(item["team"], item["team"])
        if item.get("handover") and item["handover"].get("team"):
            team = item["handover"]["team"]
            item["handover"]["team_title"] = titles.get(team, team)
        brain = console.brain()
        kb = brain.kb
        # Operators read «Как вернуть товар», not «return_goods»; a guess that is an entry of
        # the knowledge base brings its answer (as the customer's messenger gets it), which
        # «Вставить» puts into the reply.
        for guess in item.get("guesses", []):
            guess["title"] = views.guess_title(brain, guess.get("intent"))
            entry = kb.get(guess.get("intent") or "")
            if entry is not None:
                guess["answer"] = entry.render(item.get("channel")).text
        for message in item.get("messages", []):
            nlu = message.get("nlu") or {}
            for guess in [*nlu.get("ranking", []), *nlu.get("parts", [])]:
                guess["title"] = views.guess_title(brain, guess.get("intent"))
            if message.get("faq"):
                message["faq_title"] = views.intent_title(kb, message["faq"])
        return JSONResponse(item)

    def action(name: str) -> Any:
        @agents
        async def endpoint(request: Request, operator: Operator) -> Response:
            conversation_id = int(request.path_params["id"])
            try:
                data = await json_body(request)
                result = await _perform(console, name, conversation_id, operator, data)
            except HandoffError as exc:
                return error(exc)
            return JSONResponse({"ok": True, **result})

        return endpoint

    @agents
    async def list_operators(request: Request, operator: Operator) -> Response:
        async with console.db.read() as session:
            rows = (
                await session.scalars(
                    select(Operator)
                    .where(Operator.active.is_(True))
                    .order_by(Operator.display_name)
                )
            ).all()
            loads = {
                load.operator.id: load.active for load in await routing.operator_loads(session)
            }
        return JSONResponse(
            {
                "operators": [
                    operator_json(op, loads.get(op.id)) for op in rows if op.role in CONSOLE_ROLES
                ]
            }
        )

    @agents
    async def list_teams(request: Request, operator: Operator) -> Response:
        brain = console.brain()
        titles = brain.config.handoff.team_titles
        async with console.db.read() as session:
            teams = await routing.known_teams(session, brain.config.handoff, brain.kb)
        ordered = sorted(teams, key=lambda t: (titles.get(t) or t).lower())
        return JSONResponse({"teams": ordered, "titles": {t: titles.get(t, t) for t in ordered}})

    @agents
    async def find_conversations(request: Request, operator: Operator) -> Response:
        query = request.query_params.get("q", "")
        async with console.db.read() as session:
            found = await finder.find(session, query, console.brain().config.handoff.labels)
            rows = (
                await session.scalars(
                    select(Conversation).where(
                        Conversation.id.in_([f.conversation_id for f in found])
                    )
                )
            ).all()
            by_id = {c.id: c for c in rows}
            items = await views.summaries(
                session,
                [by_id[f.conversation_id] for f in found if f.conversation_id in by_id],
                console.sla_clock,
            )
        matches = {f.conversation_id: f for f in found}
        titles = console.brain().config.handoff.team_titles
        results = []
        for item in items:
            item["team_title"] = titles.get(item["team"], item["team"])
            results.append(finder.as_json(item, matches[item["id"]]))
        return JSONResponse({"query": query, "conversations": results})

    @anyone
    async def search_kb(request: Request, operator: Operator) -> Response:
        brain = console.brain()
        query = request.query_params.get("q", "")[:200]
        results = kb_search.search(
            brain.kb, query, nlu=brain.nlu, channel=request.query_params.get("channel")
        )
        return JSONResponse({"query": query, "results": results})

    async def _metrics(request: Request) -> dict[str, Any]:
        brain = console.brain()
        config = brain.config.handoff
        timezone = config.working_hours.timezone
        asked = period(request.query_params, timezone, utcnow())
        async with console.db.read() as session:
            data = await metrics.compute(
                session,
                asked.since,
                asked.until,
                brain=brain,
                timezone=timezone,
                goal_seconds=config.sla_first_response_seconds,
                hours=None
                if config.working_hours.always_open or not config.sla_in_working_hours
                else config.working_hours,
            )
        return {"period": asked.as_json(), "slug": asked.slug, **data}

    @admins
    async def get_metrics(request: Request, operator: Operator) -> Response:
        try:
            return JSONResponse(await _metrics(request))
        except HandoffError as exc:
            return error(exc)

    @admins
    async def get_metrics_csv(request: Request, operator: Operator) -> Response:
        try:
            data = await _metrics(request)
        except HandoffError as exc:
            return error(exc)
        name = f"zabota-stats-{data['slug']}-{utcnow():%Y-%m-%d}.csv"
        return Response(
            to_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @admins
    async def get_live(request: Request, operator: Operator) -> Response:
        now = utcnow()
        config = console.brain().config.handoff
        async with console.db.read() as session:
            live = await snapshot(session, config, now)
        # The team's time zone, the one the period's local times use: «обновлено в 22:05».
        timezone = config.working_hours.timezone
        return JSONResponse(
            {"now": now.isoformat(), "timezone": timezone, **dataclasses.asdict(live)}
        )

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    base = "/api/v1"
    return [
        Route(f"{base}/openapi.json", openapi),
        Route(f"{base}/session", create_session, methods=["POST"]),
        Route(f"{base}/session", delete_session, methods=["DELETE"]),
        Route(f"{base}/me", me),
        Route(f"{base}/me/status", set_status, methods=["POST"]),
        Route(f"{base}/conversations", list_conversations),
        Route(f"{base}/conversations/{{id:int}}", read_conversation),
        *(
            Route(f"{base}/conversations/{{id:int}}/{name}", action(name), methods=["POST"])
            for name in ("reply", "notes", "assign", "transfer", "close", "return", "typing")
        ),
        Route(f"{base}/operators", list_operators),
        Route(f"{base}/teams", list_teams),
        Route(f"{base}/kb/search", search_kb),
        Route(f"{base}/search", find_conversations),
        Route(f"{base}/metrics", get_metrics),
        Route(f"{base}/metrics.csv", get_metrics_csv),
        Route(f"{base}/metrics/live", get_live),
        Route(f"{base}/events", agents(events_endpoint(console))),
    ]


async def _perform(
    console: Console, name: str, conversation_id: int, operator: Operator, data: dict[str, Any]
) -> dict[str, Any]:
    service = console.service
    if name == "reply":
        return {
            "message_id": await service.reply(conversation_id, operator.id, str_field(data, "text"))
        }
    if name == "notes":
        return {
            "message_id": await service.note(conversation_id, operator.id, str_field(data, "text"))
        }
    if name == "assign":
        target = int_field(data, "operator_id") or operator.id
        if target != operator.id and operator.role != "admin":
            raise Forbidden("Назначать диалоги другим может только администратор.", "forbidden")
        await service.take(conversation_id, target)
        return {"operator_id": target}
    if name == "transfer":
        result = await service.transfer(
            conversation_id,
            operator.id,
            to_operator_id=int_field(data, "operator_id"),
            to_team=str_field(data, "team") or None,
            note=str_field(data, "note"),
        )
        return {"warning": result.warning}
    if name == "close":
        await service.close(conversation_id, operator.id)
        return {}
    if name == "typing":
        channel, chat_id = await service.typing_target(conversation_id, operator.id)
        return {"sent": console.typing.relay(conversation_id, channel, chat_id)}
    await service.return_to_bot(conversation_id, operator.id)
    return {}
