"""«Статус ремонта»: the bot asks for the repair receipt and understands it («С-778812»,
«с778812», «квитанция 778812»), takes it from the first message, links the status page for
it, hands a customer without it to a person, and a repair past the legal 45 days to a person
at once — the receipt on the operator's card (data/flows/repairs.yml, docs/flows.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ownership import Owner
from bot.project import load_project
from bot.storage.models import Conversation
from bot.yamlio import ContentError
from flows.durations import days_in
from handoff.views import _flow_view
from tests.conftest import copy_demo_project
from tests.dialogue import TestBot

ASK = "Подскажите номер квитанции ремонта"
LINK = "Статус ремонта по квитанции"
OVERDUE = "Гарантийный ремонт по закону не может длиться больше 45 дней"


async def _card(bot: TestBot) -> dict[str, str]:
    """What the operator's console shows next to the escalation."""
    async with bot.runtime.db.read() as s:
        conv = await s.scalar(select(Conversation))
        assert conv is not None
    assert conv.context["escalation"]["flow"] is not None  # it went with the escalation
    return _flow_view(conv.context)


@pytest.mark.parametrize("receipt", ["С-778812", "с778812", "C 778812", "квитанция 778812"])
async def test_the_receipt_asked_for_is_understood(bot: TestBot, receipt: str) -> None:
    anna = bot.customer("anna")
    await anna.say("статус ремонта")
    assert anna.last_text.startswith(ASK)  # was the FAQ text «напишите номер квитанции»
    told = [m.text for m in await anna.say(receipt)]  # was «Извините, я не совсем понял»
    assert told[0].startswith(f"{LINK} С-778812: https://volt-shop.ru/service")
    assert anna.last_text == "Всё понятно со статусом?"
    assert anna.last_outcome.owner is Owner.BOT


@pytest.mark.parametrize(
    "first",
    [
        "квитанция С-204511",  # on its own: was «не понял»
        "С-204511",
        "статус ремонта С-204511",
        "что с ремонтом? квитанция с204511",
    ],
)
async def test_a_receipt_in_the_first_message_is_not_asked_again(bot: TestBot, first: str) -> None:
    boris = bot.customer("boris")
    told = [m.text for m in await boris.say(first)]
    assert not any(t.startswith(ASK) for t in told)
    assert any(t.startswith(f"{LINK} С-204511:") for t in told)


async def test_a_repair_handed_in_weeks_ago_is_asked_about_its_status(bot: TestBot) -> None:
    vera = bot.customer("vera")
    # was the answer how to hand a device in for repair
    await vera.say("сдал ноут в ремонт по гарантии 3 недели назад никакой инфы")
    assert vera.last_text.startswith(ASK)
    await vera.say("квитанция С-204511")
    assert vera.last_text == "Всё понятно со статусом?"


async def test_a_repair_past_45_days_goes_to_a_person_at_once_with_the_receipt(
    bot: TestBot,
) -> None:
    gleb = bot.customer("gleb")
    # was the FAQ asking for the receipt just given, and no person
    told = [m.text for m in await gleb.say("ремонт уже 50 дней квитанция С-123456")]
    assert told[0].startswith(OVERDUE)
    assert "С-123456" in told[0] and "замену товара или возврат денег" in told[0]
    assert not any(LINK in t or "укажите номер" in t for t in told)
    assert gleb.last_outcome.owner is Owner.QUEUED
    card = await _card(bot)
    assert card["Номер квитанции ремонта"] == "С-123456"
    assert card["Дней в ремонте (со слов клиента)"] == "50"


async def test_the_days_said_first_count_when_the_receipt_comes_later(bot: TestBot) -> None:
    dasha = bot.customer("dasha")
    await dasha.say("ремонт уже 46 дней идет это законно вообще?")
    assert dasha.last_text.startswith(ASK)
    await dasha.say("хочу деньги назад")  # whatever it is read as, the 46 days are kept
    told = [m.text for m in await dasha.say("квитанция С-778812")]  # was «не смог разобраться»
    assert told[0].startswith(OVERDUE)
    assert dasha.last_outcome.owner is Owner.QUEUED
    assert (await _card(bot))["Номер квитанции ремонта"] == "С-778812"


