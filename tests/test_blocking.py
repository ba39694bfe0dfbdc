"""«Заблокировать клиента»: an operator keeps a spammer or an abusive customer away from the
people (handoff/blocking.py). The bot still answers them; a request for a person, a complaint
or profanity no longer reaches the queue. On SQLite and PostgreSQL."""

from __future__ import annotations

from bot.ownership import Owner
from handoff.service import HandoffService
from tests.dialogue import TestBot
from tests.handoff_kit import Env, login

UNAVAILABLE = "Подключить оператора в этом чате сейчас не получится."


async def test_a_blocked_customer_gets_the_bot_but_never_the_queue(env: Env) -> None:
    s = env.s
    anna = await s.operator("anna", name="Анна")
    conv = await s.escalate("troll")  # Anna has it at once
    assert (await s.conversation(conv)).operator_id == anna
    customer = (await s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "anna")
        blocked = await client.post(f"/api/v1/customers/{customer}/block", json={})
        assert blocked.json() == {"ok": True, "closed": [conv]}
        again = await client.post(f"/api/v1/customers/{customer}/block", json={})
        assert again.status_code == 400 and again.json()["error"] == "already_blocked"
        card = (await client.get(f"/api/v1/conversations/{conv}")).json()["customer_card"]
        assert card["blocked_at"] is not None
    # Closed without a rating request: there is nothing to rate.
    assert (await s.conversation(conv)).owner == "closed"
    assert not any("оцените" in t.lower() for t in await s.texts("troll"))
    assert (await s.events(conv))[-1].startswith("Закрыто: клиент заблокирован (Анна)")

    said = len(await s.texts("troll"))
    await s.say("troll", "позовите оператора")
    assert (await s.texts("troll"))[said:] == [
        UNAVAILABLE + " Я по-прежнему могу ответить на вопросы о заказах, доставке, оплате и "
        "возврате."
    ]
    said = len(await s.texts("troll"))
    newest = await s.say("troll", "как вернуть товар?")
    assert (await s.conversation(newest)).owner == Owner.BOT.value  # the bot answers
    assert len(await s.texts("troll")) == said + 1


async def test_unblocking_lets_them_reach_a_person_again(env: Env) -> None:
    s = env.s
    await s.operator("boss", role="admin", status="offline")
    conv = await s.say("c1", "здравствуйте")
    customer = (await s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "boss")
        await client.post("/api/v1/me/status", json={"status": "away"})  # nobody takes it
        assert (await client.post(f"/api/v1/customers/{customer}/block", json={})).json() == {
            "ok": True,
            "closed": [],  # nothing was with a person
        }
        await s.say("c1", "позовите оператора")
        assert (await s.conversation(conv)).owner == "bot"
        assert (await client.post(f"/api/v1/customers/{customer}/unblock", json={})).json() == {
            "ok": True
        }
        not_blocked = await client.post(f"/api/v1/customers/{customer}/unblock", json={})
        assert not_blocked.json()["error"] == "not_blocked"
        missing = await client.post("/api/v1/customers/999999/block", json={})
        assert missing.status_code == 404
    await s.say("c1", "позовите оператора")
    assert (await s.conversation(conv)).owner == "queued"
    assert (await s.events(conv))[-2] == "Boss разблокировал(а) клиента"


async def test_an_editor_cannot_block(env: Env) -> None:
    await env.s.operator("eva", role="editor")
    conv = await env.s.say("c1", "здравствуйте")
    customer = (await env.s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "eva")
        response = await client.post(f"/api/v1/customers/{customer}/block", json={})
        assert response.status_code == 403


async def test_a_blocked_customer_writing_from_another_messenger_is_blocked_too(
    bot: TestBot,
) -> None:
    """Linked accounts are one customer: the block follows them."""
    from sqlalchemy import select

    from bot.storage.models import Customer, Identity
    from handoff.auth import create_operator
    from handoff.blocking import block

    tg, web = bot.customer("u1"), bot.customer("w1", channel="webchat")
    await tg.say("здравствуйте")
    await web.say("здравствуйте")
    async with bot.runtime.db.write() as session:
        ids = dict((await session.execute(select(Identity.user_id, Identity.customer_id))).all())
        web_customer = await session.get(Customer, ids["w1"])
        assert web_customer is not None
        web_customer.merged_into_id = ids["u1"]  # as the link code does
        admin = await create_operator(session, "boss", "boss-pass-1", role="admin")
    service = HandoffService.from_runtime(bot.runtime)
    await block(service, ids["w1"], admin)  # resolves to the customer it was merged into
    [said] = await web.say("позовите оператора")
    assert said.text.startswith(UNAVAILABLE)


async def test_blocking_closes_an_answered_request_with_a_reason_not_as_resolved(env: Env) -> None:
    """QA: blocking closed the customer's open request silently — the customer was left
    waiting for a person, the history said nothing of a close, and the statistics counted it
    as a resolution of Анна's. Now the customer gets the neutral «не получится», the history
    says why it closed, Анна's freed slot takes the next customer, and nothing is «решено»."""
    from datetime import timedelta

    from bot.storage.models import utcnow
    from handoff.metrics import compute
    from tests.handoff_kit import make_brain

    s = env.s
    anna = await s.operator("anna", name="Анна", capacity=1)
    conv = await s.escalate("troll")
    await s.service.reply(conv, anna, "Здравствуйте! Слушаю вас.")
    waiting = await s.escalate("c2")  # Анна's one slot is taken: c2 waits in the queue
    assert (await s.conversation(waiting)).owner == Owner.QUEUED.value
    customer = (await s.conversation(conv)).customer_id
    async with env.client() as client:
        await login(client, "anna")
        blocked = await client.post(f"/api/v1/customers/{customer}/block", json={})
        assert blocked.json() == {"ok": True, "closed": [conv]}
    assert (await s.events(conv))[-1] == (
        "Закрыто: клиент заблокирован (Анна) — к операторам он больше не попадёт, "
        "бот по-прежнему отвечает"
    )
    told = (await s.texts("troll"))[-1]
    assert told.startswith(UNAVAILABLE) and "заблок" not in told.lower()
    assert (await s.conversation(waiting)).operator_id == anna  # the freed slot is used
    async with s.db.read() as session:
        data = await compute(session, utcnow() - timedelta(days=1), brain=make_brain())
    assert data["resolution"]["resolved"] == 0
    assert {r["operator"]: r["resolved"] for r in data["operators"]} == {"Анна": 0}
