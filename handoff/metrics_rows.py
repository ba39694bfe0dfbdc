"""Reading a period's rows fast, for the statistics (:mod:`handoff.metrics`): Core rows
through the session's connection, and timestamps read with one call per value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, TypeVarTuple, cast

from sqlalchemy import Dialect, Row, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import TypeCoerce

from bot.storage.models import UTCDateTime

_Columns = TypeVarTuple("_Columns")
_At = TypeVar("_At", datetime, datetime | None)


class Moment(UTCDateTime):
    """:class:`~bot.storage.models.UTCDateTime` read with one call per value (a month's
    figures read 100 000 timestamps; ``datetime.replace`` and ``astimezone`` cost more than
    the parsing): SQLite's text parsed as UTC, which it is; a driver's UTC datetime as it
    comes, any other as the column type reads it."""

    cache_ok = True

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name == "sqlite":
            parse = datetime.fromisoformat

            def from_text(value: str | None) -> datetime | None:
                return None if value is None else parse(value + "+00:00")

            return from_text
        column_type = super().result_processor(dialect, coltype)
        driver = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
        if column_type is None or driver is not None:  # the driver's values need reading
            return column_type

        def aware(value: datetime | None) -> datetime | None:
            return value if value is None or value.tzinfo is UTC else column_type(value)

        return aware


def moment(column: QueryableAttribute[_At]) -> TypeCoerce[_At]:
    """A timestamp column, read as :class:`Moment`."""
    return cast("TypeCoerce[_At]", type_coerce(column, Moment()))


async def rows(session: AsyncSession, query: Select[*_Columns]) -> Sequence[Row[*_Columns]]:
    """The query's rows as Core rows, through the session's connection and transaction: the
    figures read plain columns, and a month's 100 000 rows skip the ORM's per-row work."""
    connection = await session.connection()
    return (await connection.execute(query)).all()


async def without_jit(session: AsyncSession) -> None:
    """PostgreSQL: no JIT compilation for the rest of this transaction. The figures' queries
    run for milliseconds, but one over a month's conversations is estimated costly enough
    for PostgreSQL to compile it first — 0.8 s of compiling for a query of 0.2 s. Nothing
    elsewhere (SQLite has no JIT)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SET LOCAL jit = off"))
