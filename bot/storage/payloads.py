"""Button payloads too long for a messenger (Telegram's 64-byte ``callback_data``, Viber's
``ActionBody``), kept server-side under a short key."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StoredPayload, utcnow
from bot.storage.repo import is_postgres


def payload_key(payload: str) -> str:
    """The store's key for ``payload``: 16 URL-safe characters of its SHA-256 (96 bits)."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode("ascii")


async def put_payload(session: AsyncSession, payload: str) -> str:
    """Store a button payload too long for a messenger; return its key.

    The key is derived from the payload, so the same button sent again (a Viber keyboard goes
    with every message) reuses its row instead of adding one per send. Rows are never
    deleted: a button in an old message still works when pressed months later."""
    key = payload_key(payload)
    dialect = postgresql if is_postgres(session) else sqlite
    await session.execute(
        dialect.insert(StoredPayload)
        .values(key=key, payload=payload, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    return key


async def get_payload(session: AsyncSession, key: str) -> str | None:
    row = await session.get(StoredPayload, key)
    return row.payload if row is not None else None
