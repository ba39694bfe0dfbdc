"""Operators see customers' photos and documents, fetched from the messenger behind login."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select

from bot.storage.models import Message
from handoff.auth import create_operator
from tests.test_e2e_messengers import world

PNG = b"\x89PNG\r\n\x1a\n fake photo of a broken kettle"


async def test_a_customer_photo_reaches_the_operator(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.photo_update(4242, content=PNG), w.client)
        await w.tg.deliver(
            w.tg.document_update(4242, name="чек.pdf", content=b"%PDF-1.4 receipt"), w.client
        )
        await w.settle()
        async with w.runtime.db.write() as s:
            await create_operator(s, "anna", "anna-secret-1", teams=["support"])
            photo = await s.scalar(
                select(Message).where(Message.author == "customer").order_by(Message.id)
            )
            assert photo is not None
        # A photo without words goes to a person, who must be able to see it.
        assert "коллег" in w.tg.texts(4242)[0]
        url = f"/api/v1/messages/{photo.id}/attachments/0"
        assert (await w.client.get(url)).status_code == 401
        login = await w.client.post(
            "/api/v1/session", json={"username": "anna", "password": "anna-secret-1"}
        )
        assert login.status_code == 200
        shown = await w.client.get(url)
        assert shown.status_code == 200
        assert shown.content == PNG
        assert shown.headers["content-type"] == "image/jpeg"
        assert shown.headers["x-content-type-options"] == "nosniff"
        conv_id = photo.conversation_id
        card = (await w.client.get(f"/api/v1/conversations/{conv_id}")).json()
        documents = [m for m in card["messages"] if m["attachments"]]
        assert [a["name"] for m in documents for a in m["attachments"]][-1] == "чек.pdf"
        doc_message = documents[-1]["id"]
        pdf = await w.client.get(f"/api/v1/messages/{doc_message}/attachments/0")
        assert pdf.content == b"%PDF-1.4 receipt"
        assert pdf.headers["content-type"] == "application/octet-stream"  # downloaded, not rendered
        assert "attachment" in pdf.headers["content-disposition"]
        missing = await w.client.get(f"/api/v1/messages/{doc_message}/attachments/5")
        assert missing.status_code == 404


async def test_downloads_are_named_with_an_extension(
    db_url: str, demo_project: Any, demo_model: Any
) -> None:
    """QA: a photo downloaded as «photo-24-0», a voice note as «audio-30-0»: no program
    opens them. The name gets the extension of the file's type."""
    async with world(db_url, demo_project, demo_model) as w:
        await w.tg.deliver(w.tg.photo_update(4242, content=PNG), w.client)
        await w.tg.deliver(w.tg.voice_update(4242, content=b"OggS voice"), w.client)
        await w.tg.deliver(
            w.tg.document_update(4242, name="чек.pdf", content=b"%PDF-1.4 receipt"), w.client
        )
        await w.settle()
        async with w.runtime.db.write() as s:
            await create_operator(s, "anna", "anna-secret-1", teams=["support"])
            ids = (
                await s.scalars(
                    select(Message.id).where(Message.author == "customer").order_by(Message.id)
                )
            ).all()
        login = await w.client.post(
            "/api/v1/session", json={"username": "anna", "password": "anna-secret-1"}
        )
        assert login.status_code == 200
        names = []
        for message_id in ids:
            got = await w.client.get(f"/api/v1/messages/{message_id}/attachments/0")
            assert got.status_code == 200
            names.append(got.headers["content-disposition"].split("filename*=UTF-8''")[1])
        photo, voice, receipt = names
        assert re.fullmatch(r"photo-\d+-0\.jpg", photo)
        assert re.fullmatch(r"(voice|audio)-\d+-0\.ogg", voice)
        assert unquote(receipt) == "чек.pdf"  # the customer's own name is kept
