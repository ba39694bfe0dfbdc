"""«Фразы бота»: an editor rewrites what the bot says outside the FAQ (domain.yml) without
opening the file, through the validated, gated reload (handoff/bot_phrases.py,
bot/domain_editing.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain_editing import replace_text, texts_in
from knowledge_base.editing import EditError
from tests.test_editor_api import Env, editor_env

DOMAIN = """version: "3.1"
# The bot's phrases.
responses:
  utter_greet:
    - text: "Здравствуйте!"   # shown first
  utter_handoff:
    - text: |-
        Передаю вопрос коллеге — он ответит через {wait_minutes}.
        Напишите номер заказа.
      buttons:
        - title: Отменить
          payload: /cancel_handoff
    - text: "Передаю оператору, ответ через {wait_minutes}."
      channel: viber
"""


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with editor_env(db_url, tmp_path) as running:
        yield running


def test_only_the_texts_lines_change() -> None:
    edited = replace_text(DOMAIN, "utter_handoff", 1, "Оператор ответит через {wait_minutes}.")
    assert edited.splitlines()[:12] == DOMAIN.splitlines()[:12]
    assert edited.endswith(
        "    - text: |-\n        Оператор ответит через {wait_minutes}.\n      channel: viber\n"
    )
    again = replace_text(edited, "utter_greet", 0, "Добрый день!\nЧем помочь?")
    assert "# The bot's phrases." in again and "payload: /cancel_handoff" in again
    [greet, *_] = texts_in(again)
    assert (greet.name, greet.index, greet.text, greet.line) == (
        "utter_greet",
        0,
        "Добрый день!\nЧем помочь?",
        5,
    )


def test_a_new_placeholder_or_a_missing_phrase_is_refused() -> None:
    with pytest.raises(EditError, match="сроки"):
        replace_text(DOMAIN, "utter_handoff", 0, "Ответим через {сроки}.")
    with pytest.raises(EditError) as missing:
        replace_text(DOMAIN, "utter_handoff", 5, "Текст")
    assert missing.value.code == "not_found"
    # Dropping a placeholder is fine: the phrase just says less.
    assert "скоро" in replace_text(DOMAIN, "utter_handoff", 0, "Оператор скоро ответит.")


async def test_an_editor_rewords_a_phrase_and_the_customer_reads_it(env: Env) -> None:
    async with env.login("eva") as eva:
        phrases = (await eva.get("/api/v1/editor/phrases")).json()["phrases"]
        [handoff] = [p for p in phrases if p["name"] == "utter_handoff"]
        assert handoff["title"] == "Передача оператору"
        generic, viber = handoff["variants"]
        assert generic["placeholders"] == ["wait_minutes"]
        assert viber["channel_title"] == "Viber"
        assert generic["source"].startswith("domain.yml:")

        refused = await eva.post(
            "/api/v1/editor/phrase",
            json={"name": "utter_handoff", "index": 0, "text": "Ответим через {сроки}."},
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "new_placeholder"
        assert "{сроки}" in refused.json()["message"]

        before = (env.root / "domain.yml").read_text(encoding="utf-8")
        done = await eva.post(
            "/api/v1/editor/phrase",
            json={
                "name": "utter_default",
                "index": 0,
                "text": "Не разобрал вопрос. Напишите его иначе или позовите оператора.",
            },
        )
        assert done.status_code == 200, done.text
        assert done.json()["ok"] is True
        history = (await eva.get("/api/v1/editor/history")).json()["items"][0]
        assert history["action_title"] == "изменил(а) фразу бота"
        assert history["entry_title"] == "Бот не понял вопрос"
    after = (env.root / "domain.yml").read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ["        Не разобрал вопрос. Напишите его иначе или позовите оператора."]
    assert len(after.splitlines()) == len(before.splitlines()) - 1  # two lines became one
    alice = env.bot.customer("alice")
    await alice.say("ывапролдж")
    assert alice.last_text == "Не разобрал вопрос. Напишите его иначе или позовите оператора."


async def test_an_operator_cannot_reword_the_bot(env: Env) -> None:
    async with env.login("eva") as eva:
        spec = (await eva.get("/api/v1/openapi.json")).json()
        assert {"/editor/phrases", "/editor/phrase"} <= set(spec["paths"])
        bad = await eva.post(
            "/api/v1/editor/phrase", json={"name": "utter_greet", "index": "0", "text": "Привет"}
        )
        assert bad.json()["error"] == "bad_index"
        missing = await eva.post(
            "/api/v1/editor/phrase", json={"name": "utter_nothing", "index": 0, "text": "Привет"}
        )
        assert missing.status_code == 404
    async with env.login("olga") as olga:
        assert (await olga.get("/api/v1/editor/phrases")).status_code == 403
        response = await olga.post(
            "/api/v1/editor/phrase", json={"name": "utter_greet", "index": 0, "text": "Привет"}
        )
        assert response.status_code == 403


def test_a_placeholder_dropped_can_be_put_back_and_double_braces_are_text() -> None:
    dropped = replace_text(DOMAIN, "utter_handoff", 0, "Передаю коллеге — он подключится скоро.")
    back = replace_text(dropped, "utter_handoff", 0, "Подключится через {wait_minutes}.")
    assert "Подключится через {wait_minutes}." in back
    # «{{…}}» is shown as a brace, not filled: any phrase may have it.
    assert "{{скобки}}" in replace_text(DOMAIN, "utter_greet", 0, "Пишите {{скобки}} как есть.")
    with pytest.raises(EditError) as unknown:
        replace_text(DOMAIN, "utter_greet", 0, "Ждём вас через {wait_minutes}.")
    assert unknown.value.code == "new_placeholder"  # the greeting is given no wait
    with pytest.raises(EditError) as broken:
        replace_text(DOMAIN, "utter_handoff", 0, "Статус { № {wait_minutes}")
    assert broken.value.code == "bad_placeholder"


async def test_an_editor_puts_a_dropped_placeholder_back(env: Env) -> None:
    """QA8: once «{wait_minutes}» was saved away, putting it back was refused as «new»."""

    async def save(eva: Any, name: str, text: str) -> Any:
        return await eva.post(
            "/api/v1/editor/phrase", json={"name": name, "index": 0, "text": text}
        )

    async with env.login("eva") as eva:
        dropped = await save(eva, "utter_handoff", "Передаю коллеге — он подключится скоро.")
        assert dropped.status_code == 200, dropped.text
        phrases = (await eva.get("/api/v1/editor/phrases")).json()["phrases"]
        [handoff] = [p for p in phrases if p["name"] == "utter_handoff"]
        assert handoff["variants"][0]["placeholders"] == ["wait_minutes"]  # still offered
        back = await save(
            eva, "utter_handoff", "Передаю коллеге — он подключится через {wait_minutes}."
        )
        assert back.status_code == 200, back.text
        literal = await save(eva, "utter_default", "Не понял. Напишите {{номер}} заказа цифрами.")
        assert literal.status_code == 200, literal.text

        refused = await save(eva, "utter_default", "Не понял, ответим через {wait_minutes}.")
        assert refused.status_code == 400 and refused.json()["error"] == "new_placeholder"
        assert refused.json()["message"].startswith(
            "В тексте {wait_minutes} — в эту фразу бот ничего не подставляет, и клиент увидел "
            "бы фигурные скобки."
        )
        other = await save(eva, "utter_handoff", "Ответим через {сроки}.")
        assert "в эту фразу бот подставляет только {wait_minutes}," in other.json()["message"]
        stray = await save(eva, "utter_handoff", "Статус { № {wait_minutes}")
        assert stray.status_code == 400 and stray.json()["error"] == "bad_placeholder"
        assert stray.json()["message"].startswith("лишняя «{» в «{ № {wait_minutes}»")
    alice = env.bot.customer("alice")
    await alice.say("ывапролдж")
    assert alice.last_text == "Не понял. Напишите {номер} заказа цифрами."


def test_every_phrase_of_the_demo_has_a_title_editors_can_read() -> None:
    """«Фразы бота» lists each response by what it is for; a new phrase without a title would
    show editors its code name («utter_clarify_none»)."""
    import yaml

    from handoff.phrase_titles import TITLES

    root = Path(__file__).resolve().parent.parent
    responses = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))["responses"]
    assert [name for name in responses if name not in TITLES] == []
