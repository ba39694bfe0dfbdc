"""An operator sends the customer a file: a receipt, a return form, a photo of the right part."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot import files
from bot.events import Outbound, OutboundFile
from bot.storage import erasure
from bot.storage.db import Database
from bot.storage.models import Conversation, StoredFile, utcnow
from handoff.auth import create_operator
from handoff.web import Console, routes
from tests.handoff_kit import Stack, login, stack
from tests.test_e2e_messengers import world

PDF = b"%PDF-1.4\n% return form for order 4821\n"
PNG = b"\x89PNG\r\n\x1a\n a photo of the right charger"


@dataclass
class Env:
    s: Stack
    app: Starlette

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def upload(
        self,
        client: httpx.AsyncClient,
        conversation_id: int,
        name: str,
        content: bytes,
        caption: str | None = None,
    ) -> httpx.Response:
        return await client.post(
            f"/api/v1/conversations/{conversation_id}/files",
            files={"file": (name, content, "application/octet-stream")},
            data={"caption": caption} if caption is not None else None,
        )

    async def stored(self) -> int:
        async with self.s.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(StoredFile)) or 0)


@pytest.fixture
async def env(db: Database) -> AsyncIterator[Env]:
    async with stack(db) as s:
        s.channel.files = True
        console = Console(
            db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32, channels={"test": s.channel}
        )
        app = Starlette(routes=[*routes(console), *files.file_routes(db)])
        yield Env(s, app)


async def test_the_customer_gets_the_return_form_with_the_operators_words(env: Env) -> None:
    anna = await env.s.operator("anna", name="Анна")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "anna")
        sent = await env.upload(
            client, conversation, "Бланк возврата.pdf", PDF, "Заполните, пожалуйста, бланк"
        )
        assert sent.status_code == 200, sent.text

        delivered = (await env.s.delivered("c1"))[-1]
        assert delivered.author == "operator"
        assert delivered.text == "Заполните, пожалуйста, бланк"
        assert delivered.file is not None
        assert delivered.file.name == "Бланк возврата.pdf"
        assert delivered.file.mime_type == "application/pdf"
        assert delivered.file.size == len(PDF)

        # The operator's history shows what went out, and the file opens from there.
        detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
        shown = next(m for m in detail["messages"] if m["id"] == sent.json()["message_id"])
        assert shown["file"]["name"] == "Бланк возврата.pdf" and not shown["file"]["picture"]
        download = await client.get(shown["file"]["url"])
        assert download.content == PDF
        assert download.headers["content-type"] == "application/octet-stream"
        assert "attachment" in download.headers["content-disposition"]
        assert download.headers["x-content-type-options"] == "nosniff"
    taken = await env.s.conversation(conversation)
    assert taken.operator_id == anna and taken.first_response_at is not None


async def test_a_photo_is_shown_inline_and_needs_no_caption(env: Env) -> None:
    await env.s.operator("anna")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "anna")
        sent = await env.upload(client, conversation, "зарядка.PNG", PNG)
        assert sent.status_code == 200, sent.text
        delivered = (await env.s.delivered("c1"))[-1]
        assert delivered.text == "" and delivered.file is not None
        assert delivered.file.is_picture
        detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
        url = detail["messages"][-1]["file"]["url"]
        picture = await client.get(url)
        assert picture.content == PNG
        assert picture.headers["content-type"] == "image/png"
        assert picture.headers["content-disposition"].startswith("inline")
        # The queue's preview of a message that is only a file names the file.
        mine = (await client.get("/api/v1/conversations?view=mine")).json()["conversations"]
        assert mine[0]["last_message"]["text"] == "📎 зарядка.PNG"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", b"MZ\x90\x00", "file_type_not_allowed"),
        ("скрипт.html", b"<script>alert(1)</script>", "file_type_not_allowed"),
        ("без расширения", b"data", "file_type_not_allowed"),
        ("пусто.pdf", b"", "empty_file"),
        ("огромный.pdf", b"%" * (files.MAX_FILE_BYTES + 1), "file_too_large"),
    ],
)
async def test_what_cannot_reach_a_customer_is_refused_and_nothing_is_sent(
    env: Env, name: str, content: bytes, code: str
) -> None:
    await env.s.operator("anna")
    conversation = await env.s.escalate("c1")
    before = len(await env.s.delivered("c1"))
    async with env.client() as client:
        await login(client, "anna")
        refused = await env.upload(client, conversation, name, content)
    assert refused.status_code in (400, 413), refused.text
    assert refused.json()["error"] == code
    assert refused.json()["message"]  # Russian, for the operator
    assert len(await env.s.delivered("c1")) == before
    assert await env.stored() == 0


async def test_uploads_are_refused_without_rights_or_in_the_wrong_form(env: Env) -> None:
    anna = await env.s.operator("anna")
    await env.s.operator("boris", status="offline")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        # Not logged in.
        assert (await env.upload(client, conversation, "a.pdf", PDF)).status_code == 401
        await login(client, "boris")
        # Anna's conversation: Boris cannot send into it.
        other = await env.upload(client, conversation, "a.pdf", PDF)
        assert other.status_code == 409 and other.json()["error"] == "not_yours"
        # No CSRF token: refused before anything is read.
        del client.headers["X-CSRF-Token"]
        assert (await env.upload(client, conversation, "a.pdf", PDF)).status_code == 403
    async with env.client() as client:
        await login(client, "anna")
        as_json = await client.post(
            f"/api/v1/conversations/{conversation}/files", json={"file": "a.pdf"}
        )
        assert as_json.status_code == 400 and as_json.json()["error"] == "bad_content_type"
        no_file = await client.post(
            f"/api/v1/conversations/{conversation}/files", files={"caption": (None, "вот")}
        )
        assert no_file.status_code == 400 and no_file.json()["error"] == "no_file"
        missing = await env.upload(client, 999_999, "a.pdf", PDF)
        assert missing.status_code == 404
        await env.s.service.close(conversation, anna)
        closed = await env.upload(client, conversation, "a.pdf", PDF)
        assert closed.status_code == 409 and closed.json()["error"] == "closed"
    assert await env.stored() == 0


async def test_a_channel_that_cannot_take_files_is_refused_up_front(env: Env) -> None:
    env.s.channel.files = False
    await env.s.operator("anna")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "anna")
        refused = await env.upload(client, conversation, "a.pdf", PDF)
    assert refused.status_code == 409 and refused.json()["error"] == "files_not_supported"
    assert await env.stored() == 0


async def test_a_file_is_erased_with_the_customers_data(env: Env) -> None:
    await env.s.operator("anna")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "anna")
        await env.upload(client, conversation, "чек.pdf", PDF)
        detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
        url = detail["messages"][-1]["file"]["url"]
        assert (await client.get(url)).status_code == 200
        customer = detail["customer_card"]["id"]
        async with env.s.db.write() as session:
            result = await erasure.forget_customer(session, customer, actor="test")
        assert result.report.files == 1
        gone = await client.get(url)
        assert gone.status_code == 404 and gone.json()["message"] == "Файл не найден или удалён."
        detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
        assert all(m["file"] is None for m in detail["messages"])
    assert await env.stored() == 0


async def test_retention_erases_old_files_too(env: Env) -> None:
    anna = await env.s.operator("anna")
    conversation = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "anna")
        await env.upload(client, conversation, "чек.pdf", PDF)
    await env.s.service.close(conversation, anna)
    async with env.s.db.write() as session:
        report = await erasure.erase_closed_before(session, utcnow())
    assert report.files == 1 and await env.stored() == 0


def test_file_names_are_made_safe_and_types_come_from_the_extension() -> None:
    assert files.check_upload("../../etc/Бланк.PDF", PDF).name == "Бланк.PDF"
    assert files.check_upload("C:\\Users\\anna\\чек.pdf", PDF).name == "чек.pdf"
    assert files.check_upload("фото\x00.jpg", PNG).name == "фото_.jpg"
    assert files.check_upload("IMG_0001.JPG", PNG).mime_type == "image/jpeg"
    long = files.check_upload("о" * 300 + ".docx", b"PK")
    assert len(long.name) == 120 and long.name.endswith(".docx")
    with pytest.raises(files.FileRefused) as refused:
        files.check_upload("..", PDF)
    assert refused.value.code == "file_type_not_allowed"


def test_a_file_survives_the_outbox_round_trip() -> None:
    message = Outbound("Ваш чек", author="operator", file=OutboundFile("t0k", "чек.pdf", "a/b", 7))
    assert Outbound.from_json(message.to_json()) == message
    assert Outbound.from_json(Outbound("без файла").to_json()).file is None


async def test_telegram_and_viber_customers_get_the_exact_files(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """Through the console's API, the outbox and the real SDKs to the messengers' stand-ins."""
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.text_update(1001, "позовите оператора"), w.client)
        await w.vb.deliver(w.vb.message_event("vb-user-1", "позовите человека"), w.client)
        await w.settle()
        async with w.runtime.db.write() as session:
            await create_operator(session, "anna", "anna-secret-1", display_name="Анна")
            queued = {
                c.channel: c.id
                for c in (await session.scalars(select(Conversation))).all()
                if c.owner == "queued"
            }
        assert set(queued) == {"telegram", "viber"}
        login = await w.client.post(
            "/api/v1/session", json={"username": "anna", "password": "anna-secret-1"}
        )
        w.client.headers["X-CSRF-Token"] = login.json()["csrf"]

        async def upload(conversation: int, name: str, content: bytes, caption: str) -> None:
            sent = await w.client.post(
                f"/api/v1/conversations/{conversation}/files",
                files={"file": (name, content, "application/octet-stream")},
                data={"caption": caption},
            )
            assert sent.status_code == 200, sent.text

        await upload(queued["telegram"], "Бланк возврата.pdf", PDF, "Заполните бланк")
        await upload(queued["viber"], "зарядка.png", PNG, "Вот такая зарядка")
        await w.settle()

        document = w.tg.sent_to(1001)[-1]
        assert document.kind == "document"
        assert (document.file_name, document.content) == ("Бланк возврата.pdf", PDF)
        assert document.text == "Заполните бланк"

        picture = w.vb.sent_to("vb-user-1")[-1]
        assert picture.type == "picture" and picture.text == "Вот такая зарядка"
        assert picture.media is not None
        assert picture.media.endswith(".png")  # Viber wants a picture's URL to say so
        assert picture.content == PNG, picture.fetch_error  # what Viber fetched from us
