"""The web chat in the company's own site (bot/web/embed.py): who may frame the chat, the
widget script, and the site's page a customer writes from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import WebChatConfig, load_config
from bot.storage.models import Message
from bot.web.embed import page_of
from bot.yamlio import ContentError
from tests.test_webchat import Visitor, chat_window

SHOP = "https://volt-shop.ru"


@pytest.fixture
async def visitor(db_url: str, demo_project: Any, demo_model: Any) -> AsyncIterator[Visitor]:
    async with chat_window(db_url, demo_project, demo_model) as window:
        yield window


def _embed_origins(visitor: Visitor, *origins: str) -> None:
    """What `channels.webchat.embed_origins` in config.yml would set (read at each request)."""
    assert visitor.runtime is not None
    config = visitor.runtime.brain.config  # this test's copy; its parts are the project's
    config.channels = config.channels.model_copy(deep=True)
    config.channels.webchat.embed_origins = list(origins)


async def _pages_of_messages(visitor: Visitor) -> list[tuple[str, object]]:
    assert visitor.runtime is not None
    async with visitor.runtime.db.read() as session:
        rows = (
            await session.execute(
                select(Message.text, Message.data)
                .where(Message.direction == "in")
                .order_by(Message.id)
            )
        ).all()
    return [(text, (data or {}).get("page")) for text, data in rows]


async def test_only_our_pages_and_the_listed_sites_may_show_the_chat(visitor: Visitor) -> None:
    page = await visitor.client.get("/chat")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'self';" in policy  # nobody else's page can dress it up

    _embed_origins(visitor, SHOP, "https://m.volt-shop.ru")
    policy = (await visitor.client.get("/chat?embed=1")).headers["content-security-policy"]
    assert "frame-ancestors 'self' https://volt-shop.ru https://m.volt-shop.ru;" in policy
    assert "default-src 'self'" in policy


async def test_the_widget_script_is_served_for_any_site(visitor: Visitor) -> None:
    script = await visitor.client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "/chat?embed=1&host=" in script.text


async def test_each_message_says_which_page_of_the_site_the_customer_was_reading(
    visitor: Visitor,
) -> None:
    _embed_origins(visitor, SHOP)
    await visitor.send(
        "а этот холодильник влезет в нишу 60 см?",
        page=f"{SHOP}/catalog/holodilnik-atlant-xm-4208",
        page_title="Холодильник ATLANT ХМ-4208 —  купить   в «Вольт»",
    )
    # A page of a site that is not ours, or no web page at all, is not recorded: the console
    # links to what it shows.
    await visitor.send("а доставка?", page="https://evil.example/phish", page_title="Вход")
    await visitor.send("и ещё", page="javascript:alert(1)")
    await visitor.read_until("и ещё")
    shown = await _pages_of_messages(visitor)
    assert shown[-3:] == [
        (
            "а этот холодильник влезет в нишу 60 см?",
            {
                "url": f"{SHOP}/catalog/holodilnik-atlant-xm-4208",
                "title": "Холодильник ATLANT ХМ-4208 — купить в «Вольт»",
            },
        ),
        ("а доставка?", None),
        ("и ещё", None),
    ]


async def test_a_file_from_the_site_carries_its_page_too(visitor: Visitor) -> None:
    _embed_origins(visitor, SHOP)
    response = await visitor.client.post(
        "/webchat/api/upload",
        params=visitor.session,
        files={"file": ("чек.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
        data={"text": "вот чек", "page": f"{SHOP}/orders/770415", "page_title": "Заказ 770415"},
    )
    assert response.status_code == 202
    await visitor.read_until("вот чек")
    assert (await _pages_of_messages(visitor))[-1] == (
        "вот чек",
        {"url": f"{SHOP}/orders/770415", "title": "Заказ 770415"},
    )


@pytest.mark.parametrize(
    ("url", "origins", "kept"),
    [
        ("https://volt-shop.ru/cart?x=1#top", [SHOP], True),
        ("https://VOLT-SHOP.ru/cart", [SHOP], True),  # hosts compare without case
        ("https://volt-shop.ru:8443/cart", [SHOP], False),  # another port is another site
        ("http://volt-shop.ru/cart", [SHOP], False),
        ("https://volt-shop.ru.evil.example/cart", [SHOP], False),
        ("https://user@volt-shop.ru/cart", [SHOP], False),
        ("https://volt-shop.ru/" + "x" * 1200, [SHOP], False),
        ("https://volt-shop.ru/cart", [], False),
        (None, [SHOP], False),
    ],
)
def test_a_page_is_kept_only_when_it_is_the_sites(
    url: object, origins: list[str], kept: bool
) -> None:
    assert (page_of(url, "Корзина", origins) is not None) is kept


def test_listed_sites_are_written_as_browsers_write_origins() -> None:
    config = WebChatConfig(embed_origins=["https://Volt-Shop.ru/", "http://127.0.0.1:8080"])
    assert config.embed_origins == ["https://volt-shop.ru", "http://127.0.0.1:8080"]


@pytest.mark.parametrize(
    "origin",
    ["volt-shop.ru", "https://volt-shop.ru/chat", "*", "https://*.volt-shop.ru", "ftp://x.ru"],
)
def test_a_site_that_is_not_an_origin_is_refused_at_its_line(tmp_path: Path, origin: str) -> None:
    path = tmp_path / "config.yml"
    path.write_text(
        f"language: ru\nchannels:\n  webchat:\n    embed_origins:\n      - '{origin}'\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        load_config(path)
    [problem] = info.value.problems
    assert problem.line in (4, 5), problem
    assert "не адрес сайта" in problem.message and "https://shop.example.ru" in problem.message
