"""Slowing down password guessing at the console's login, without locking colleagues out.

Three limits within 15 minutes, checked before the password is verified (a locked login
costs no Argon2 hash):

* **one account from one address**: 5 wrong passwords lock that account *from that address*.
  Someone guessing Anna's password from outside cannot lock Anna out at the office, and a
  colleague's typos behind the office's NAT lock only that colleague's login there;
* **one account from anywhere**: 25 lock the account everywhere (guessing spread over many
  addresses);
* **one address, many accounts**: 20 wrong passwords over at least 3 accounts lock the address
  (someone trying a list of logins); an office where one person keeps mistyping is not that.

Failures are rows in ``login_failures`` — shared by every process of a deployment, unlike a
counter in memory. A successful login clears that account's failures from that address only
(so the owner logging in does not reset a distributed guess). Rows older than a day are
deleted as new failures come.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import LoginFailure

WINDOW = timedelta(minutes=15)
PER_ACCOUNT_AND_ADDRESS = 5
PER_ACCOUNT = 25
PER_ADDRESS = 20
ADDRESS_ACCOUNTS = 3  # an address is locked only for failures over this many accounts
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
    """Raise :class:`TooManyAttempts` if this login is locked (see the module's limits)."""
    since = now - WINDOW
    recent = LoginFailure.at > since
    pair = (LoginFailure.username == username, LoginFailure.address == address)
    for where, limit in (
        (pair, PER_ACCOUNT_AND_ADDRESS),
        ((LoginFailure.username == username,), PER_ACCOUNT),
    ):
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(recent, *where)
            )
        ).one()
        if count >= limit:
            raise TooManyAttempts(_minutes_left(oldest, now))
    count, accounts, oldest = (
        await session.execute(
            select(
                func.count(),
                func.count(distinct(LoginFailure.username)),
                func.min(LoginFailure.at),
            ).where(recent, LoginFailure.address == address)
        )
    ).one()
    if count >= PER_ADDRESS and accounts >= ADDRESS_ACCOUNTS:
        raise TooManyAttempts(_minutes_left(oldest, now))


def _minutes_left(oldest: datetime | None, now: datetime) -> int:
    """Until the oldest counted failure leaves the window, rounded up."""
    left = (oldest + WINDOW - now).total_seconds() if oldest else WINDOW.total_seconds()
    return max(1, int(left // 60) + 1)


async def failed(session: AsyncSession, username: str, address: str, now: datetime) -> None:
    session.add(LoginFailure(username=username[:64], address=address[:64], at=now))
    await session.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP))


async def succeeded(session: AsyncSession, username: str, address: str) -> None:
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.address == address
        )
    )
