"""The demo shop's site (``zabota run --demo``, bot/web/demo_site.py): the chat widget on a
company's pages, served only in demo mode."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.channels.webchat import WebChatChannel
from bot.cli import addresses
from bot.config import Settings
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.conftest import brain_for
from tests.test_webchat import Visitor
from tests.test_webchat_embed import _pages_of_messages

BASE = "http://chat"  # the test client's address: the demo is served there
WIDGET = '<script src="/widget.js" async></script>'
PAGES = {"/demo": "Вольт — электроника и бытовая техника", "/demo/delivery": "Доставка и оплата"}


@contextlib.asynccontextmanager
async def window(
    db_url: str, project: Any, model: Any, demo_site: str | None
) -> AsyncIterator[Visitor]:
    """The demo bot's app (as ``zabota run``, with ``--demo`` when ``demo_site`` is set)."""
    runtime = Runtime(project, Settings(database_url=db_url), brain_for(project, model))
    webchat = WebChatChannel(
        runtime.db,
        runtime.bus,
        b"k" * 32,
        embed_origins=lambda: runtime.brain.config.channels.webchat.embed_origins,
    )
    runtime.add_channel(webchat)
    await runtime.start(migrate=False)
    app = create_app(runtime, manage_runtime=False, extra=[], demo_site=demo_site)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
            session = (await client.post("/webchat/api/session")).json()
            shown = Visitor(client, session, webchat)
            shown.runtime = runtime
            yield shown
    finally:
        await runtime.stop()


@pytest.fixture
async def demo(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Visitor]:
    async with window(db_url, demo_project, demo_model, BASE) as shown:
        yield shown


@pytest.fixture
async def plain(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Visitor]:
    async with window(db_url, demo_project, demo_model, None) as shown:
        yield shown


async def test_the_demo_shop_has_the_one_line_widget_and_nothing_inline(demo: Visitor) -> None:
    for path, title in PAGES.items():
        page = await demo.client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert f"<title>{title}" in page.text
        assert page.text.count(WIDGET) == 1  # the documented line, as a company's page has it
        # The page says what it is and shows how to embed the chat (the snippet as text).
        assert "Это демо-страница: так чат поддержки выглядит на сайте компании" in page.text
        assert '&lt;script src="https://адрес-вашего-zabota/widget.js" async&gt;' in page.text
        assert "embed_origins" in page.text
        # No inline script or style (the CSP forbids them) and nothing from another site.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, re.S)
        assert scripts == [(' src="/widget.js" async', "")]
        assert not re.search(r"\son[a-z]+=|\sstyle=|<style", page.text)
        links = re.findall(r'<[a-z]+\s[^>]*\b(?:src|href)="([^"]*)"', page.text)
        assert links and all(link.startswith("/") for link in links), links
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "frame-src 'self'" in policy
    css = await demo.client.get("/demo/shop.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    # The chat lets its own origin's pages frame it: the shop needs no embed_origins entry.
    chat = await demo.client.get("/chat?embed=1&host=" + BASE)
    assert "frame-ancestors 'self'" in chat.headers["content-security-policy"]
    shop = (await demo.client.get("/demo/delivery")).text
    assert "299 ₽" in shop and "990 ₽" in shop  # the knowledge base's own prices


async def test_without_demo_mode_there_is_no_shop(plain: Visitor) -> None:
    for path in [*PAGES, "/demo/shop.css"]:
        assert (await plain.client.get(path)).status_code == 404, path
    assert (await plain.client.get("/static/demo/index.html")).status_code == 404


async def test_the_operator_sees_which_demo_page_the_customer_wrote_from(demo: Visitor) -> None:
    await demo.send("сколько стоит доставка?", page=f"{BASE}/demo/delivery", page_title="Доставка")
    await demo.read_until("299 ₽")
    assert (await _pages_of_messages(demo))[-1] == (
        "сколько стоит доставка?",
        {"url": f"{BASE}/demo/delivery", "title": "Доставка"},
    )


async def test_without_demo_mode_the_servers_own_pages_are_not_a_sites(plain: Visitor) -> None:
    # embed_origins is empty in config.yml: the page is not recorded.
    await plain.send("сколько стоит доставка?", page=f"{BASE}/demo/delivery", page_title="X")
    await plain.read_until("299 ₽")
    assert (await _pages_of_messages(plain))[-1] == ("сколько стоит доставка?", None)


def test_zabota_run_says_where_the_demo_shop_is() -> None:
    base = "http://127.0.0.1:8000"
    assert f"chat widget on a demo shop {base}/demo" in addresses(base, demo=True)
    assert f"web chat {base}/chat" in addresses(base, demo=True)
    assert "/demo" not in addresses(base, demo=False)
