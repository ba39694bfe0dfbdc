"""Labels: an operator marks what a conversation was about, and the lead counts them
(handoff/labels.py). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import utcnow
from handoff.metrics import compute
from handoff.metrics_csv import to_csv
from tests.handoff_kit import Env, login


async def test_an_operator_labels_a_conversation_and_the_lead_counts_it(env: Env) -> None:
    s = env.s
    await s.operator("anna", name="Анна")
    await s.operator("boss", role="admin", status="offline")
    returned = await s.escalate("ivan")
    broken = await s.escalate("olga")
    await s.escalate("petr")  # nobody labels this one
    async with env.client() as anna:
        await login(anna, "anna")
        spec = (await anna.get("/api/v1/openapi.json")).json()
        assert {"/labels", "/conversations/{id}/labels"} <= set(spec["paths"])
        offered = (await anna.get("/api/v1/labels")).json()["labels"]
        assert offered[:2] == [
            {"id": "order", "title": "Заказ и доставка"},
            {"id": "return", "title": "Возврат и обмен"},
        ]
        url = f"/api/v1/conversations/{returned}/labels"
        saved = await anna.post(url, json={"labels": ["return", "defect", "return"]})
        assert saved.json() == {"ok": True, "labels": ["defect", "return"]}
        detail = (await anna.get(f"/api/v1/conversations/{returned}")).json()
        assert detail["labels"] == ["defect", "return"]
        # It was a return after all, not a defect: the whole set is saved at once.
        assert (await anna.post(url, json={"labels": ["return"]})).json()["labels"] == ["return"]
        unknown = await anna.post(url, json={"labels": ["return", "refund"]})
        assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_label"
        assert (await anna.get(f"/api/v1/conversations/{returned}")).json()["labels"] == ["return"]
        bad = await anna.post(url, json={"labels": "return"})
        assert bad.status_code == 400 and bad.json()["error"] == "bad_labels"
        missing = await anna.post("/api/v1/conversations/999999/labels", json={"labels": []})
        assert missing.status_code == 404
        both = await anna.post(
            f"/api/v1/conversations/{broken}/labels", json={"labels": ["defect", "return"]}
        )
        assert both.status_code == 200
        # The customer card says what each past conversation was about.
        card = (await anna.get(f"/api/v1/conversations/{returned}")).json()["customer_card"]
        assert [(p["id"], p["labels"]) for p in card["conversations"]] == [
            (returned, ["Возврат и обмен"])
        ]

        # «Найти» knows the labels: a part of a label's name finds its conversations.
        async def find(q: str) -> list[tuple[int, str, str]]:
            found = (await anna.get("/api/v1/search", params={"q": q})).json()
            return [
                (c["id"], c["match"]["why"], c["match"]["snippet"]) for c in found["conversations"]
            ]

        assert await find("ВОЗВРАТ") == [
            (broken, "метка: Возврат и обмен", ""),
            (returned, "метка: Возврат и обмен", ""),
        ]
        assert await find("гарантия") == [(broken, "метка: Брак и гарантия", "")]
        assert await find("defect") == [(broken, "метка: Брак и гарантия", "")]
        assert await find("def") == []  # an id is matched whole, a title in part
    async with env.client() as stranger:
        assert (await stranger.post(url, json={"labels": []})).status_code == 401

    async with s.db.read() as session:
        data = await compute(
            session, utcnow() - timedelta(days=1), brain=s.engine.brain, goal_seconds=60
        )
    assert data["labels"] == {
        "labels": [
            {"label": "return", "title": "Возврат и обмен", "count": 2, "share": 0.667},
            {"label": "defect", "title": "Брак и гарантия", "count": 1, "share": 0.333},
        ],
        "unlabelled": 1,
    }
    lines = to_csv({**data, "since": "s", "until": "u"}).split("\r\n")
    at = lines.index("Метка оператора;Диалогов;Доля")
    assert lines[at + 1 : at + 4] == [
        "Возврат и обмен;2;0,667",
        "Брак и гарантия;1;0,333",
        "Без метки;1",
    ]
    async with env.client() as boss:
        await login(boss, "boss")
        metrics = (await boss.get("/api/v1/metrics?days=1")).json()
        assert metrics["labels"]["unlabelled"] == 1
