"""«Это тот же клиент»: an operator joins two customer cards into one (handoff/merging.py).

Anna wrote yesterday from one messenger, was helped and rated it; today she writes from
another and says so. The operator finds yesterday's conversation and merges: one card, both
conversations, yesterday's rating, and the bot knows her in both from now on. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

from bot.bus import BusEvent
from handoff.web.sse import CONSOLE_KINDS
from tests.handoff_kit import Env, customer_card, login


async def test_the_operator_merges_yesterdays_customer_into_todays(env: Env) -> None:
    s = env.s
    boris = await s.operator("boris", name="Борис")
    yesterday = await s.escalate("anna-tg")
    await s.service.reply(yesterday, boris, "Заказ 770415 передан в доставку.")
    await s.service.close(yesterday, boris)
    ask = (await s.delivered("anna-tg"))[-1]
    await s.say("anna-tg", "5", payload=ask.buttons[4].payload)

    today = await s.say("anna-vb", "я вчера писала про заказ 770415, он так и не пришёл")
    await s.say("anna-vb", "позовите оператора")
    async with env.client() as client:
        await login(client, "boris")
        before = await customer_card(client, today)
        assert before["conversations_total"] == 1
        # «Найти» by the order number shows yesterday's conversation, of another customer.
        found = (await client.get("/api/v1/search", params={"q": "770415"})).json()
        other = next(c for c in found["conversations"] if c["id"] == yesterday)
        assert other["customer"]["id"] != before["id"]

        heard: list[BusEvent] = []
        stop = s.bus.tap(heard.append)
        merged = await client.post(
            f"/api/v1/customers/{before['id']}/merge", json={"customer_id": other["customer"]["id"]}
        )
        stop()
        # Every console refreshes: the joined customer's conversations have another name now.
        assert [e.customer_id for e in heard if e.kind == "customer"] == [before["id"]]
        assert "customer" in CONSOLE_KINDS
        assert merged.status_code == 200, merged.text
        assert merged.json() == {
            "ok": True,
            "customer_id": before["id"],
            "joined": other["customer"]["id"],
            "conversations": 1,
        }
        after = await customer_card(client, today)
        assert after["id"] == before["id"] and after["conversations_total"] == 2
        assert [c["id"] for c in after["conversations"]] == [today, yesterday]
        assert after["conversations"][1]["rating"] == 5  # yesterday's rating came along
        assert len(after["channels"]) == 2
        # The same card from yesterday's conversation.
        assert (await customer_card(client, yesterday))["id"] == before["id"]

        again = await client.post(
            f"/api/v1/customers/{before['id']}/merge", json={"customer_id": other["customer"]["id"]}
        )
        assert (again.status_code, again.json()["error"]) == (400, "same_customer")

    line = (  # the name and the messengers of each («test»: the test channel)
        "Борис объединил(а) клиентов «Клиент anna-vb» (test) и «Клиент anna-tg» (test): "
        "история обоих теперь в одной карточке"
    )
    assert line in await s.events(today)
    assert line in await s.events(yesterday)
    # From now on the bot knows her in both: a message from yesterday's account is hers.
    said = await s.say("anna-tg", "спасибо, нашла курьера")
    async with env.client() as client:
        await login(client, "boris")
        assert (await customer_card(client, said))["id"] == before["id"]


async def test_a_blocked_or_erased_customer_is_not_merged_by_the_way(env: Env) -> None:
    s = env.s
    await s.operator("boss", role="admin", name="Босс")
    troll = (await s.conversation(await s.say("troll", "здравствуйте"))).customer_id
    anna = (await s.conversation(await s.say("anna", "здравствуйте"))).customer_id
    gone = (await s.conversation(await s.say("gone", "здравствуйте"))).customer_id
    async with env.client() as client:
        await login(client, "boss")
        assert (await client.post(f"/api/v1/customers/{troll}/block", json={})).status_code == 200
        refused = await client.post(f"/api/v1/customers/{anna}/merge", json={"customer_id": troll})
        assert refused.status_code == 409
        assert refused.json()["error"] == "blocked_differs"
        assert refused.json()["message"].startswith("Один из клиентов заблокирован")

        forget = await client.post(f"/api/v1/customers/{gone}/forget", json={})
        assert forget.status_code == 200, forget.text
        erased = await client.post(f"/api/v1/customers/{anna}/merge", json={"customer_id": gone})
        assert (erased.status_code, erased.json()["error"]) == (409, "erased")

        missing = await client.post(f"/api/v1/customers/{anna}/merge", json={"customer_id": 99999})
        assert missing.status_code == 404
        bad = await client.post(f"/api/v1/customers/{anna}/merge", json={"customer_id": "x"})
        assert (bad.status_code, bad.json()["error"]) == (400, "bad_customer")
    # Nothing moved.
    assert (await s.conversation(await s.say("anna", "ещё вопрос"))).customer_id == anna


async def test_an_editor_cannot_merge(env: Env) -> None:
    await env.s.operator("eva", role="editor")
    one = (await env.s.conversation(await env.s.say("c1", "здравствуйте"))).customer_id
    two = (await env.s.conversation(await env.s.say("c2", "здравствуйте"))).customer_id
    async with env.client() as client:
        await login(client, "eva")
        response = await client.post(f"/api/v1/customers/{one}/merge", json={"customer_id": two})
        assert response.status_code == 403
