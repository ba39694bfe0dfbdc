"""«Заметки о клиенте»: what the team keeps about a customer across conversations and messengers
(handoff/customer_notes.py), on SQLite and PostgreSQL. Anna notes that the customer wants calls
after six; next week Boris sees it in the customer's new conversation, from another messenger."""

from __future__ import annotations

from tests.handoff_kit import Env, admin_and_customer, customer_card, login


async def test_a_note_about_the_customer_follows_them_to_the_next_conversation(env: Env) -> None:
    s = env.s
    anna = await s.operator("anna", name="Анна")
    first = await s.escalate("ivan-tg")
    customer = (await s.conversation(first)).customer_id
    async with env.client() as client:
        await login(client, "anna")
        added = await client.post(
            f"/api/v1/customers/{customer}/notes",
            json={"text": "  Звонить только после 18:00.\nЮрлицо: ООО «Ромашка»  "},
        )
        assert added.status_code == 200, added.text
        note = added.json()["note"]
        assert note["text"] == "Звонить только после 18:00.\nЮрлицо: ООО «Ромашка»"
        assert (note["author"], note["author_id"]) == ("Анна", anna)
        for bad, code in (("   ", "empty"), ("я" * 1001, "too_long"), ("a\x07b", "control_chars")):
            refused = await client.post(f"/api/v1/customers/{customer}/notes", json={"text": bad})
            assert (refused.status_code, refused.json()["error"]) == (400, code)
    await s.service.close(first, anna)

    # A week later from another messenger; the cards are joined and the note is there.
    later = await s.escalate("ivan-vb")
    other = (await s.conversation(later)).customer_id
    await s.operator("boris", name="Борис")
    async with env.client() as client:
        await login(client, "boris")
        assert (await customer_card(client, later))["notes"] == []
        merged = await client.post(
            f"/api/v1/customers/{other}/merge", json={"customer_id": customer}
        )
        assert merged.status_code == 200, merged.text
        seen = await customer_card(client, later)
        assert [n["text"] for n in seen["notes"]] == [note["text"]]
        assert seen["notes_total"] == 1
        # Boris cannot delete Anna's note; she can.
        refused = await client.delete(f"/api/v1/customers/{other}/notes/{note['id']}")
        assert (refused.status_code, refused.json()["error"]) == (403, "not_your_note")
        missing = await client.delete(f"/api/v1/customers/{other}/notes/999999")
        assert missing.status_code == 404
    async with env.client() as client:
        await login(client, "anna")
        gone = await client.delete(f"/api/v1/customers/{other}/notes/{note['id']}")
        assert gone.status_code == 200, gone.text
        assert (await customer_card(client, later))["notes"] == []


async def test_the_card_shows_the_newest_twenty_and_counts_the_rest(env: Env) -> None:
    conv, customer = await admin_and_customer(env)
    async with env.client() as client:
        await login(client, "boss")
        for n in range(23):
            response = await client.post(
                f"/api/v1/customers/{customer}/notes", json={"text": f"заметка {n}"}
            )
            assert response.status_code == 200
        shown = await customer_card(client, conv)
        assert len(shown["notes"]) == 20 and shown["notes_total"] == 23
        assert shown["notes"][0]["text"] == "заметка 22"  # newest first


async def test_erasing_the_customer_deletes_the_notes_about_them(env: Env) -> None:
    conv, customer = await admin_and_customer(env)
    async with env.client() as client:
        await login(client, "boss")
        await client.post(
            f"/api/v1/customers/{customer}/notes", json={"text": "паспорт 4510 123456"}
        )
        erased = await client.post(f"/api/v1/customers/{customer}/forget", json={})
        assert erased.json()["erased"]["notes"] == 1
        assert (await customer_card(client, conv))["notes"] == []
        refused = await client.post(f"/api/v1/customers/{customer}/notes", json={"text": "ещё"})
        assert (refused.status_code, refused.json()["error"]) == (409, "erased")


async def test_an_editor_cannot_keep_notes(env: Env) -> None:
    await env.s.operator("eva", role="editor")
    conv = await env.s.say("c1", "здравствуйте")
    customer = (await env.s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "eva")
        response = await client.post(f"/api/v1/customers/{customer}/notes", json={"text": "x"})
        assert response.status_code == 403
