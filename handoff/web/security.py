"""Console sessions, CSRF and role checks.

* Sessions are signed cookies (itsdangerous) carrying the operator id, a per-session CSRF token
  and a fingerprint of the password hash, so changing a password ends every old session.
  Cookies are ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the request came over
  HTTPS (directly or via a proxy's ``X-Forwarded-Proto``).
* Every state-changing request must carry the session's CSRF token (``X-CSRF-Token`` header
  or ``csrf_token`` form field) and, if the browser sends ``Origin``, come from our own origin.
* :func:`guarded` wraps every console page and API endpoint with the roles it allows; nothing
  is reachable without passing through it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.storage.db import Database
from bot.storage.models import Operator

SESSION_COOKIE = "zabota_console"
LOGIN_COOKIE = "zabota_login"
SESSION_MAX_AGE = 12 * 3600
LOGIN_MAX_AGE = 3600
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "x-csrf-token"

Handler = Callable[[Request, Operator], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Session:
    operator_id: int
    csrf: str


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class Sessions:
    def __init__(self, secret: bytes, db: Database) -> None:
        self.db = db
        self._session = URLSafeTimedSerializer(secret, salt="zabota-console-session")
        self._login = URLSafeTimedSerializer(secret, salt="zabota-console-login")

    # -- cookies -------------------------------------------------------------------------

    @staticmethod
    def is_https(request: Request) -> bool:
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return request.url.scheme == "https" or forwarded == "https"

    def _set(
        self, request: Request, response: Response, name: str, value: str, max_age: int
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.is_https(request),
        )

    def start(
        self, request: Request, response: Response, operator: Operator, csrf: str | None = None
    ) -> str:
        """Log ``operator`` in on ``response``; returns the new session's CSRF token."""
        csrf = csrf or secrets.token_urlsafe(24)
        value = self._session.dumps(
            {"op": operator.id, "csrf": csrf, "fp": fingerprint(operator.password_hash)}
        )
        self._set(request, response, SESSION_COOKIE, value, SESSION_MAX_AGE)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return csrf

    @staticmethod
    def end(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    def login_token(self, request: Request) -> tuple[str, str | None]:
        """The login form's CSRF token, and a new cookie value if the browser has none."""
        current = self.check_login_token(request)
        if current:
            return current, None
        token = secrets.token_urlsafe(24)
        return token, self._login.dumps(token)

    def set_login_cookie(self, request: Request, response: Response, value: str) -> None:
        self._set(request, response, LOGIN_COOKIE, value, LOGIN_MAX_AGE)

    def check_login_token(self, request: Request, submitted: str | None = None) -> str | None:
        raw = request.cookies.get(LOGIN_COOKIE)
        if not raw:
            return None
        try:
            token = str(self._login.loads(raw, max_age=LOGIN_MAX_AGE))
        except BadSignature:
            return None
        if submitted is not None and not hmac.compare_digest(token, submitted):
            return None
        return token

    # -- requests ------------------------------------------------------------------------

    def read(self, request: Request) -> tuple[Session, str] | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data: Any = self._session.loads(raw, max_age=SESSION_MAX_AGE)
            return Session(int(data["op"]), str(data["csrf"])), str(data["fp"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    async def operator(self, request: Request) -> tuple[Operator, Session] | None:
        """The session's operator, switched off (``active`` false) or not: the caller refuses
        a switched-off one and says why (:func:`guarded`)."""
        found = self.read(request)
        if found is None:
            return None
        session, fp = found
        async with self.db.read() as db_session:
            operator = await db_session.get(Operator, session.operator_id)
        if operator is None:
            return None
        if not hmac.compare_digest(fp, fingerprint(operator.password_hash)):
            return None
        return operator, session


ACCOUNT_DISABLED = "Учётная запись отключена администратором."


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def csrf_ok(request: Request, session: Session) -> bool:
    if request.method in SAFE_METHODS:
        return True
    if not same_origin(request):
        return False
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    return submitted is not None and hmac.compare_digest(submitted, session.csrf)


def _refuse(page: bool, status: int, code: str, message: str) -> Response:
    if page:
        body = (
            '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Нет доступа</title>'
            f'<body style="font-family:sans-serif;padding:2em"><h1>{status}</h1><p>{message}</p>'
            '<p><a href="/console">В консоль</a></p></body></html>'
        )
        return HTMLResponse(body, status_code=status)
    return JSONResponse({"error": code, "message": message}, status_code=status)


def guarded(
    sessions: Sessions, roles: tuple[str, ...], *, page: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Allow only logged-in operators with one of ``roles``; enforce CSRF on unsafe methods."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            found = await sessions.operator(request)
            # A switched-off account's open console is told so, not just sent to a login that
            # would then say «Неверное имя пользователя или пароль».
            disabled = found is not None and not found[0].active
            if found is None or disabled:
                if page:
                    target = quote(request.url.path, safe="/")
                    flag = "disabled=1&" if disabled else ""
                    return RedirectResponse(f"/console/login?{flag}next={target}", status_code=303)
                if disabled:
                    return _refuse(False, 401, "account_disabled", ACCOUNT_DISABLED)
                return _refuse(False, 401, "unauthenticated", "Войдите в консоль.")
            operator, session = found
            if operator.role not in roles:
                return _refuse(page, 403, "forbidden", "Недостаточно прав для этого раздела.")
            if not await csrf_ok(request, session):
                return _refuse(page, 403, "csrf", "Запрос отклонён: обновите страницу.")
            request.state.csrf = session.csrf
            return await handler(request, operator)

        return endpoint

    return decorate
