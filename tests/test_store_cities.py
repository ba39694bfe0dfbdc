"""«есть ли у вас магазин в Казани?» is answered yes or no: the stores answer
(data/faq/stores.yml ``pickup_points``) lists the cities that have a store and says plainly
that the other cities have none — and how to get an order there instead."""

from __future__ import annotations

from tests.dialogue import TestBot

CITIES = "Магазины есть в 16 городах: Москва, Санкт-Петербург, "


async def test_a_city_with_a_store_is_in_the_answer(bot: TestBot) -> None:
    alice = bot.customer("alice")
    await alice.say("есть ли у вас магазин в Казани?")
    [cities] = [line for line in alice.last_text.split("\n") if line.startswith(CITIES)]
    assert "Казань" in cities


async def test_a_city_without_one_learns_it_and_what_to_do(bot: TestBot) -> None:
    boris = bot.customer("boris")
    await boris.say("есть ли у вас магазин в Твери?")
    text = boris.last_text
    assert CITIES in text and "Тверь" not in text
    assert "в других городах магазинов пока нет, но есть пункты выдачи и доставка" in text
    assert "более 600 пунктов выдачи в 120 городах" in text
    await boris.press("Доставка в другие города")
    assert boris.last_text.startswith("Доставляем по всей России")
