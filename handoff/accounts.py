"""The team's accounts, managed by an administrator from the console («Сотрудники»).

A lead adds a colleague (login, name, role, teams, how many conversations at once, a first
password), changes their role, teams or capacity, sets a new password (which ends the
colleague's open sessions: they carry a fingerprint of the password hash) and switches an
account off or on. Switching off an operator who holds conversations first takes them offline
the usual way — the conversations go back to the queue or to a free colleague, and a customer
waiting for a reply is told (:meth:`handoff.service.HandoffService.set_status`) — so nobody is
left with an owner who can no longer log in. The last active administrator cannot be switched
off or demoted: the team would lose its way back in.

Messages are Russian: they are shown in the console as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database
from bot.storage.models import Operator
from handoff.auth import MIN_PASSWORD, ROLES, create_operator, hash_password
from handoff.errors import Conflict, HandoffError, NotFound
from handoff.service import CONSOLE_ROLES, HandoffService

USERNAME = re.compile(r"^[a-z0-9._-]{1,64}$")
MAX_CAPACITY = 50
MAX_NAME = 64
ROLE_TITLES = {"admin": "администратор", "operator": "оператор", "editor": "редактор"}


@dataclass(frozen=True, slots=True)
class AccountChange:
    """What to change; None leaves a field as it is."""

    display_name: str | None = None
    role: str | None = None
    teams: list[str] | None = None
    capacity: int | None = None
    active: bool | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountChange:
        teams = data.get("teams")
        if teams is not None and (
            not isinstance(teams, list) or not all(isinstance(t, str) for t in teams)
        ):
            raise HandoffError("Команды — это список названий.", "bad_teams")
        capacity = data.get("capacity")
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)):
            raise HandoffError("Число диалогов — целое число.", "bad_capacity")
        active = data.get("active")
        if active is not None and not isinstance(active, bool):
            raise HandoffError("Поле active — true или false.", "bad_active")
        name, role = data.get("display_name"), data.get("role")
        return cls(
            display_name=None if name is None else str(name),
            role=None if role is None else str(role),
            teams=teams,
            capacity=capacity,
            active=active,
        )


def as_json(operator: Operator) -> dict[str, Any]:
    return {
        "id": operator.id,
        "username": operator.username,
        "display_name": operator.display_name,
        "role": operator.role,
        "teams": list(operator.teams or []),
        "capacity": operator.capacity,
        "status": operator.status,
        "active": operator.active,
        "last_seen_at": operator.last_seen_at.isoformat() if operator.last_seen_at else None,
    }


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise HandoffError("Укажите имя, которое увидят клиенты.", "bad_name")
    if len(name) > MAX_NAME:
        raise HandoffError(f"Имя длиннее {MAX_NAME} символов.", "bad_name")
    return name


def _role(value: str) -> str:
    if value not in ROLES:
        raise HandoffError("Роль: администратор, оператор или редактор.", "bad_role")
    return value


def _capacity(value: int) -> int:
    if not 1 <= value <= MAX_CAPACITY:
        raise HandoffError(f"Диалогов одновременно: от 1 до {MAX_CAPACITY}.", "bad_capacity")
    return value


def _teams(value: list[str], known: set[str]) -> list[str]:
    teams = sorted({t.strip() for t in value if t.strip()})
    unknown = [t for t in teams if t not in known]
    if unknown:
        # The same rule and answer as ``zabota operators add --teams`` (bot/cli_operators.py).
        raise HandoffError(
            f"Команды «{unknown[0][:64]}» нет. Есть: {', '.join(sorted(known))}.", "unknown_team"
        )
    return teams


def _password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise HandoffError(f"Пароль — не короче {MIN_PASSWORD} символов.", "weak_password")
    return value


class Accounts:
    def __init__(self, db: Database, service: HandoffService) -> None:
        self.db = db
        self.service = service

    async def all(self) -> list[Operator]:
        """Every account, active ones first, by name."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Operator).order_by(Operator.active.desc(), Operator.display_name)
            )
            return list(rows.all())

    async def create(
        self,
        *,
        username: str,
        password: str,
        display_name: str,
        role: str = "operator",
        teams: list[str] | None = None,
        capacity: int = 3,
        known_teams: set[str],
    ) -> Operator:
        login = username.strip().lower()
        if not USERNAME.match(login):
            raise HandoffError(
                "Логин: латинские буквы, цифры, точка, дефис или подчёркивание (до 64).",
                "bad_username",
            )
        name, role = _name(display_name), _role(role)
        capacity, chosen = _capacity(capacity), _teams(teams or [], known_teams)
        async with self.db.write() as session:
            if await session.scalar(select(Operator.id).where(Operator.username == login)):
                raise Conflict(f"Логин «{login}» уже занят.", "username_taken")
            return await create_operator(
                session,
                login,
                _password(password),
                role=role,
                display_name=name,
                teams=chosen,
                capacity=capacity,
            )

    async def change(
        self, operator_id: int, change: AccountChange, *, known_teams: set[str], actor_id: int
    ) -> Operator:
        async with self.db.read() as session:
            current = await _get(session, operator_id)
        role = _role(change.role) if change.role is not None else current.role
        active = change.active if change.active is not None else current.active
        if operator_id == actor_id and (not active or role != current.role):
            raise HandoffError("Свою роль и доступ меняет другой администратор.", "own_account")
        if current.role == "admin" and current.active and (role != "admin" or not active):
            async with self.db.read() as session:
                await _keep_an_admin(session, current)
        # Someone who will no longer answer customers gives their conversations back first.
        if current.role in CONSOLE_ROLES and (not active or role not in CONSOLE_ROLES):
            await self.service.set_status(operator_id, "offline")
        async with self.db.write() as session:
            operator = await _get(session, operator_id)
            if change.display_name is not None:
                operator.display_name = _name(change.display_name)
            if change.capacity is not None:
                operator.capacity = _capacity(change.capacity)
            if change.teams is not None:
                operator.teams = _teams(change.teams, known_teams | set(operator.teams or []))
            operator.role = role
            operator.active = active
            if not active:
                operator.status = "offline"
        await self.service.assign_waiting()  # more capacity or another team may take the queue
        async with self.db.read() as session:
            return await _get(session, operator_id)

    async def set_password(self, operator_id: int, password: str) -> None:
        """A new password; the account's open sessions end with the old one."""
        hashed = hash_password(_password(password))
        async with self.db.write() as session:
            operator = await _get(session, operator_id)
            operator.password_hash = hashed


async def _get(session: AsyncSession, operator_id: int) -> Operator:
    operator = await session.get(Operator, operator_id)
    if operator is None:
        raise NotFound("Такого сотрудника нет.", "no_operator")
    return operator


async def _keep_an_admin(session: AsyncSession, leaving: Operator) -> None:
    others = await session.scalar(
        select(func.count())
        .select_from(Operator)
        .where(Operator.role == "admin", Operator.active.is_(True), Operator.id != leaving.id)
    )
    if not others:
        raise Conflict(
            f"{leaving.display_name} — единственный администратор: сначала назначьте другого.",
            "last_admin",
        )
