"""The console over HTTP: sessions, CSRF, roles, the JSON API end to end, OpenAPI."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from starlette.applications import Starlette

from bot.storage import erasure
from bot.storage.db import Database
from bot.storage.models import Conversation, Customer, Handoff, LoginFailure, Message, utcnow
from handoff import login_guard
from handoff.web import Console, routes
from tests.handoff_kit import PASSWORD, Env, login, stack


async def test_nothing_is_reachable_without_login(env: Env) -> None:
    async with env.client() as client:
        assert (await client.get("/api/v1/conversations")).status_code == 401
        assert (await client.post("/api/v1/conversations/1/close", json={})).status_code == 401
        page = await client.get("/console")
        assert page.status_code == 303
        assert page.headers["location"] == "/console/login?next=/console"
        assert (await client.get("/console/stats")).status_code == 303


async def test_login_cookie_flags_and_wrong_password(env: Env) -> None:
    await env.s.operator("anna", status="offline")
    async with env.client() as client:
        bad = await client.post(
            "/api/v1/session", json={"username": "anna", "password": "nope-nope"}
        )
        assert bad.status_code == 401
        assert bad.json()["message"] == "Неверное имя пользователя или пароль."
        good = await client.post("/api/v1/session", json={"username": "Anna", "password": PASSWORD})
        cookie = good.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert (await env.s.operator_row(1)).status == "online"  # logging in means being at work
    async with env.client(headers={"X-Forwarded-Proto": "https"}) as client:
        good = await client.post("/api/v1/session", json={"username": "anna", "password": PASSWORD})
        assert "secure" in good.headers["set-cookie"].lower()


async def test_csrf_is_required_on_every_state_change(env: Env) -> None:
    await env.s.operator("anna")
    conv_id = await env.s.escalate("c1")
    async with env.client() as client:
        csrf = await login(client, "anna")
        del client.headers["X-CSRF-Token"]
        url = f"/api/v1/conversations/{conv_id}/reply"
        missing = await client.post(url, json={"text": "привет"})
        assert missing.status_code == 403 and missing.json()["error"] == "csrf"
        wrong = await client.post(url, json={"text": "привет"}, headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
        foreign = await client.post(
            url,
            json={"text": "привет"},
            headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        ok = await client.post(
            url,
            json={"text": "привет"},
            headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"},
        )
        assert ok.status_code == 200
    assert [m.text for m in await env.s.delivered("c1")][-1] == "привет"


async def test_roles_operator_cannot_reach_admin_pages_editor_not_console(env: Env) -> None:
    await env.s.operator("anna")
    await env.s.operator("boss", role="admin")
    await env.s.operator("ed", role="editor")
    async with env.client() as client:
        await login(client, "anna")
        assert (await client.get("/console")).status_code == 200
        page = await client.get("/console/stats")
        assert page.status_code == 403 and "Недостаточно прав" in page.text
        assert (await client.get("/api/v1/metrics")).status_code == 403
    async with env.client() as client:
        await login(client, "boss")
        assert (await client.get("/console/stats")).status_code == 200
        metrics = (await client.get("/api/v1/metrics?days=7")).json()
        assert set(metrics) >= {
            "first_response",
            "per_operator_day",
            "csat",
            "deflection",
            "handoffs",
        }
    async with env.client() as client:
        await login(client, "ed")
        workspace = await client.get("/console")  # editors see no conversations: their page
        assert workspace.status_code == 303
        assert workspace.headers["location"] == "/console/editor"
        assert (await client.get("/api/v1/conversations")).status_code == 403
        assert (await client.get("/api/v1/kb/search?q=доставка")).status_code == 200


async def test_login_form_with_csrf_token(env: Env) -> None:
    await env.s.operator("anna")
    async with env.client() as client:
        page = await client.get("/console/login?next=/console")
        assert page.status_code == 200 and "Консоль оператора" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {"username": "anna", "password": PASSWORD, "next": "https://evil.example/"}
        forged = await client.post("/console/login", data={**form, "csrf_token": "x"})
        assert forged.status_code == 403
        done = await client.post("/console/login", data={**form, "csrf_token": token.group(1)})
        assert (
            done.status_code == 303 and done.headers["location"] == "/console"
        )  # no open redirect
        console = await client.get("/console")
        assert console.status_code == 200
        assert 'name="csrf-token"' in console.text
        assert "script-src 'self'" in console.headers["content-security-policy"]


async def test_api_flow_list_take_reply_note_transfer_close(env: Env) -> None:
    s = env.s
    conv_id = await s.escalate("c1")  # nobody online yet: queued
    await s.operator("anna", status="offline", name="Анна")
    await s.operator("boris", status="offline", name="Борис")
    async with env.client() as anna, env.client() as boris:
        await login(anna, "anna")
        await login(boris, "boris")
        # Logging in pulled the queue: the conversation went to Anna (first online).
        mine = (await anna.get("/api/v1/conversations?view=mine")).json()["conversations"]
        assert [c["id"] for c in mine] == [conv_id]
        assert mine[0]["escalation"]["title"] == "клиент попросил оператора"
        detail = (await anna.get(f"/api/v1/conversations/{conv_id}")).json()
        assert detail["customer_card"]["name"] == "Клиент c1"
        guess = detail["guesses"][0]
        assert {k: guess[k] for k in ("intent", "confidence", "title")} == {
            "intent": "delivery_time",
            "confidence": 0.31,
            "title": "Сроки доставки",  # the entry's title, as operators know it
        }
        # The entry's answer comes with it, for «Вставить» into the reply.
        assert guess["answer"].startswith("В Москве и Санкт-Петербурге привезём на следующий")
        assert guess["answer"].endswith("экспресс-доставку за 2 часа.")
        customer_texts = [m["text"] for m in detail["messages"] if m["author"] == "customer"]
        assert customer_texts == ["позовите оператора"]
        assert detail["messages"][0]["nlu"]["decision"] == "reject"
        # Every guess under a message is named too: FAQ titles, service intents in Russian.
        ranking = detail["messages"][0]["nlu"]["ranking"]
        assert [g["title"] for g in ranking] == ["Сроки доставки", "Способы оплаты"]
        # Boris cannot reply to Anna's conversation.
        refused = await boris.post(f"/api/v1/conversations/{conv_id}/reply", json={"text": "я"})
        assert refused.status_code == 409
        reply = await anna.post(
            f"/api/v1/conversations/{conv_id}/reply", json={"text": "Здравствуйте!"}
        )
        assert reply.status_code == 200
        note = await anna.post(
            f"/api/v1/conversations/{conv_id}/notes", json={"text": "проверить оплату"}
        )
        assert note.status_code == 200
        boris_id = (await boris.get("/api/v1/me")).json()["operator"]["id"]
        moved = await anna.post(
            f"/api/v1/conversations/{conv_id}/transfer",
            json={"operator_id": boris_id, "note": "оплата прошла дважды"},
        )
        assert moved.status_code == 200, moved.text
        boris_list = (await boris.get("/api/v1/conversations?view=mine")).json()["conversations"]
        assert [c["id"] for c in boris_list] == [conv_id]
        detail = (await boris.get(f"/api/v1/conversations/{conv_id}")).json()
        assert detail["handover"]["note"] == "оплата прошла дважды"
        assert any(
            m["kind"] == "note" and m["text"] == "проверить оплату" for m in detail["messages"]
        )
        closed = await boris.post(f"/api/v1/conversations/{conv_id}/close", json={})
        assert closed.status_code == 200
        again = await boris.post(f"/api/v1/conversations/{conv_id}/close", json={})
        assert again.status_code == 409 and again.json()["message"] == "Диалог уже закрыт."
    sent = await s.delivered("c1")
    assert "Здравствуйте!" in [m.text for m in sent]
    assert "проверить оплату" not in [m.text for m in sent]
    assert [b.payload for b in sent[-1].buttons] == [f"rate:{conv_id}:{n}" for n in range(1, 6)]


async def test_a_field_of_the_wrong_type_is_refused_not_sent_to_the_customer(env: Env) -> None:
    """A script's dict where the reply's text belongs used to reach the customer as
    «{'a': 1}»; now any text field of the console's API refuses other types."""
    s = env.s
    conv_id = await s.escalate("c2")
    await s.operator("anna", status="offline", name="Анна")
    async with env.client() as stranger:
        refused = await stranger.post("/api/v1/session", json={"username": 5, "password": "x"})
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "bad_field",
            "message": "Поле username должно быть строкой.",
        }
    async with env.client() as anna:
        await login(anna, "anna")
        for text in ({"a": 1}, 123, ["Здравствуйте"]):
            reply = await anna.post(f"/api/v1/conversations/{conv_id}/reply", json={"text": text})
            assert reply.status_code == 400
            assert reply.json() == {
                "error": "bad_field",
                "message": "Поле text должно быть строкой.",
            }
        moved = await anna.post(f"/api/v1/conversations/{conv_id}/transfer", json={"team": 7})
        assert moved.status_code == 400 and moved.json()["error"] == "bad_field"
        fine = await anna.post(
            f"/api/v1/conversations/{conv_id}/reply", json={"text": "Добрый день!"}
        )
        assert fine.status_code == 200
    assert [m.text for m in await s.delivered("c2")][-1] == "Добрый день!"
    assert not any("{" in m.text or m.text == "123" for m in await s.delivered("c2"))


