"""«Разъединить»: an operator undoes a join of two customer cards (handoff/unmerging.py).

Boris joined two different Annas because both wrote about order 770415. He sees his mistake in
the card and undoes it: each Anna has her own card, conversations, rating and notes again, and
the bot tells them apart from the next message on. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Conversation, Message
from tests.handoff_kit import Env, customer_card, login


async def test_the_operator_takes_back_a_wrong_join(env: Env) -> None:
    s = env.s
    boris = await s.operator("boris", name="Борис")
    other_anna = await s.escalate("anna-tg")
    await s.service.reply(other_anna, boris, "Заказ 770415 передан в доставку.")
    await s.service.close(other_anna, boris)
    ask = (await s.delivered("anna-tg"))[-1]
    await s.say("anna-tg", "4", payload=ask.buttons[3].payload)
    today = await s.say("anna-vb", "где мой заказ 770415?")
    async with env.client() as client:
        await login(client, "boris")
        mine = (await customer_card(client, today))["id"]
        hers = (await customer_card(client, other_anna))["id"]
        noted = await client.post(f"/api/v1/customers/{hers}/notes", json={"text": "Юрлицо"})
        assert noted.status_code == 200, noted.text
        merged = await client.post(f"/api/v1/customers/{mine}/merge", json={"customer_id": hers})
        assert merged.status_code == 200, merged.text
        # After the join a new conversation from the other Anna lands on the joined card.
        after_join = await s.say("anna-tg", "спасибо")
        assert (await customer_card(client, after_join))["id"] == mine

        joins = (await client.get(f"/api/v1/customers/{mine}/merges")).json()["joins"]
        assert [(j["joined_id"], j["by"], j["conversations"]) for j in joins] == [
            (hers, "Борис", 1)
        ]
        undone = await client.post(f"/api/v1/customers/{mine}/merges/{joins[0]['id']}/undo")
        assert undone.status_code == 200, undone.text
        assert undone.json() == {
            "ok": True,
            "customer_id": mine,
            "restored": hers,
            "conversations": 1,
        }

        card = await customer_card(client, other_anna)
        assert card["id"] == hers
        assert [c["id"] for c in card["conversations"]] == [other_anna]
        assert card["conversations"][0]["rating"] == 4  # her rating went back with her
        assert [n["text"] for n in card["notes"]] == ["Юрлицо"]
        assert len(card["channels"]) == 1
        mine_card = await customer_card(client, today)
        assert mine_card["notes"] == [] and len(mine_card["channels"]) == 1
        assert other_anna not in [c["id"] for c in mine_card["conversations"]]

        # Nothing left to undo; a second undo is refused, not repeated.
        assert (await client.get(f"/api/v1/customers/{mine}/merges")).json()["joins"] == []
        again = await client.post(f"/api/v1/customers/{mine}/merges/{joins[0]['id']}/undo")
        assert (again.status_code, again.json()["error"]) == (409, "already_undone")

    line = (
        "Карточки разъединены (Борис): «Клиент anna-vb» (test) и «Клиент anna-tg» (test) — "
        "снова разные клиенты"
    )
    assert line in await s.events(other_anna)
    # The bot tells them apart again: the other Anna's next message is on her own card.
    later = await s.say("anna-tg", "и ещё вопрос")
    assert (await s.conversation(later)).customer_id == hers


async def test_a_join_under_a_later_join_or_of_someone_else_is_not_undone(env: Env) -> None:
    s = env.s
    await s.operator("boris", name="Борис")
    await s.operator("eva", role="editor")
    one = (await s.conversation(await s.say("c1", "здравствуйте"))).customer_id
    two = (await s.conversation(await s.say("c2", "здравствуйте"))).customer_id
    three = (await s.conversation(await s.say("c3", "здравствуйте"))).customer_id
    async with env.client() as client:
        await login(client, "boris")
        assert (
            await client.post(f"/api/v1/customers/{one}/merge", json={"customer_id": two})
        ).status_code == 200
        first = (await client.get(f"/api/v1/customers/{one}/merges")).json()["joins"][0]["id"]
        # Card «one» is then joined into «three»: undo that first.
        assert (
            await client.post(f"/api/v1/customers/{three}/merge", json={"customer_id": one})
        ).status_code == 200
        for card in (three, one):  # «one» opens as «three» now
            refused = await client.post(f"/api/v1/customers/{card}/merges/{first}/undo")
            assert (refused.status_code, refused.json()["error"]) == (409, "merged_since")
            assert refused.json()["message"].startswith("Карточку с тех пор объединили")
        # Another customer's join is not this card's to undo.
        four = (await s.conversation(await s.say("c4", "здравствуйте"))).customer_id
        refused = await client.post(f"/api/v1/customers/{four}/merges/{first}/undo")
        assert (refused.status_code, refused.json()["error"]) == (404, "merge_not_found")
        missing = await client.post(f"/api/v1/customers/{one}/merges/99999/undo")
        assert missing.status_code == 404
    async with env.client() as client:
        await login(client, "eva")
        assert (await client.get(f"/api/v1/customers/{three}/merges")).status_code == 403


async def test_what_the_kept_customer_wrote_after_the_join_is_never_handed_over(env: Env) -> None:
    """Пётр and Ольга are joined by mistake while both talk to the bot; the join keeps one open
    conversation — Ольга's — and Пётр's next message, with his phone, lands in it. Undone, Ольга
    gets back what she said, and not a word of Пётр's; Пётр keeps his."""
    s = env.s
    await s.operator("boris", name="Борис")
    petr = (await s.conversation(await s.say("petr", "здравствуйте"))).customer_id
    olgas = await s.say("olga", "где мой заказ 12345678")
    olga = (await s.conversation(olgas)).customer_id
    async with env.client() as client:
        await login(client, "boris")
        assert (
            await client.post(f"/api/v1/customers/{petr}/merge", json={"customer_id": olga})
        ).status_code == 200
        after = await s.say("petr", "мой телефон +7 916 111-22-33, сколько стоит доставка")
        assert after == olgas  # one open conversation for the one person they seemed to be
        [join] = (await client.get(f"/api/v1/customers/{petr}/merges")).json()["joins"]
        undone = await client.post(f"/api/v1/customers/{petr}/merges/{join['id']}/undo")
        assert undone.status_code == 200, undone.text

        petrs_card = await customer_card(client, after)
        assert petrs_card["id"] == petr  # the conversation went on with Пётр: it is his
        olgas_card = (await client.get(f"/api/v1/customers/{olga}/merges")).status_code
        assert olgas_card == 200
    async with s.db.read() as session:
        texts = {
            customer: " ".join(
                (
                    await session.scalars(
                        select(Message.text).where(
                            Message.customer_id == customer, Message.author == "customer"
                        )
                    )
                ).all()
            )
            for customer in (petr, olga)
        }
        olgas_now = (
            await session.scalars(select(Conversation).where(Conversation.customer_id == olga))
        ).all()
    assert "12345678" in texts[olga] and "916" not in texts[olga]
    assert "916" in texts[petr] and "12345678" not in texts[petr]
    assert [c.owner for c in olgas_now] == ["closed"]  # her part, as history
