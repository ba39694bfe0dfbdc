"""HTML pages of the console: login, the operator workspace, the manager's statistics.

Pages are Jinja2 templates with autoescaping; everything dynamic after load is fetched from
the JSON API by ``static/console.js`` and put into the DOM as text, never as HTML.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.storage.models import Operator
from handoff import login_guard
from handoff.service import CONSOLE_ROLES
from handoff.web.api import ALL_ROLES, AccountDisabled, client_address, login
from handoff.web.context import Console
from handoff.web.security import ACCOUNT_DISABLED, guarded

HERE = Path(__file__).parent
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


def render(name: str, status: int = 200, **values: object) -> HTMLResponse:
    return HTMLResponse(
        templates.get_template(name).render(**values), status_code=status, headers=HEADERS
    )


def safe_next(value: str | None) -> str:
    """Only local console paths: a login link must not bounce the operator elsewhere."""
    if not value or not value.startswith("/console") or urlsplit(value).netloc or "\\" in value:
        return "/console"
    return value


def page_routes(console: Console) -> list[BaseRoute]:
    sessions = console.sessions
    anyone = guarded(sessions, ALL_ROLES, page=True)
    admins = guarded(sessions, ("admin",), page=True)

    async def login_page(request: Request) -> Response:
        token, cookie = sessions.login_token(request)
        # Sent here by an open console whose account was switched off (handoff/web/security.py).
        disabled = request.query_params.get("disabled") == "1"
        response = render(
            "login.html",
            csrf=token,
            next=safe_next(request.query_params.get("next")),
            error=ACCOUNT_DISABLED if disabled else None,
        )
        if cookie:
            sessions.set_login_cookie(request, response, cookie)
        return response

    async def login_submit(request: Request) -> Response:
        form = await request.form()
        submitted = str(form.get("csrf_token", ""))
        target = safe_next(str(form.get("next", "")))
        if sessions.check_login_token(request, submitted) is None:
            token, cookie = sessions.login_token(request)
            response = render(
                "login.html",
                403,
                csrf=token,
                next=target,
                error="Форма устарела, попробуйте ещё раз.",
            )
            if cookie:
                sessions.set_login_cookie(request, response, cookie)
            return response
        try:
            operator = await login(
                console,
                str(form.get("username", "")),
                str(form.get("password", "")),
                client_address(request),
            )
        except login_guard.TooManyAttempts as exc:
            return render(
                "login.html",
                429,
                csrf=submitted,
                next=target,
                error=exc.message,
                username=str(form.get("username", ""))[:64],
            )
        except AccountDisabled as exc:
            return render(
                "login.html",
                403,
                csrf=submitted,
                next=target,
                error=str(exc),
                username=str(form.get("username", ""))[:64],
            )
        if operator is None:
            return render(
                "login.html",
                401,
                csrf=submitted,
                next=target,
                error="Неверное имя пользователя или пароль.",
                username=str(form.get("username", ""))[:64],
            )
        redirect = RedirectResponse(target, status_code=303)
        sessions.start(request, redirect, operator)
        return redirect

    @anyone
    async def logout(request: Request, operator: Operator) -> Response:
        if operator.role in CONSOLE_ROLES:
            await console.service.set_status(operator.id, "offline")
        response = RedirectResponse("/console/login", status_code=303)
        sessions.end(response)
        return response

    @anyone
    async def workspace(request: Request, operator: Operator) -> Response:
        if operator.role not in CONSOLE_ROLES:  # editors do not see conversations
            return RedirectResponse("/console/editor", status_code=303)
        return render(
            "console.html",
            operator=operator,
            csrf=request.state.csrf,
            goal=console.sla_clock.goal_seconds,
            is_admin=operator.role == "admin",
        )

    @admins
    async def stats(request: Request, operator: Operator) -> Response:
        return render("stats.html", operator=operator, csrf=request.state.csrf)

    return [
        Route("/console", workspace),
        Route("/console/login", login_page, methods=["GET"]),
        Route("/console/login", login_submit, methods=["POST"]),
        Route("/console/logout", logout, methods=["POST"]),
        Route("/console/stats", stats),
        Mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static"),
    ]