async def test_assign_to_someone_else_is_admin_only(env: Env) -> None:
    conv_id = await env.s.escalate("c1")
    boris = await env.s.operator("boris", status="offline")
    await env.s.operator("anna", status="offline")
    await env.s.operator("boss", role="admin", status="offline")
    async with env.client() as anna:
        await login(anna, "anna")  # goes online and gets the conversation
        await anna.post("/api/v1/me/status", json={"status": "away"})  # and releases it
        refused = await anna.post(
            f"/api/v1/conversations/{conv_id}/assign", json={"operator_id": boris}
        )
        assert refused.status_code == 403
    async with env.client() as boss:
        await login(boss, "boss")  # the admin goes online too, and the router gives it to them
        await boss.post("/api/v1/me/status", json={"status": "offline"})
        done = await boss.post(
            f"/api/v1/conversations/{conv_id}/assign", json={"operator_id": boris}
        )
        assert done.status_code == 200
    assert (await env.s.conversation(conv_id)).operator_id == boris


async def test_kb_search_and_openapi(env: Env) -> None:
    await env.s.operator("anna")
    async with env.client() as client:
        spec = (await client.get("/api/v1/openapi.json")).json()
        assert spec["openapi"].startswith("3.")
        for path in (
            "/conversations",
            "/conversations/{id}/reply",
            "/conversations/{id}/transfer",
            "/conversations/{id}/close",
        ):
            assert path in spec["paths"]
        await login(client, "anna")
        found = (await client.get("/api/v1/kb/search", params={"q": "сроки доставки"})).json()
        assert "delivery_time" in [r["id"] for r in found["results"]]
        assert all(r["answer"] for r in found["results"])


