"""A QA pass of the console, the server's side: no rating asked after a close nobody talked in,
«Заметки о клиенте» announced live, the transfer refusal in correct Russian, «№ 55512345»
found as an order number, and the transcript without the web chat's silent start. On SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from bot.events import Inbound, InboundKind
from bot.storage.models import Rating, utcnow
from handoff.metrics import compute
from handoff.web.sse import encode
from tests.handoff_kit import Env, login


async def test_a_conversation_nobody_answered_is_closed_without_asking_for_a_rating(
    env: Env,
) -> None:
    s = env.s
    maria = await s.operator("maria", name="Мария")
    silent = await s.escalate("c1")  # Мария holds it
    assert (await s.conversation(silent)).operator_id == maria
    await s.say("c1", "Мне срочно!")
    await s.say("c1", "есть кто живой?")
    async with env.client() as client:
        await login(client, "maria")
        closed = await client.post(f"/api/v1/conversations/{silent}/close", json={})
        assert closed.status_code == 200, closed.text
        told = await s.delivered("c1")
        assert told[-1].text.startswith("Оператор завершил диалог")
        assert not any("оцените" in m.text.lower() for m in told)
        assert not any(b.payload.startswith("rate:") for m in told for b in m.buttons)
        # A rating payload all the same (an old or forged button) is not stored: the customer
        # who was never answered does not count in Мария's CSAT.
        await s.say("c1", "1", payload=f"rate:{silent}:1")

        # Where she wrote, the customer is asked, and the rating is hers.
        helped = await s.escalate("c2")
        sent = await client.post(
            f"/api/v1/conversations/{helped}/reply", json={"text": "Здравствуйте! Смотрю."}
        )
        assert sent.status_code == 200, sent.text
        assert (
            await client.post(f"/api/v1/conversations/{helped}/close", json={})
        ).status_code == 200
    ask = (await s.delivered("c2"))[-1]
    assert "оцените" in ask.text.lower()
    await s.say("c2", "4", payload=ask.buttons[3].payload)

    async with s.db.read() as session:
        ratings = (await session.scalars(select(Rating))).all()
        data = await compute(session, utcnow() - timedelta(hours=1), brain=s.engine.brain)
    assert [(r.conversation_id, r.operator_id, r.score) for r in ratings] == [(helped, maria, 4)]
    assert (data["csat"]["ratings"], data["csat"]["average"]) == (1, 4.0)
    [row] = [r for r in data["operators"] if r["operator_id"] == maria]
    assert (row["ratings"], row["csat_average"]) == (1, 4.0)


async def test_customer_notes_are_announced_to_the_colleagues_with_the_card_open(
    env: Env,
) -> None:
    s = env.s
    await s.operator("anna", name="Анна")
    conversation = await s.escalate("c1")
    customer = (await s.conversation(conversation)).customer_id
    async with env.client() as client:
        await login(client, "anna")
        with s.bus.subscribe() as heard:
            added = await client.post(
                f"/api/v1/customers/{customer}/notes", json={"text": "Звонить после 18:00"}
            )
            assert added.status_code in (200, 201), added.text
            note = added.json()["note"]["id"]
            dropped = await client.delete(f"/api/v1/customers/{customer}/notes/{note}")
            assert dropped.status_code in (200, 204), dropped.text
            events = [heard.get_nowait() for _ in range(heard.qsize())]
    announced = [e for e in events if e.kind == "customer_notes"]
    assert [(e.conversation_id, e.customer_id) for e in announced] == [(None, customer)] * 2
    # The console's stream carries the customer: the page refreshes that customer's card only.
    line = encode(announced[0]).splitlines()[1]
    assert json.loads(line.removeprefix("data: ")) == {
        "kind": "customer_notes",
        "conversation_id": None,
        "owner": None,
        "operator_id": None,
        "customer_id": customer,
    }


async def test_a_transfer_to_a_full_colleague_is_refused_in_correct_russian(env: Env) -> None:
    s = env.s
    anna = await s.operator("anna", name="Анна", capacity=5)
    maria = await s.operator("maria", name="Мария", status="away")
    held = [await s.escalate(f"c{i}") for i in range(4)]  # Анна holds all four
    await s.service.set_status(maria, "online")  # Мария takes none: the queue is empty
    for conversation in held[1:]:
        await s.service.transfer(conversation, anna, to_operator_id=maria)
    async with env.client() as client:
        await login(client, "anna")
        refused = await client.post(
            f"/api/v1/conversations/{held[0]}/transfer", json={"operator_id": maria}
        )
        assert refused.status_code >= 400
        assert refused.json() == {
            "error": "target_busy",
            "message": "У оператора Мария нет свободных мест: 3 диалога из 3. "
            "Передайте в команду — диалог получит первый освободившийся.",
        }
        # The transfer list has what it needs to say so: her load and her capacity.
        listed = (await client.get("/api/v1/operators")).json()["operators"]
        [row] = [o for o in listed if o["id"] == maria]
        assert (row["status"], row["active_conversations"], row["capacity"]) == ("online", 3, 3)


async def test_an_order_number_written_as_the_bot_writes_it_is_found(env: Env) -> None:
    s = env.s
    await s.operator("anna", name="Анна", status="away")
    asked = await s.say("c1", "где мой заказ 55512345?")
    other = await s.say("c2", "здравствуйте")
    async with env.client() as client:
        await login(client, "anna")

        async def find(q: str) -> list[tuple[int, str]]:
            found = (await client.get("/api/v1/search", params={"q": q})).json()
            return [(c["id"], c["match"]["why"]) for c in found["conversations"]]

        for query in ("55512345", "№ 55512345", "№55512345", "#55512345"):
            assert await find(query) == [(asked, "в переписке")], query
        # A conversation's number is still a conversation's number, and only that.
        assert await find(f"№{other}") == [(other, f"диалог №{other}")]


async def test_the_transcript_leaves_out_the_web_chats_silent_start(env: Env) -> None:
    s = env.s
    await s.operator("anna", name="Анна", status="away")
    opened = Inbound(
        channel=s.channel.name,
        external_id="open-v1",
        user_id="v1",
        chat_id="v1",
        kind=InboundKind.START,
        text="",
    )
    conversation = (await s.engine.process(opened)).conversation_id
    assert conversation is not None
    await s.say("v1", "здравствуйте")
    async with env.client() as client:
        await login(client, "anna")
        text = (await client.get(f"/api/v1/conversations/{conversation}/transcript.txt")).text
    said = [line for line in text.splitlines() if re.search(r"\] Клиент #\d+:", line)]
    assert len(said) == 1 and said[0].endswith(": здравствуйте"), text  # no «Клиент #1: —»
    assert ": —" not in text
