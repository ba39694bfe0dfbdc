"""An editor rewrites what the bot says in a multi-step dialogue, without opening a YAML file."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.storage.models import EditorAction
from flows.editing import replace_text, texts_in
from knowledge_base.editing import EditError
from tests.test_editor_api import Env, env  # noqa: F401  (the fixture)

NEW_ASK = "Напишите, пожалуйста, номер заказа: 8 цифр из SMS.\nПо нему я найду статус."


async def test_an_editor_rewords_the_order_question_and_customers_get_it(env: Env) -> None:  # noqa: F811
    orders = env.root / "data" / "flows" / "orders.yml"
    before = orders.read_text(encoding="utf-8")
    async with env.login("eva") as eva:
        flows = (await eva.get("/api/v1/editor/flows")).json()["flows"]
        order = next(f for f in flows if f["id"] == "order_status_check")
        assert order["title"] == "Где мой заказ"
        number = next(s for s in order["steps"] if s["id"] == "number")
        assert [(t["field"], t["label"]) for t in number["texts"]] == [
            ("ask", "Вопрос клиенту"),
            ("retry", "Если ответ не подошёл"),
            ("invalid", "Если значение не подходит по формату"),
        ]
        assert number["texts"][0]["source"] == "data/flows/orders.yml:10"
        response = await eva.post(
            "/api/v1/editor/flow-text",
            json={
                "flow_id": "order_status_check",
                "step_id": "number",
                "field": "ask",
                "text": NEW_ASK,
            },
        )
        assert response.status_code == 200, response.text
        assert (
            response.json()["message"] == "Готово: сценарий «Где мой заказ» говорит новым текстом."
        )
        history = (await eva.get("/api/v1/editor/history")).json()["items"]
        assert (history[0]["action_title"], history[0]["entry_title"]) == (
            "изменил(а) текст сценария",
            "Где мой заказ",
        )
    after = orders.read_text(encoding="utf-8")
    # Only the question's line went; the other lines, comments included, are as they were.
    assert [line for line in before.splitlines() if line not in after.splitlines()] == [
        '        ask: "Подскажите номер заказа — 8 цифр из SMS или письма, и я дам ссылку на '
        'его статус."'
    ]
    assert "        ask: |-\n          Напишите, пожалуйста, номер заказа" in after
    alice = env.bot.customer("alice")
    await alice.say("где мой заказ")
    assert alice.last_text == NEW_ASK
    async with env.bot.runtime.db.read() as s:
        [audit] = (await s.scalars(select(EditorAction))).all()
    assert (audit.action, audit.key) == ("flow_edited", "order_status_check/number/ask")


async def test_a_placeholder_no_step_collects_is_refused_and_the_file_restored(env: Env) -> None:  # noqa: F811
    orders = env.root / "data" / "flows" / "orders.yml"
    before = orders.read_bytes()
    async with env.login("eva") as eva:
        typo = await eva.post(
            "/api/v1/editor/flow-text",
            json={
                "flow_id": "order_status_check",
                "step_id": "link",
                "field": "say",
                "text": "Статус заказа № {order_numbr}: https://volt-shop.ru/orders/{order_numbr}",
            },
        )
        assert typo.status_code == 422
        refused = typo.json()
        assert refused["ok"] is False and "файл возвращён" in refused["message"]
        assert any("orders.yml" in p and "order_numbr" in p for p in refused["problems"])
        assert orders.read_bytes() == before

        async def post(**body: str) -> tuple[int, str]:
            response = await eva.post("/api/v1/editor/flow-text", json=body)
            return response.status_code, response.json().get("error", "")

        same = "Всё понятно со статусом?"
        assert await post(
            flow_id="order_status_check", step_id="resolved", field="ask", text=same
        ) == (400, "unchanged")
        assert await post(
            flow_id="order_status_check", step_id="number", field="pattern", text="x"
        ) == (400, "bad_field")
        assert await post(flow_id="nope", step_id="number", field="ask", text="Вопрос?") == (
            404,
            "not_found",
        )
        assert await post(
            flow_id="order_status_check", step_id="number", field="ask", text=" "
        ) == (400, "empty")
    assert orders.read_bytes() == before
    async with env.login("olga") as olga:  # an operator does not edit content
        assert (await olga.get("/api/v1/editor/flows")).status_code == 403


SOURCE = (
    "# flows\r\n"
    "flows:\r\n"
    "  - id: greet\r\n"
    "    title: Привет\r\n"
    "    steps:\r\n"
    "      - id: hello\r\n"
    "        say: 'Здравствуйте!'   # short\r\n"
    "      - id: name\r\n"
    "        ask: Как вас зовут?\r\n"
    "        slot: name\r\n"
    "  - id: other\r\n"
    "    title: Другое\r\n"
    "    steps:\r\n"
    "      - id: hello\r\n"
    "        say: Не трогать"
)


def test_only_the_texts_lines_change_crlf_and_comments_kept() -> None:
    edited = replace_text(SOURCE, "greet", "hello", "say", "Добрый день!\nЧем помочь?")
    assert edited == SOURCE.replace(
        "        say: 'Здравствуйте!'   # short\r\n",
        "        say: |-   # short\r\n          Добрый день!\r\n          Чем помочь?\r\n",
    )
    assert edited.endswith("say: Не трогать")  # no final newline added
    assert [(t.flow_id, t.step_id, t.field, t.line) for t in texts_in(SOURCE, "f.yml")] == [
        ("greet", "hello", "say", 7),
        ("greet", "name", "ask", 9),
        ("other", "hello", "say", 15),
    ]


@pytest.mark.parametrize(
    ("flow", "step", "field", "code"),
    [
        ("greet", "hello", "slot", "bad_field"),
        ("greet", "missing", "say", "not_found"),
        ("greet", "hello", "ask", "not_found"),
    ],
)
def test_what_is_not_a_customer_text_is_not_edited(
    flow: str, step: str, field: str, code: str
) -> None:
    with pytest.raises(EditError) as refused:
        replace_text(SOURCE, flow, step, field, "Текст")
    assert refused.value.code == code