async def test_an_old_password_hash_is_upgraded_at_login(
    env: Env, product_password_hashing: Any
) -> None:
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from bot.storage.models import Operator

    await env.s.operator("olga")
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    async with env.s.db.write() as session:
        olga = await session.scalar(select(Operator).where(Operator.username == "olga"))
        assert olga is not None
        olga.password_hash = weak
    async with env.client() as client:
        await login(client, "olga")
    async with env.s.db.read() as session:
        stored = await session.scalar(
            select(Operator.password_hash).where(Operator.username == "olga")
        )
    assert stored != weak and stored is not None and stored.startswith("$argon2id$")
    assert not product_password_hashing.check_needs_rehash(stored)  # at today's cost


def test_every_intent_has_a_name_operators_can_read() -> None:
    from pathlib import Path

    from handoff.views import intent_title
    from knowledge_base.loader import load_kb
    from nlu.rasa_io import read_rasa_nlu

    root = Path(__file__).resolve().parent.parent
    kb = load_kb([root / "data" / "faq"])
    intents = {example.intent for example in read_rasa_nlu(root / "data" / "nlu.yml")}
    assert intents and all(intent_title(kb, intent) for intent in intents), intents
    assert intent_title(kb, "return_goods") == "Как вернуть товар"
    assert intent_title(kb, "handoff_request") == "просит оператора"
    assert intent_title(kb, "no_such_intent") is None


async def test_metrics_count_a_customer_waiting_past_the_goal_as_late(env: Env) -> None:
    """The statistics page shows «Отвечено 0 из 2» and who still waits; the API gives the
    same numbers, and a customer left waiting is no «100 % within the goal»."""
    s = env.s
    long_ago = await s.escalate("c1")  # nobody online: both wait in the queue
    await s.escalate("c2")
    async with s.db.write() as session:
        waiting = await session.get(Conversation, long_ago)
        assert waiting is not None and waiting.escalated_at is not None
        waiting.escalated_at -= timedelta(minutes=10)
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == long_ago))
        assert handoff is not None  # what the statistics read (bot/storage/handoffs.py)
        handoff.escalated_at -= timedelta(minutes=10)
    await s.operator("boss", role="admin", status="offline")
    async with env.client() as client:
        await login(client, "boss")
        first_response = (await client.get("/api/v1/metrics?days=1")).json()["first_response"]
    assert first_response["within_goal_share"] == 0.0  # the only decided one is late
    assert {key: first_response[key] for key in ("escalated", "answered")} == {
        "escalated": 2,
        "answered": 0,
    }
    assert {key: first_response[key] for key in ("waiting", "waiting_over_goal")} == {
        "waiting": 2,
        "waiting_over_goal": 1,
    }
    assert (first_response["within_goal"], first_response["late"]) == (0, 1)


async def test_only_an_admin_erases_a_customer_and_the_freed_slot_goes_to_the_queue(
    env: Env,
) -> None:
    anna = await env.s.operator("anna", capacity=1)
    # The administrator is not in the support team: she gets none of these conversations.
    await env.s.operator("boss", role="admin", teams=["billing"])
    held = await env.s.escalate("c1")  # Anna has it: her only slot
    waiting = await env.s.escalate("c2")  # waits for a free slot
    assert (await env.s.conversation(held)).operator_id == anna
    assert (await env.s.conversation(waiting)).owner == "queued"
    async with env.client() as client:
        await login(client, "anna")
        refused = await client.post("/api/v1/customers/1/forget", json={})
        assert refused.status_code == 403
    async with env.client() as client:
        await login(client, "boss")
        missing = await client.post("/api/v1/customers/999/forget", json={})
        assert missing.status_code == 404
        assert missing.json()["message"] == "Клиент не найден."
        done = await client.post("/api/v1/customers/1/forget", json={})
        assert done.status_code == 200, done.text
        assert done.json()["erased"]["closed"] == 1
        detail = (await client.get(f"/api/v1/conversations/{held}")).json()
    assert detail["owner"] == "closed" and detail["customer_card"]["erased_at"]
    assert all(m["erased"] and m["text"] == "" for m in detail["messages"])
    # Anna's slot went to the customer who was waiting.
    assert (await env.s.conversation(waiting)).operator_id == anna


