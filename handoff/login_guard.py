"""Slowing down password guessing at the console's login.

Five wrong passwords for one account within 15 minutes lock that account's login for the rest
of the window; twenty from one address lock that address (someone trying many accounts). The
check runs before the password is verified, so a locked login costs no Argon2 hash. Failures
are rows in ``login_failures`` — shared by every process of a deployment, unlike a counter in
memory — and a successful login clears the account's. Rows older than a day are deleted as new
failures come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import LoginFailure

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 20
KEEP = timedelta(days=1)


class TooManyAttempts(Exception):
    """Locked; ``minutes`` until the oldest counted failure leaves the window."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"login locked for {minutes} min")
        self.minutes = minutes

    @property
    def message(self) -> str:
        return f"Слишком много неудачных попыток входа. Попробуйте через {self.minutes} мин."


async def check(session: AsyncSession, username: str, address: str, now: datetime) -> None:
    """Raise :class:`TooManyAttempts` if this account or address is locked."""
    since = now - WINDOW
    for column, value, limit in (
        (LoginFailure.username, username, PER_ACCOUNT),
        (LoginFailure.address, address, PER_ADDRESS),
    ):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    column == value, LoginFailure.at > since
                )
            )
        ).one()
        if count >= limit:
            left = (oldest + WINDOW - now).total_seconds() if oldest else WINDOW.total_seconds()
            raise TooManyAttempts(max(1, int(left // 60) + 1))


async def failed(session: AsyncSession, username: str, address: str, now: datetime) -> None:
    session.add(LoginFailure(username=username[:64], address=address[:64], at=now))
    await session.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP))


async def succeeded(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username))
