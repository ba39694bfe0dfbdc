"""Operator accounts: password hashing (Argon2id via argon2-cffi) and account creation."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Operator, utcnow

ROLES = ("admin", "editor", "operator")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


class AccountError(Exception):
    """A user-facing problem with an account request (the message is safe to show)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


async def create_operator(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    role: str = "operator",
    display_name: str | None = None,
    teams: list[str] | None = None,
    capacity: int = 3,
) -> Operator:
    username = username.strip().lower()
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").replace("-", "").isalnum()
    ):
        raise AccountError("username: letters, digits, '.', '-', '_' (at most 64)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if capacity < 1 or capacity > 50:
        raise AccountError("capacity must be between 1 and 50")
    existing = await session.scalar(select(Operator).where(Operator.username == username))
    if existing is not None:
        raise AccountError(f"user {username!r} already exists")
    operator = Operator(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        status="offline",
        capacity=capacity,
        teams=teams or [],
        active=True,
        created_at=utcnow(),
    )
    session.add(operator)
    await session.flush()
    return operator