async def test_the_customer_sees_typing_while_the_operator_writes(db: Database) -> None:
    async with stack(db) as s:
        console = Console(
            db, s.bus, s.service, lambda: s.engine.brain, b"k" * 32, channels={"test": s.channel}
        )
        clock = [100.0]
        console.typing._clock = lambda: clock[0]
        env = Env(s, Starlette(routes=routes(console)))
        anna = await s.operator("anna")
        await s.operator("boris", status="offline")
        conv = await s.escalate("c1")
        assert (await s.conversation(conv)).operator_id == anna
        url = f"/api/v1/conversations/{conv}/typing"
        async with env.client() as client:
            await login(client, "anna")
            first = await client.post(url, json={})
            assert first.status_code == 200 and first.json() == {"ok": True, "sent": True}
            again = await client.post(url, json={})  # a keystroke later: not passed on again
            assert again.json() == {"ok": True, "sent": False}
            clock[0] += 4.5
            assert (await client.post(url, json={})).json()["sent"] is True
            missing = await client.post("/api/v1/conversations/999999/typing", json={})
            assert missing.status_code == 404
        async with env.client() as client:
            await login(client, "boris")  # not his conversation: he cannot type into it
            other = await client.post(url, json={})
            assert other.status_code == 409 and other.json()["error"] == "not_yours"
        await s.service.close(conv, anna)
        async with env.client() as client:
            await login(client, "anna")
            clock[0] += 10
            closed = await client.post(url, json={})
            assert closed.status_code == 409 and closed.json()["error"] == "closed"
        await asyncio.sleep(0.05)  # the indicator is sent in the background
        assert s.channel.typing == ["c1", "c1"]


async def test_a_manager_downloads_the_figures_for_excel(env: Env) -> None:
    anna = await env.s.operator("anna", name="Анна")
    await env.s.operator("boss", role="admin")
    conv = await env.s.escalate("c1")
    await env.s.service.reply(conv, anna, "Здравствуйте!")
    async with env.client() as client:
        await login(client, "anna")
        assert (await client.get("/api/v1/metrics.csv")).status_code == 403
    async with env.client() as client:
        await login(client, "boss")
        response = await client.get("/api/v1/metrics.csv?days=30")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="zabota-stats-30d-' in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffПоказатель;Значение\r\n")  # Excel reads the BOM as UTF-8
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert "Передано операторам;1" in lines and "Отвечено операторами;1" in lines
    assert "Доля в пределах цели;1" in lines
    assert "Дата;Оператор;Диалогов" in lines
    day = lines[lines.index("Дата;Оператор;Диалогов") + 1]
    assert day.endswith(";Анна;1")
    header = (
        "Оператор;Диалогов;Первый ответ, медиана, с;Ответ в диалоге, медиана, с;Решено;"
        "Время решения, медиана, с;"
        "Средняя оценка;Оценок;Оценок 1–3"
    )
    agent = lines[lines.index(header) + 1]
    # Answered; nothing more said, not closed, not rated.
    assert agent.startswith("Анна;1;") and agent.endswith(";;0;;;0;0")
    assert "Решено операторами;0" in lines
    # Why it went to a person, after which question: «позовите оператора» was the first words.
    why = lines.index("Почему передано оператору;Передач;Доля")
    assert why > lines.index("Дата;Оператор;Диалогов")  # after the existing sections
    assert lines[why + 1] == "клиент попросил оператора;1;1"
    topics = lines.index("Тема вопроса перед передачей;Передач")
    assert lines[topics + 1] == "Без вопроса к боту перед передачей;1"


