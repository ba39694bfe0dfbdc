"""«{клиент}» in a ready reply: the customer's first name, as Russian customer service writes
«Здравствуйте, Анна!» — never the full name, never the surname."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.storage.models import Customer
from handoff.names import first_name
from tests.handoff_kit import Env, login


@pytest.mark.parametrize(
    ("shown", "called"),
    [
        ("Анна Петрова", "Анна"),  # Telegram: first name, last name
        ("Петрова Анна Сергеевна", "Анна"),  # a form's «Фамилия Имя Отчество»
        ("Иван Сергеевич Петров", "Иван"),
        ("Мамедов Эльдар оглы", "Эльдар"),
        ("Анна-Мария Ким", "Анна-Мария"),
        ("  анна  ", "Анна"),  # typed in lower case: written as a name
        ("John Smith", "John"),
        ("Олег", "Олег"),
    ],
)
def test_the_first_name_is_told_from_the_display_name(shown: str, called: str) -> None:
    assert first_name(shown) == called


@pytest.mark.parametrize("shown", [None, "", "   ", "ivan_88", "🌸", "Клиент 42", "А. Петров"])
def test_no_name_that_is_not_one(shown: str | None) -> None:
    """A login, an emoji, an initial or a placeholder: «Здравствуйте!» reads better."""
    assert first_name(shown) is None


async def test_the_customer_card_carries_the_first_name_for_the_console(env: Env) -> None:
    conversation = await env.s.escalate("c1")
    await env.s.operator("anna", status="offline", name="Анна")
    customer_id = (await env.s.conversation(conversation)).customer_id
    async with env.s.db.write() as session:
        await session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(display_name="Смирнова Ольга Викторовна")
        )
    async with env.client() as anna:
        await login(anna, "anna")
        card = (await anna.get(f"/api/v1/conversations/{conversation}")).json()["customer_card"]
    assert (card["name"], card["first_name"]) == ("Смирнова Ольга Викторовна", "Ольга")
