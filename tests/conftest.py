"""Shared fixtures: databases (SQLite and PostgreSQL), the demo project, a dialogue test bot.

PostgreSQL tests use ``ZABOTA_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
Without a reachable server they are skipped — except in CI (``CI`` set), where they fail.

``bin/test`` runs the suite in two processes (pytest-xdist, ``--dist loadgroup``): each test
module stays in one process (its module fixtures — a server, a browser — are set up once), and
all the browser modules share one process, so two Chromiums never compete for the two cores.
Each process has its own PostgreSQL database and temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.storage.db import Database, upgrade
from bot.storage.models import Base

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("ZABOTA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = "browser" if item.path.parent.name == "browser" else item.path.stem
        item.add_marker(pytest.mark.xdist_group(group))


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return True


async def _drop_orphans() -> None:
    """Drop test databases left by sessions that were killed (their process is gone)."""
    import asyncpg

    conn = await asyncpg.connect(f"{PG_SERVER}/postgres", timeout=5)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'zabota_test_%'"
        )
        for (name,) in rows:
            pid = name.split("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    name = f"zabota_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        if urlsplit(PG_SERVER).hostname in ("127.0.0.1", "localhost", "::1"):
            asyncio.run(_drop_orphans())  # PIDs only mean something on this machine
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_SERVER}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_SERVER}: {exc}")
    url = f"{PG_SERVER}/{name}"
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "zabota.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    asyncio.run(_truncate(url))
    return url


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend`` for migrating step by step (``upgrade(url, "0010")``)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    name = f"zabota_test_{os.getpid()}_migrate_{secrets.token_hex(3)}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield f"{PG_SERVER}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def downgrade(url: str, revision: str) -> None:
    """Migrate ``url`` (a :func:`fresh_url`) back down to ``revision``."""
    from alembic import command

    from bot.storage.db import alembic_config, normalize_url

    command.downgrade(alembic_config(normalize_url(url)), revision)


async def _truncate(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


# --- The demo project and a dialogue test bot over the real pipeline -------------------------


def copy_demo_project(dest: Path, *, heldout: bool = True, models: bool = False) -> Path:
    """A copy of the demo project that a test may edit or break (never the repository's own).

    ``heldout`` brings the regression set the reload gate reads; ``models`` the trained model
    cache, when there is one (content unchanged → no retraining).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data", dest / "data")
    if heldout:
        (dest / "tests" / "data").mkdir(parents=True)
        shutil.copy(ROOT / "tests" / "data" / "demo_heldout.tsv", dest / "tests" / "data")
    if models and (ROOT / "models").exists():
        shutil.copytree(ROOT / "models", dest / "models")
    return dest


@pytest.fixture(scope="session")
def demo_project() -> Any:
    from bot.project import load_project

    return load_project(ROOT)


@pytest.fixture(scope="session")
def demo_model(demo_project: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from bot.project import train

    model, _, _ = train(demo_project, tmp_path_factory.mktemp("models"))
    return model


def brain_for(project: Any, model: Any, **handoff: Any) -> Any:
    """The demo brain with handoff settings overridden (working hours always open by default)."""
    from bot.engine import Brain
    from handoff.config import WorkingHours

    handoff.setdefault("working_hours", WorkingHours(always_open=True))
    config = project.config.model_copy(
        update={"handoff": project.config.handoff.model_copy(update=handoff)}
    )
    return Brain(
        config=config, domain=project.domain, kb=project.kb, nlu=model, flows=project.flows
    )


@pytest.fixture
async def bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Any]:
    from tests.dialogue import start_bot

    test_bot = await start_bot(demo_project, brain_for(demo_project, demo_model), db_url)
    yield test_bot
    await test_bot.runtime.stop()


@pytest.fixture
async def env(db: Database) -> AsyncIterator[Any]:
    """The console's HTTP app over a fresh handoff stack (tests/handoff_kit.py)."""
    from tests.handoff_kit import console_env

    async with console_env(db) as running:
        yield running