def test_figures_use_the_decimal_comma() -> None:
    from handoff.metrics_csv import to_csv

    data = {
        "since": "s",
        "until": "u",
        "first_response": {
            "escalated": 3,
            "answered": 2,
            "p50_seconds": 33.8,
            "p90_seconds": None,
            "goal_seconds": 60,
            "within_goal": 1,
            "late": 1,
            "within_goal_share": 0.5,
            "waiting": 1,
        },
        "csat": {"ratings": 0, "average": None, "share_4_5": None},
        "deflection": {"conversations": 4, "without_person": 1, "rate": 0.25},
        "answers": {"rated": 0, "helped": 0, "share": None},
        "per_operator_day": [],
        "handoffs": {
            "reasons": [
                {
                    "reason": "customer_request",
                    "title": "клиент попросил оператора",
                    "count": 2,
                    "share": 0.667,
                },
                {"reason": "flow", "title": "передано из сценария", "count": 1, "share": 0.333},
            ],
            "topics": [
                {"intent": "delivery_time", "title": "Сроки доставки", "count": 2},
                {"intent": None, "title": "бот не понял вопрос", "count": 1},
            ],
            "without_question": 0,
        },
    }
    lines = to_csv(data).split("\r\n")
    assert "Первый ответ, медиана, с;33,8" in lines
    assert "Первый ответ, 90-й перцентиль, с;" in lines  # no data: an empty cell, not «None»
    assert "Доля решённых без оператора;0,25" in lines
    # The reasons with their shares, then the topics, each a table of its own.
    why = lines.index("Почему передано оператору;Передач;Доля")
    assert lines[why : why + 4] == [
        "Почему передано оператору;Передач;Доля",
        "клиент попросил оператора;2;0,667",
        "передано из сценария;1;0,333",
        "",
    ]
    assert lines[why + 4 :] == [
        "Тема вопроса перед передачей;Передач",
        "Сроки доставки;2",
        "бот не понял вопрос;1",
        "",  # the file ends with a line break; no «без вопроса» line for none
    ]
    data["channels"] = [
        {
            "channel": "telegram",
            "conversations": 4,
            "handed_over": 3,
            "without_person_rate": 0.25,
            "ratings": 1,
            "csat_average": 5.0,
        },
        {
            "channel": "webchat",
            "conversations": 2,
            "handed_over": 0,
            "without_person_rate": 1.0,
            "ratings": 0,
            "csat_average": None,
        },
    ]
    lines = to_csv(data).split("\r\n")
    at = lines.index("Канал;Диалогов;Передано оператору;Доля без оператора;Средняя оценка")
    assert lines[at + 1] == "Telegram;4;3;0,25;5"
    assert lines[at + 2].startswith("Веб-чат;2;0;1;")  # the console's name, as a cell starts
    # A title that starts like a formula is text in the spreadsheet.
    data["handoffs"]["topics"] = [{"intent": "x", "title": "=1+1", "count": 1}]
    assert "'=1+1;1" in to_csv(data).split("\r\n")


async def test_operators_read_team_names_and_a_mistyped_team_is_refused(env: Env) -> None:
    conversation = await env.s.escalate("c1")
    await env.s.operator("anna", status="offline")
    async with env.client() as anna:
        await login(anna, "anna")  # takes the waiting conversation
        teams = (await anna.get("/api/v1/teams")).json()
        assert teams["titles"]["support"] == "Поддержка"  # config.yml's handoff.team_titles
        assert teams["titles"]["billing"] == "Оплата и возвраты"
        url = f"/api/v1/conversations/{conversation}/transfer"
        typo = await anna.post(url, json={"team": "biling", "note": "двойное списание"})
        # Before, this queued the conversation for a team nobody serves.
        assert typo.status_code == 404 and typo.json()["error"] == "unknown_team"
        assert (await env.s.conversation(conversation)).owner == "operator"
        moved = await anna.post(url, json={"team": "billing", "note": "двойное списание"})
        assert moved.status_code == 200, moved.text
        detail = (await anna.get(f"/api/v1/conversations/{conversation}")).json()
        assert detail["team"] == "billing" and detail["team_title"] == "Оплата и возвраты"
        assert detail["handover"]["team_title"] == "Оплата и возвраты"
        events = [m["text"] for m in detail["messages"] if m["kind"] == "event"]
        assert "Передано в команду «Оплата и возвраты»" in events
        listed = (await anna.get("/api/v1/conversations?view=all")).json()["conversations"]
        assert [c["team_title"] for c in listed] == ["Оплата и возвраты"]


async def test_an_operator_finds_a_customers_conversations_by_what_they_know(env: Env) -> None:
    s = env.s
    order = await s.say("c1", "заказ 48213 так и не пришёл, позовите оператора")
    other = await s.say("c2", "как вернуть товар?")
    anna = await s.operator("anna", name="Анна")
    await s.service.note(order, anna, "Проверить ОПЛАТУ в банке")
    await s.service.reply(order, anna, "Смотрю ваш заказ 48213.")  # newer, and matches too
    async with s.db.write() as session:
        phoned = (await s.conversation(other)).customer_id
        await session.execute(
            update(Customer).where(Customer.id == phoned).values(phone="79123456789")
        )

    async def find(client: httpx.AsyncClient, q: str) -> list[tuple[int, str, str]]:
        response = await client.get("/api/v1/search", params={"q": q})
        assert response.status_code == 200, response.text
        return [
            (c["id"], c["match"]["why"], c["match"]["snippet"])
            for c in response.json()["conversations"]
        ]

    async with env.client() as client:
        await login(client, "anna")
        # An order number from the customer's words, with the line it is in.
        [(found, why, snippet)] = await find(client, "48213")
        assert (found, why) == (order, "в переписке")
        assert snippet.startswith("заказ 48213 так и не пришёл")  # their words, not the echo
        # Case does not matter, in Cyrillic too (SQLite folds ASCII only by itself).
        assert await find(client, "КЛИЕНТ C1") == [(order, "клиент: Клиент c1", "")]
        assert [(f, w) for f, w, _ in await find(client, "оплату")] == [(order, "в заметке")]
        # A phone however it is typed, and a conversation's number.
        assert [f for f, *_ in await find(client, "+7 (912) 345-67-89")] == [other]
        assert await find(client, f"№{other}") == [(other, f"диалог №{other}", "")]
        assert await find(client, "ок") == []  # too short to mean anything
        assert await find(client, "100%_") == []  # wildcards are plain characters
        # Erased: the words are gone; the number still finds the (empty) conversation.
        async with s.db.write() as session:
            customer = (await s.conversation(order)).customer_id
            await erasure.forget_customer(session, customer, actor="test")
        assert await find(client, "48213") == []
        assert [f for f, *_ in await find(client, f"#{order}")] == [order]
    async with env.client() as client:
        await s.operator("erik", role="editor")
        await login(client, "erik")
        assert (await client.get("/api/v1/search", params={"q": "48213"})).status_code == 403


