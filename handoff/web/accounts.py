"""«Сотрудники»: the administrator's page and ``/api/v1/accounts`` (:mod:`handoff.accounts`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.ownership import Owner
from bot.storage.models import Conversation, Operator
from handoff import routing
from handoff.accounts import ROLE_TITLES, AccountChange, Accounts, as_json
from handoff.errors import HandoffError
from handoff.web.context import Console, error, json_body, str_field
from handoff.web.pages import render
from handoff.web.security import guarded


def account_routes(console: Console) -> list[BaseRoute]:
    admins = guarded(console.sessions, ("admin",))
    admin_pages = guarded(console.sessions, ("admin",), page=True)
    accounts = Accounts(console.db, console.service)

    async def known_teams() -> set[str]:
        brain = console.brain()
        async with console.db.read() as session:
            return await routing.known_teams(session, brain.config.handoff, brain.kb)

    async def teams_json() -> dict[str, Any]:
        titles = console.brain().config.handoff.team_titles
        ordered = sorted(await known_teams(), key=lambda t: (titles.get(t) or t).lower())
        return {"teams": ordered, "team_titles": {t: titles.get(t, t) for t in ordered}}

    @admin_pages
    async def page(request: Request, operator: Operator) -> Response:
        return render("team.html", operator=operator, csrf=request.state.csrf)

    async def held() -> dict[int, int]:
        """How many conversations each operator holds (they go back to the queue when the
        account is switched off: «Отключить» says how many)."""
        async with console.db.read() as session:
            rows = await session.execute(
                select(Conversation.operator_id, func.count())
                .where(Conversation.owner == Owner.OPERATOR.value)
                .group_by(Conversation.operator_id)
            )
            return {int(op): int(n) for op, n in rows.all() if op is not None}

    @admins
    async def list_accounts(request: Request, operator: Operator) -> Response:
        found = await accounts.all()
        holding = await held()
        return JSONResponse(
            {
                "accounts": [{**as_json(a), "conversations": holding.get(a.id, 0)} for a in found],
                "roles": ROLE_TITLES,
                "me": operator.id,
                **await teams_json(),
            }
        )

    @admins
    async def add_account(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            fields = AccountChange.from_json(data)  # the same checks as a change
            created = await accounts.create(
                username=str_field(data, "username"),
                password=str_field(data, "password"),
                display_name=fields.display_name or "",
                role=fields.role or "operator",
                teams=fields.teams or [],
                capacity=3 if fields.capacity is None else fields.capacity,
                known_teams=await known_teams(),
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "account": as_json(created)}, status_code=201)

    @admins
    async def change_account(request: Request, operator: Operator) -> Response:
        try:
            data = await json_body(request)
            changed = await accounts.change(
                int(request.path_params["id"]),
                AccountChange.from_json(data),
                known_teams=await known_teams(),
                actor_id=operator.id,
            )
        except HandoffError as exc:
            return error(exc)
        return JSONResponse({"ok": True, "account": as_json(changed)})

    @admins
    async def set_password(request: Request, operator: Operator) -> Response:
        target = int(request.path_params["id"])
        try:
            data = await json_body(request)
            await accounts.set_password(target, str_field(data, "password"))
        except HandoffError as exc:
            return error(exc)
        # The sessions carry the old password's fingerprint: one's own ends too.
        return JSONResponse({"ok": True, "relogin": target == operator.id})

    base = "/api/v1/accounts"
    return [
        Route("/console/team", page),
        Route(base, list_accounts, methods=["GET"]),
        Route(base, add_account, methods=["POST"]),
        Route(f"{base}/{{id:int}}", change_account, methods=["PATCH"]),
        Route(f"{base}/{{id:int}}/password", set_password, methods=["POST"]),
    ]
