"""The whole product in a real browser: ``create_app`` served by uvicorn, headless Chromium.

One server per test module (startup costs more than a test). The NLU is the real project's
model when it trains; otherwise a stand-in, so the console's tests do not depend on the NLU's
state. Working hours are forced open so handoff behaves the same at any time of day.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from bot.engine import Brain
from bot.storage.db import Database
from bot.storage.models import Conversation, Message, utcnow
from handoff.auth import create_operator
from tests.conftest import ModelsCache, copy_demo_project
from tests.handoff_kit import PASSWORD, ROOT

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Server:
    url: str
    db_url: str

    def newest_conversation(self) -> int:
        async def newest() -> int:
            db = Database(self.db_url)
            try:
                async with db.read() as session:
                    found = await session.scalar(select(func.max(Conversation.id)))
            finally:
                await db.dispose()
            return int(found or 0)

        return self._run(newest())

    def age_conversation(self, conversation_id: int, hours: float) -> None:
        """Pretend the conversation's last activity was ``hours`` ago (a session that expired)."""

        async def age() -> None:
            db = Database(self.db_url)
            try:
                async with db.write() as session:
                    await session.execute(
                        update(Conversation)
                        .where(Conversation.id == conversation_id)
                        .values(updated_at=utcnow() - timedelta(hours=hours))
                    )
            finally:
                await db.dispose()

        self._run(age())

    def mark_edited(self, conversation_id: int, text: str) -> None:
        """Make the customer's message ``text`` one they corrected in their messenger (the web
        chat has no edits; Telegram's edited_message stores the same flag)."""
        self.add_to_message(conversation_id, text, edited=True)

    def add_to_message(self, conversation_id: int, text: str, **data: Any) -> None:
        """Add ``data`` to the stored customer message ``text`` (what only a messenger sends:
        an edit, a sticker, a location)."""

        async def mark() -> None:
            db = Database(self.db_url)
            try:
                async with db.write() as session:
                    message = await session.scalar(
                        select(Message).where(
                            Message.conversation_id == conversation_id, Message.text == text
                        )
                    )
                    assert message is not None
                    message.data = {**(message.data or {}), **data}
            finally:
                await db.dispose()

        self._run(mark())

    def add_operator(
        self,
        username: str,
        *,
        role: str = "operator",
        name: str | None = None,
        teams: list[str] | None = None,
        capacity: int = 3,
    ) -> None:
        async def add() -> None:
            db = Database(self.db_url)
            try:
                async with db.write() as session:
                    await create_operator(
                        session,
                        username,
                        PASSWORD,
                        role=role,
                        display_name=name or username,
                        teams=teams,
                        capacity=capacity,
                    )
            finally:
                await db.dispose()

        self._run(add())

    @staticmethod
    def _run(coroutine: Coroutine[Any, Any, T]) -> T:
        # Playwright's sync API keeps an event loop on this thread: use another one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def project_and_brain(models_cache: ModelsCache) -> tuple[object, Brain, str]:
    from bot.project import Project, load_project, make_brain
    from nlu import load_model

    project: Project = load_project(ROOT)
    try:
        model = load_model(models_cache.model_file(project))
        brain, kind = make_brain(project, model), "real"
    except Exception:  # the NLU package is someone else's work in progress
        from tests.handoff_kit import FakeNLU

        brain, kind = make_brain(project, FakeNLU()), "stand-in"
    brain.config.handoff.working_hours.always_open = True
    # A 3-second SLA goal lets the tests see the amber/red highlight without waiting a minute.
    brain.config.handoff.sla_first_response_seconds = 3
    return project, brain, kind


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(project: object, brain: Brain, db_path: Path, *, demo: bool = False) -> Iterator[Server]:
    """``create_app`` for ``project`` over the SQLite file ``db_path``, served by uvicorn;
    ``demo``: with the demo shop's pages, as ``zabota run --demo``."""
    import uvicorn

    from bot.assemble import add_channels
    from bot.runtime import Runtime
    from bot.web.app import create_app

    db_url = f"sqlite:///{db_path}"
    settings = Settings(database_url=db_url, secret_key="browser-test-secret")
    runtime = Runtime(project, settings, brain)  # type: ignore[arg-type]
    add_channels(runtime, messengers=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        create_app(runtime, demo_site=url if demo else None),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield Server(url, db_url)
    finally:
        uv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def server(
    project_and_brain: tuple[object, Brain, str],
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    with serve_fresh(project_and_brain, sqlite_template, tmp_path_factory) as running:
        yield running


@contextlib.contextmanager
def serve_fresh(
    project_and_brain: tuple[object, Brain, str],
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    demo: bool = False,
) -> Iterator[Server]:
    """:func:`serve` over a fresh copy of the migrated template database."""
    project, brain, _ = project_and_brain
    path = tmp_path_factory.mktemp("browser") / "zabota.sqlite3"
    shutil.copy(sqlite_template, path)
    with serve(project, brain, path, demo=demo) as running:
        yield running


@contextlib.contextmanager
def serve_own_project(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    always_open: bool = True,
) -> Iterator[tuple[Server, Path]]:
    """The demo on its own copy of the project, whose files an editor may change: the server
    and the copy's root. Open round the clock unless ``always_open`` is false."""
    from bot.project import load_project, make_brain, train

    root = copy_demo_project(tmp_path_factory.mktemp(name), models=True)
    project = load_project(root)
    model, _, _ = train(project)
    brain = make_brain(project, model)
    if always_open:
        brain.config.handoff.working_hours.always_open = True
    path = root / "zabota.sqlite3"
    shutil.copy(sqlite_template, path)
    with serve(project, brain, path) as running:
        yield running, root


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running on the main
    thread while it is open, which would break every asyncio test collected after this module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


PAGE_TIMEOUT = 10_000  # ms for every expectation and action


@pytest.fixture
def pages(browser: Any) -> Iterator[Any]:
    """``pages()`` opens a page in a fresh browser context (its own cookies: one person each)."""
    opened: list[Any] = []

    def new_page() -> Any:
        context = browser.new_context(locale="ru-RU")
        context.set_default_timeout(PAGE_TIMEOUT)
        opened.append(context)
        return context.new_page()

    yield new_page
    for context in opened:
        # Leave each page first: a chat's open long-poll or the widget's iframe once kept
        # Chromium's context.close() from returning (a CI run's teardown hung for 180 s).
        for page in context.pages:
            with contextlib.suppress(Exception):
                page.goto("about:blank", timeout=5_000)
        context.close()