async def test_a_phone_the_customer_typed_in_a_message_is_found_however_it_is_written(
    env: Env,
) -> None:
    s = env.s
    called = await s.say("c1", "Перезвоните мне на 8 (912) 345-67-89, пожалуйста")
    await s.say("c2", "заказ 9123 пришёл, спасибо, 456789 раз")  # the digits, but no phone
    await s.operator("anna", name="Анна")
    async with env.client() as client:
        await login(client, "anna")
        for typed in ("+7 912 345 67 89", "89123456789", "912-345-67-89"):
            found = (await client.get("/api/v1/search", params={"q": typed})).json()
            assert [
                (c["id"], c["match"]["why"], c["match"]["snippet"]) for c in found["conversations"]
            ] == [(called, "в переписке", "Перезвоните мне на 8 (912) 345-67-89, пожалуйста")]
        other = (await client.get("/api/v1/search", params={"q": "+7 912 345 67 80"})).json()
        assert other["conversations"] == []


def test_operators_read_every_team_of_the_demo_in_russian(demo_project: Any) -> None:
    handoff = demo_project.config.handoff
    # The teams the knowledge base routes to, the default one and the demo operator's.
    teams = {handoff.default_team, "support", "sales", "billing"}
    teams.update(e.team for e in demo_project.kb.entries.values() if e.team)
    untitled = sorted(t for t in teams if not re.search("[а-яё]", handoff.team_titles.get(t, "")))
    assert untitled == []  # «sales» once showed in Latin in «Передать» and «Сотрудники»


async def test_a_customer_is_found_by_the_name_the_console_gives_them(env: Env) -> None:
    s = env.s
    first = await s.escalate("c1")
    await s.say("c2", "как вернуть товар?")
    async with s.db.write() as session:
        customer = (await s.conversation(first)).customer_id
        # A web chat customer who never gave a name: the console calls them «Клиент #N».
        await session.execute(
            update(Customer).where(Customer.id == customer).values(display_name=None)
        )
    await s.operator("anna", name="Анна")
    async with env.client() as client:
        await login(client, "anna")
        listed = (await client.get("/api/v1/conversations?view=all")).json()["conversations"]
        assert f"Клиент #{customer}" in [c["customer"]["name"] for c in listed]
        for typed in (f"Клиент #{customer}", f"клиент {customer}", f"КЛИЕНТ №{customer}"):
            found = (await client.get("/api/v1/search", params={"q": typed})).json()
            assert [(c["id"], c["match"]["why"]) for c in found["conversations"]] == [
                (first, f"клиент #{customer}")
            ], typed
        # «#N» is both a conversation's number and a customer's: either is found.
        found = (await client.get("/api/v1/search", params={"q": f"#{customer}"})).json()
        assert first in [c["id"] for c in found["conversations"]]


async def test_a_long_history_shows_its_newest_messages_not_its_oldest(env: Env) -> None:
    conversation = await env.s.escalate("c1")
    await env.s.operator("anna")
    row = await env.s.conversation(conversation)
    async with env.s.db.write() as session:
        session.add_all(
            Message(
                conversation_id=conversation,
                customer_id=row.customer_id,
                channel="test",
                direction="in",
                author="customer",
                text=f"сообщение {n}",
            )
            for n in range(1, 1006)
        )
    async with env.client() as client:
        await login(client, "anna")
        detail = (await client.get(f"/api/v1/conversations/{conversation}")).json()
    texts = [m["text"] for m in detail["messages"]]
    assert len(texts) == 1000 and detail["history_truncated"] is True
    # Before, the oldest 1000 were shown: the latest ones, and the operator's own, were not.
    assert "сообщение 1005" in texts and "сообщение 1" not in texts
    assert texts[-1].startswith("Оператор Anna")  # joined at login, after them all


