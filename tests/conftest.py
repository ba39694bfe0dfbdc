"""Shared fixtures: databases (SQLite and PostgreSQL), the demo project, a dialogue test bot.

PostgreSQL tests use ``ZABOTA_TEST_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
Without a reachable server they are skipped — except in CI (``CI`` set), where they fail.

``bin/test`` runs the suite in two processes (pytest-xdist, ``--dist loadgroup``): each test
module stays in one process (its module fixtures — a server, a browser — are set up once), and
all the browser modules share one process, so two Chromiums never compete for the two cores.
Each process has its own PostgreSQL database and temporary directory; trained NLU models are
shared by them all (:class:`ModelsCache`), so the demo content is trained once per session.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher

from bot.storage.db import Database, upgrade
from bot.storage.models import Base
from handoff import auth

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("ZABOTA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
PRODUCT_HASHER = auth._hasher


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


async def _create_database(name: str) -> None:
    """A throwaway test database whose commits do not wait for the disk.

    ``synchronous_commit = off`` keeps every transaction atomic, isolated and visible to the
    others exactly as in production; only a server crash could lose the last few commits, which
    for a database dropped at the end of the session means nothing. A commit then costs ~0.4 ms
    instead of 6–8 ms (a WAL flush), and the PostgreSQL tests commit tens of thousands of times.
    """
    await _pg_admin(f'CREATE DATABASE "{name}"')
    await _pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


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
        asyncio.run(_create_database(name))
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
        asyncio.run(_create_database(name))
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


# Emptying the tables between tests: DELETE, children first, and every sequence back to 1, in one
# transaction. TRUNCATE does the same in one statement but gives each of the ~20 tables new files
# and syncs them: 0.2–0.7 s a test against DELETE's 10–25 ms on these near-empty tables, and a
# PostgreSQL test run empties its database about 800 times.
_EMPTY = ";\n".join(
    f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)
)
_RESTART_SEQUENCES = """
DO $$
DECLARE seq record;
BEGIN
  FOR seq IN SELECT oid FROM pg_class
             WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace LOOP
    PERFORM setval(seq.oid, 1, false);
  END LOOP;
END $$"""


async def _truncate(url: str) -> None:
    """Empty every table of the test database at ``url`` and restart its sequences."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(f"{_EMPTY};\n{_RESTART_SEQUENCES}")
    finally:
        await conn.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


# Argon2id with the product's parameters (64 MiB, 3 passes, 4 lanes) takes a few tenths of a
# second a hash and as long a check — on every account a test creates and every login, over a
# thousand times in the suite, with four threads on two cores. The tests hash with the same
# Argon2id at the least cost; test_accounts.py checks the product's own parameters.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    real = auth._hasher
    auth._hasher = CHEAP_HASHER
    yield
    auth._hasher = real


@pytest.fixture
def product_password_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The product's own Argon2 parameters, for a test about them."""
    monkeypatch.setattr(auth, "_hasher", PRODUCT_HASHER)
    return PRODUCT_HASHER


# --- The demo project and a dialogue test bot over the real pipeline -------------------------


class ModelsCache:
    """Trained NLU models shared by every process of the test session, named as
    :func:`bot.project.train` names them (by the content's hash).

    Training the demo content takes ~10 s; a copy of the demo project gets the model trained once
    per session instead of training its own, and ``train`` then loads it as it would load the
    model it trained yesterday. One process trains while the others wait on the lock.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._demo: Path | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            yield

    def model_file(self, project: Any) -> Path:
        """The model file for ``project``'s content, trained now if no process has trained it."""
        from bot.project import train

        path = self.root / f"nlu-{project.content_hash()}"
        with self._locked():
            if not path.exists():
                _, trained, _ = train(project, self.root)
                assert trained == path, (trained, path)
        return path

    def demo(self) -> Path:
        """The model file for the repository's demo content."""
        if self._demo is None:
            from bot.project import load_project

            self._demo = self.model_file(load_project(ROOT))
        return self._demo


_models_cache: ModelsCache | None = None


@pytest.fixture(scope="session", autouse=True)
def models_cache(tmp_path_factory: pytest.TempPathFactory) -> ModelsCache:
    global _models_cache
    base = tmp_path_factory.getbasetemp()
    # Under xdist each process's directory is inside the session's one: share that.
    session = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = session / "nlu-models"
    root.mkdir(exist_ok=True)
    _models_cache = ModelsCache(root)
    return _models_cache


def copy_demo_project(dest: Path, *, heldout: bool = True, models: bool = False) -> Path:
    """A copy of the demo project that a test may edit or break (never the repository's own).

    ``heldout`` brings the regression set the reload gate reads; ``models``: the copy's model
    cache is the session's (:class:`ModelsCache`), so ``train`` loads the demo content's model
    instead of training it, and content edited the same way in two tests is trained once. The
    product writes models atomically under their hash, as two servers sharing a cache would.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "data", dest / "data")
    if heldout:
        (dest / "tests" / "data").mkdir(parents=True)
        shutil.copy(ROOT / "tests" / "data" / "demo_heldout.tsv", dest / "tests" / "data")
    if models:
        assert _models_cache is not None, "the models_cache fixture runs before every test"
        _models_cache.demo()  # trained once, under the lock, before any copy trains by itself
        (dest / "models").symlink_to(_models_cache.root, target_is_directory=True)
    return dest


@pytest.fixture(scope="session")
def demo_project() -> Any:
    from bot.project import load_project

    return load_project(ROOT)


@pytest.fixture(scope="session")
def demo_model(models_cache: ModelsCache) -> Any:
    from nlu import load_model

    return load_model(models_cache.demo())


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
async def night_bot(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Any]:
    """The demo bot at 23:30 in Moscow with the real working hours (9:00–21:00), nobody
    online: the out-of-hours messages."""
    from datetime import UTC, datetime

    from handoff.config import WorkingHours
    from tests.dialogue import start_bot

    brain = brain_for(
        demo_project, demo_model, working_hours=WorkingHours(timezone="Europe/Moscow")
    )
    night = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    running = await start_bot(demo_project, brain, db_url, clock=lambda: night)
    yield running
    await running.runtime.stop()


@pytest.fixture
async def env(db: Database) -> AsyncIterator[Any]:
    """The console's HTTP app over a fresh handoff stack (tests/handoff_kit.py)."""
    from tests.handoff_kit import console_env

    async with console_env(db) as running:
        yield running
