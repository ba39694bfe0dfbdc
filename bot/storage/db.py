"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production).

SQLite allows one writer at a time; instead of letting concurrent transactions fail with
«database is locked», :meth:`Database.write` serialises writers inside the process. PostgreSQL
gets real concurrency and row locks (``FOR UPDATE [SKIP LOCKED]``) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

PING_IDLE_AFTER = 1.0
"""Seconds a pooled PostgreSQL connection may sit unused before it is pinged on checkout.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and its asyncpg ping is three round
trips (``BEGIN``, ``;``, ``ROLLBACK``): about a sixth of the storage path's CPU under load.
A connection that was in use a moment ago is almost certainly alive; one that sat idle (across
a server restart, a network cut, an idle timeout) is checked and replaced if dead. A connection
that dies while busy fails its transaction once; the pool then discards every connection older
than the failure, and the webhook answers 500 (the messenger delivers again) or the event stays
in the inbox and is retried."""


CONNECT_TIMEOUT = 10.0
"""Seconds to open a PostgreSQL connection (asyncpg's default is 60). A server that has not
answered by then is not going to; a port that is not PostgreSQL (Redis, say) never answers
the greeting, and ``zabota db upgrade`` said nothing for a minute."""


class DatabaseError(Exception):
    """The database cannot be reached or is not usable; the message says what to do."""


EXAMPLES = "sqlite:///var/zabota.sqlite3 or postgresql://user:password@host:5432/zabota"


def normalize_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver; :class:`DatabaseError` for a URL
    that is not one or names a database Zabota does not run on (MySQL, say)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") or url == "sqlite://":
        url = "sqlite+aiosqlite" + url[len("sqlite") :]
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseError(f"DATABASE_URL is not a database URL; use {EXAMPLES}") from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise DatabaseError(
            f"Zabota runs on SQLite or PostgreSQL, not {parsed.get_backend_name()!r} "
            f"({_safe(url)}); use {EXAMPLES}"
        )
    return url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; call from a thread when an event loop is running)."""
    url = normalize_url(url)
    _ensure_sqlite_dir(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except OSError as error:
        raise DatabaseError(f"cannot reach the database at {_safe(url)}: {_why(error)}") from error
    except exc.DBAPIError as error:  # the server answered, but will not let us in
        if not _refused_at_connect(error):
            raise
        raise DatabaseError(f"cannot use the database at {_safe(url)}: {error.orig}") from error


def _why(error: OSError) -> str:
    """What went wrong, never an empty string (``TimeoutError()`` has no text)."""
    if isinstance(error, TimeoutError):
        return (
            f"no answer within {CONNECT_TIMEOUT:g} s; is it a PostgreSQL server "
            "(the right host and port)?"
        )
    return str(error) or type(error).__name__


def connect_args(url: str) -> dict[str, Any]:
    """The driver's connection options: a connect timeout for PostgreSQL, SQLite's wait for
    its lock."""
    if make_url(url).get_backend_name() == "sqlite":
        return {"timeout": 30}
    return {"timeout": CONNECT_TIMEOUT}


def _refused_at_connect(error: exc.DBAPIError) -> bool:
    """A wrong user or password, a database that does not exist, a connection refused by the
    server (SQLSTATE classes 28, 3D, 08): settings to fix, not a bug to show as a traceback.
    (A SQLite file that cannot be opened is caught before, by :func:`_ensure_sqlite_dir`.)"""
    state = str(getattr(error.orig, "sqlstate", "") or "")
    return state[:2] in ("28", "3D", "08")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _ensure_sqlite_dir(url: str) -> None:
    """A SQLite file's directory is made, and the file opened once, here: a path that cannot
    be a database is a :class:`DatabaseError` now, before aiosqlite's thread would report it
    (sometimes to an event loop already closed, as a traceback)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            sqlite3.connect(parsed.database).close()
        except (OSError, sqlite3.Error) as error:
            raise DatabaseError(f"cannot use the database at {_safe(url)}: {error}") from error


class Database:
    """The one engine of a process and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        _ensure_sqlite_dir(self.url)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo, "connect_args": connect_args(self.url)}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine.pool, "checkin", _idle_since)
            event.listen(self.engine.sync_engine.pool, "checkout", _ping_if_idle)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def safe_url(self) -> str:
        return _safe(self.url)

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on success and rolls back on error."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (no explicit transaction management needed)."""
        async with self.sessions() as session:
            yield session

    async def upgrade(self) -> None:
        await asyncio.to_thread(upgrade, self.url)

    async def drop_old_versions(self) -> None:
        """After an erasure: write SQLite's ``-wal`` file back and truncate it to nothing.

        ``secure_delete`` zeroes erased rows in the database file, but the write-ahead log
        keeps the pages as they were before (its frames are reused, not zeroed, and a passive
        checkpoint leaves them in place), so an erased text stays readable on disk while the
        bot runs. ``wal_checkpoint(TRUNCATE)`` copies the log into the file and empties it.
        PostgreSQL needs nothing here: its dead rows are never served and ``VACUUM`` reclaims
        them (docs/privacy.md)."""
        if not self.is_sqlite:
            return
        async with self._write_lock or contextlib.nullcontext(), self.engine.connect() as conn:
            result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.scalar()
        if busy:
            log.warning("the SQLite write-ahead log was busy; erased texts may stay in it a while")

    async def dispose(self) -> None:
        await self.engine.dispose()


def _idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Checkout hook: ping a connection that sat idle; a dead one is replaced by the pool."""
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_IDLE_AFTER:
        return  # brand new, or in use a moment ago
    try:
        dbapi_connection.ping()  # the async driver's ping, awaited in SQLAlchemy's greenlet
    except Exception as error:
        raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Erased personal data (bot.storage.erasure) must not linger in the file's free space.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # SQLite's own lower() folds ASCII only: «ИВАНОВ» would not find «Иванов».
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