async def test_a_list_item_says_which_customer_message_is_the_newest(env: Env) -> None:
    """The console notifies about a customer's new message by its id, and previews what a
    queued customer asked, not the bot's «передаю» that came after it."""
    s = env.s
    conversation = await s.say("c1", "где мой заказ 555? позовите оператора")
    await s.operator("anna", status="offline", capacity=1)

    async def item(client: httpx.AsyncClient, view: str) -> dict[str, object]:
        listed = (await client.get(f"/api/v1/conversations?view={view}")).json()
        found = [c for c in listed["conversations"] if c["id"] == conversation]
        assert len(found) == 1, listed
        return dict(found[0])

    async with env.client() as anna:
        await login(anna, "anna")
        await anna.post("/api/v1/me/status", json={"status": "away"})  # back to the queue
        queued = await item(anna, "queued")
        said = queued["last_customer_message"]
        assert isinstance(said, dict) and said["text"] == "где мой заказ 555? позовите оператора"
        assert queued["last_message"]["author"] != "customer"  # type: ignore[index]
        first = said["id"]

        await anna.post("/api/v1/me/status", json={"status": "online"})  # assigned again
        reply = await anna.post(
            f"/api/v1/conversations/{conversation}/reply", json={"text": "Смотрю заказ"}
        )
        mine = await item(anna, "mine")
        assert mine["last_message"] == {
            "id": reply.json()["message_id"],
            "text": "Смотрю заказ",
            "author": "operator",
            "at": mine["last_message"]["at"],  # type: ignore[index]
        }
        assert mine["last_customer_message"]["id"] == first  # type: ignore[index]

        await s.say("c1", "спасибо, жду")
        mine = await item(anna, "mine")
        newer = mine["last_customer_message"]
        assert isinstance(newer, dict) and newer["id"] > first and newer["text"] == "спасибо, жду"
        detail = (await anna.get(f"/api/v1/conversations/{conversation}")).json()
        assert detail["last_customer_message"]["id"] == newer["id"]
        spec = (await anna.get("/api/v1/openapi.json")).json()
    listing = spec["paths"]["/conversations"]["get"]["description"]
    assert "`last_customer_message` `{id, text, at}`" in listing


async def test_the_card_counts_the_conversations_it_does_not_list(env: Env) -> None:
    conversation = await env.s.escalate("c1")
    customer = (await env.s.conversation(conversation)).customer_id
    async with env.s.db.write() as session:
        session.add_all(
            Conversation(customer_id=customer, owner="closed", channel="test", chat_id="c1")
            for _ in range(55)
        )
    await env.s.operator("anna")
    async with env.client() as client:
        await login(client, "anna")
        card = (await client.get(f"/api/v1/conversations/{conversation}")).json()["customer_card"]
    assert len(card["conversations"]) == 50 and card["conversations_total"] == 56


async def test_password_guessing_is_slowed_down(env: Env) -> None:
    await env.s.operator("anna")

    async def attempt(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
        return await client.post(
            "/api/v1/session", json={"username": username, "password": password}
        )

    async with env.client() as client:
        for _ in range(login_guard.PER_ACCOUNT_AND_ADDRESS):
            assert (await attempt(client, "anna", "guess")).status_code == 401
        # Locked: even the right password is not checked now.
        locked = await attempt(client, "Anna ", PASSWORD)
        assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
        assert locked.json()["message"] == (
            "Слишком много неудачных попыток входа. Попробуйте через 15 мин."
        )
        # The login form says the same.
        page = await client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = await client.post(
            "/console/login",
            data={"username": "anna", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert form.status_code == 429 and "Попробуйте через 15 мин." in form.text
    async with env.s.db.write() as session:  # a quarter of an hour later
        await session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    async with env.client() as client:
        assert (await attempt(client, "anna", PASSWORD)).status_code == 200
    async with env.s.db.read() as session:  # a successful login clears its own failures
        left = await session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.username == "anna")
        )
    assert left == 0


async def attempt(client: httpx.AsyncClient, username: str, password: str) -> int:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": password}
    )
    return response.status_code


async def test_guessing_from_outside_does_not_lock_the_operator_out_at_the_office(
    env: Env,
) -> None:
    await env.s.operator("anna")
    async with env.client("203.0.113.9") as stranger:
        for _ in range(login_guard.PER_ACCOUNT_AND_ADDRESS):
            assert await attempt(stranger, "anna", "qwerty") == 401
        assert await attempt(stranger, "anna", PASSWORD) == 429  # even the right one
    async with env.client("10.20.0.1") as office:
        assert await attempt(office, "anna", PASSWORD) == 200
    async with env.s.db.read() as session:  # Anna's login did not wipe the stranger's tries
        left = await session.scalar(select(func.count()).select_from(LoginFailure))
    assert left == login_guard.PER_ACCOUNT_AND_ADDRESS


async def test_guessing_spread_over_many_addresses_locks_the_account(env: Env) -> None:
    await env.s.operator("anna")
    for n in range(login_guard.PER_ACCOUNT):
        async with env.client(f"198.51.100.{n + 1}") as bot:
            assert await attempt(bot, "anna", f"guess{n}") == 401
    async with env.client("10.20.0.1") as office:
        assert await attempt(office, "anna", PASSWORD) == 429