@pytest.mark.parametrize(
    ("said", "days"),
    [
        ("ремонт уже 2 месяца, квитанция С-123456", "60"),
        ("сдал в ремонт два месяца назад квитанция С-123456", "60"),
        ("квитанция С-123456, в ремонте 7 недель", "49"),
    ],
)
async def test_months_and_weeks_count_toward_the_45_days(
    bot: TestBot, said: str, days: str
) -> None:
    """A month is 30 days, a week 7 (flows/durations.py): «2 месяца» was no number of days, and
    a repair two months long got the status link instead of a person."""
    ira = bot.customer("ira")
    told = [m.text for m in await ira.say(said)]
    assert told[0].startswith(OVERDUE), told
    assert ira.last_outcome.owner is Owner.QUEUED
    assert (await _card(bot))["Дней в ремонте (со слов клиента)"] == days


async def test_a_month_said_after_the_receipt_is_45_days_or_not(bot: TestBot) -> None:
    kira = bot.customer("kira")
    await kira.say("статус ремонта")
    told = [m.text for m in await kira.say("С-123456, сдала полтора месяца назад")]
    assert told[0].startswith(f"{LINK} С-123456:")  # 45 days: not past the limit yet
    lena = bot.customer("lena")
    await lena.say("статус ремонта")
    told = [m.text for m in await lena.say("С-123456, уже больше двух месяцев")]
    assert told[0].startswith(OVERDUE), told


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("ремонт уже 50 дней", 50),
        ("полтора месяца назад сдал", 45),
        ("сдал месяц назад", 30),
        ("полмесяца", 15),
        ("3 недели", 21),
        ("уже почти 2 мес.", 60),
        ("купил 2 года назад", None),  # when it was bought, not how long the repair is
        ("в этом месяце", None),
        ("будней", None),
    ],
)
def test_a_duration_is_counted_in_days(text: str, days: int | None) -> None:
    assert days_in(text) == days


async def test_a_repair_within_45_days_gets_the_status_link(bot: TestBot) -> None:
    egor = bot.customer("egor")
    told = [m.text for m in await egor.say("ремонт уже 30 дней, квитанция С-123456")]
    assert told[0].startswith(f"{LINK} С-123456:")
    assert egor.last_outcome.owner is Owner.BOT


async def test_a_repair_that_drags_on_goes_to_a_person_with_the_receipt(bot: TestBot) -> None:
    zoya = bot.customer("zoya")
    await zoya.say("статус ремонта")
    await zoya.say("С-778812")
    told = [m.text for m in await zoya.press("Нет, ремонт затянулся")]
    assert told[0].startswith("Передаю коллеге квитанцию С-778812")
    assert zoya.last_outcome.owner is Owner.QUEUED
    assert (await _card(bot))["Номер квитанции ремонта"] == "С-778812"


async def test_no_receipt_number_goes_to_a_person_who_finds_it_by_the_phone(bot: TestBot) -> None:
    ilya = bot.customer("ilya")
    await ilya.say("статус ремонта")
    told = [m.text for m in await ilya.say("я не знаю номер квитанции")]  # was the order SMS FAQ
    assert told[0].startswith("Ничего страшного — квитанцию найдём по телефону")
    assert ilya.last_outcome.owner is Owner.QUEUED


async def test_a_phone_instead_of_the_receipt_is_on_the_card(bot: TestBot) -> None:
    kira = bot.customer("kira")
    await kira.say("статус ремонта")
    told = [m.text for m in await kira.say("квитанции нет, телефон +7 916 123-45-67")]
    assert told[0].startswith("Найдём квитанцию по этому номеру телефона")
    assert (await _card(bot))["Телефон для поиска квитанции"] == "79161234567"


async def test_a_number_that_is_no_receipt_is_said_so(bot: TestBot) -> None:
    lev = bot.customer("lev")
    await lev.say("статус ремонта")
    await lev.say("С-12345")
    assert lev.last_text.startswith("«12345» не похоже на номер квитанции")


# -- what the validator says about the receipt's rules (file:line) -----------------------------


def _problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as refused:
        load_project(root)
    return [str(p) for p in refused.value.problems]


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once) in the file; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


RECEIPT_PATTERN = r"pattern: '(?<![\w-])(?:[СсCc]\s?-?\s?)?\d{6}(?![\d-])'"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (RECEIPT_PATTERN, r"pattern: '[СсCc-\d{6}'", "регулярным выражением"),
        ('format: "С-{digits}"', 'format: "С-{number}"', "подставляется только {digits}"),
        ('format: "С-{digits}"', 'format: "С-{digits"', "'format' не разобрать"),
        ('when: {repair_days: ">45"}', 'when: {repair_days: ">45 дней"}', "нужно число"),
        (
            "        unit: days                    # «2 месяца» is 60, «3 недели» 21, "
            "«полтора месяца» 45\n",
            "",
            "шагу 'note' нужен 'pattern'",
        ),
    ],
)
def test_a_bad_rule_for_the_receipt_is_refused_with_its_line(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    root = copy_demo_project(tmp_path / "project", heldout=False)
    line = _edit(root / "data" / "flows" / "repairs.yml", old, new)
    [problem] = _problems(root)
    where, _, said = problem.partition(": ")
    assert where.startswith("data/flows/repairs.yml:"), problem
    assert int(where.split(":")[1]) in range(line - 6, line + 1), problem  # the step or the field
    assert says in said, problem


def test_a_when_on_a_note_is_known_to_the_validator(tmp_path: Path) -> None:
    # ``when: {repair_days: …}`` after the ``note`` that collects it is no «never runs» problem
    root = copy_demo_project(tmp_path / "project", heldout=False)
    flow = load_project(root).flows["repair_status_check"]
    overdue = next(s for s in flow.steps if s.id == "overdue")
    assert overdue.when == {"repair_days": ">45"}
    assert overdue.applies({"repair_days": "50"}) and not overdue.applies({"repair_days": "45"})
    assert not overdue.applies({})  # not said: the status link, not the hand-over


def test_unit_is_for_a_note_without_a_pattern() -> None:
    from pydantic import ValidationError

    from flows.models import Step

    assert Step(id="d", note="days", unit="days").unit == "days"
    for wrong in (
        {"id": "d", "note": "days", "unit": "days", "pattern": r"(\d+)"},
        {"id": "d", "ask": "Сколько дней?", "slot": "days", "unit": "days"},
    ):
        with pytest.raises(ValidationError, match="'unit' бывает только у шага 'note'"):
            Step(**wrong)


@pytest.mark.parametrize("said", ["а где мой ноутбук?", "где он", "ну и где она сейчас"])
async def test_where_is_it_inside_the_repair_flow_is_the_repairs_status(
    bot: TestBot, said: str
) -> None:
    """«где мой ноутбук» at the repair's «Всё понятно со статусом?» was «Где мой заказ» and its
    «Подскажите номер заказа»: in the flow it is the device in repair (its asked_again)."""
    maks = bot.customer("maks")
    await maks.say("статус ремонта")
    await maks.say("С-123456")
    told = [m.text for m in await maks.say(said)]
    assert told[0].startswith(f"{LINK} С-123456:"), told
    assert maks.last_text == "Всё понятно со статусом?"


async def test_where_is_it_at_the_receipt_question_asks_for_the_receipt(bot: TestBot) -> None:
    nina = bot.customer("nina")
    await nina.say("статус ремонта")
    told = [m.text for m in await nina.say("где он?")]
    assert told[0].startswith("Не вижу номера квитанции"), told  # not «номер заказа»
    told = [m.text for m in await nina.say("С-123456")]
    assert told[0].startswith(f"{LINK} С-123456:")


async def test_where_is_my_order_inside_the_repair_flow_is_still_the_order(bot: TestBot) -> None:
    oleg = bot.customer("oleg")
    await oleg.say("статус ремонта")
    await oleg.say("С-123456")
    told = [m.text for m in await oleg.say("где мой заказ?")]
    assert told[0].startswith("Подскажите номер заказа")