async def test_colleagues_mistyping_behind_one_address_lock_only_themselves(env: Env) -> None:
    for name in ("anna", "boris", "vera"):
        await env.s.operator(name)
    async with env.client("10.20.0.1") as office:  # the whole office behind one NAT address
        for name in ("boris", "vera"):
            for _ in range(login_guard.PER_ACCOUNT_AND_ADDRESS):
                assert await attempt(office, name, "Caps Lock") == 401
            assert await attempt(office, name, PASSWORD) == 429
        assert await attempt(office, "anna", PASSWORD) == 200
    async with env.client("10.30.0.7") as from_home:
        assert await attempt(from_home, "boris", PASSWORD) == 200


async def test_one_address_trying_many_accounts_is_stopped(env: Env) -> None:
    await env.s.operator("anna")
    async with env.client() as client:
        for n in range(login_guard.PER_ADDRESS):
            response = await client.post(
                "/api/v1/session", json={"username": f"user{n}", "password": "123456"}
            )
            assert response.status_code == 401
        locked = await client.post(
            "/api/v1/session", json={"username": "anna", "password": PASSWORD}
        )
        assert locked.status_code == 429


async def test_no_state_change_anywhere_goes_through_without_the_csrf_token(env: Env) -> None:
    """Every POST, PATCH, PUT and DELETE route of the console (accounts, blocking, replies,
    editor…), called by a logged-in admin without the token, is refused before it acts."""
    from starlette.routing import Route

    await env.s.operator("boss", role="admin")
    unsafe = [
        (method, route.path)
        for route in env.app.routes
        if isinstance(route, Route)
        for method in sorted(route.methods or ())
        if method in {"POST", "PATCH", "PUT", "DELETE"}
        and route.path not in ("/api/v1/session", "/console/login")  # logging in has its own
    ]
    assert ("PATCH", "/api/v1/accounts/{id:int}") in unsafe
    assert ("POST", "/api/v1/customers/{id:int}/block") in unsafe
    async with env.client() as client:
        await login(client, "boss")
        del client.headers["X-CSRF-Token"]
        for method, path in unsafe:
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = await client.request(method, url, json={})
            assert response.status_code == 403, (method, path, response.text)


async def test_the_console_gets_its_four_lists_in_one_answer(env: Env) -> None:
    """The console refreshes queue, «мои», the team's and all conversations with one request;
    each list is what asking for it alone gives."""
    s = env.s
    waiting = await s.escalate("c1")
    await s.operator("anna", status="offline", capacity=1, name="Анна")
    async with env.client() as anna:
        await login(anna, "anna")  # the first waiting customer is hers
        later = await s.escalate("c2")  # she is full: this one waits in the queue
        both = await anna.get("/api/v1/conversations?views=queued,mine,team,all")
        assert both.status_code == 200, both.text
        lists = both.json()["views"]
        assert list(lists) == ["queued", "mine", "team", "all"]
        assert [c["id"] for c in lists["mine"]] == [waiting]
        assert [c["id"] for c in lists["queued"]] == [later]
        assert {c["id"] for c in lists["all"]} == {waiting, later}
        for view, listed in lists.items():
            alone = (await anna.get(f"/api/v1/conversations?view={view}")).json()
            assert alone["view"] == view
            assert [(c["id"], c["last_customer_message"]) for c in alone["conversations"]] == [
                (c["id"], c["last_customer_message"]) for c in listed
            ]
        mine = lists["mine"][0]
        assert mine["customer"]["name"] == "Клиент c1" and mine["team_title"]
        for wrong in ("queued,nobody", "", "mine,"):
            refused = await anna.get(f"/api/v1/conversations?views={wrong}")
            assert refused.status_code == 400 and refused.json()["error"] == "bad_view"


async def test_an_admin_logging_in_to_read_statistics_gets_no_customers(env: Env) -> None:
    await env.s.operator("boss", role="admin", status="offline")
    conv_id = await env.s.escalate("c1")
    async with env.client() as client:
        await login(client, "boss")
        me = (await client.get("/api/v1/me")).json()["operator"]
        assert me["status"] == "away"  # present, out of rotation until «В сети»
        assert (await client.get("/api/v1/metrics")).status_code == 200
        conversation = (await client.get(f"/api/v1/conversations/{conv_id}")).json()
        assert conversation["owner"] == "queued" and conversation.get("operator_id") is None
        await client.post("/api/v1/me/status", json={"status": "online"})  # by choice
        conversation = (await client.get(f"/api/v1/conversations/{conv_id}")).json()
        assert conversation["owner"] == "operator"
    assert (await env.s.operator_row(1)).status == "online"


async def test_a_second_login_keeps_the_status_an_admin_chose(env: Env) -> None:
    await env.s.operator("boss", role="admin", status="online")
    async with env.client() as client:
        await login(client, "boss")
    assert (await env.s.operator_row(1)).status == "online"


async def test_an_operator_logging_in_goes_online_and_an_editor_stays_offline(env: Env) -> None:
    await env.s.operator("anna", status="offline")
    await env.s.operator("olga", role="editor", status="offline")
    async with env.client() as anna, env.client() as olga:
        await login(anna, "anna")
        await login(olga, "olga")
    assert (await env.s.operator_row(1)).status == "online"
    assert (await env.s.operator_row(2)).status == "offline"
