"""Operators and customers in real Chromium: the console next to the customer's web chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.handoff_kit import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(pages: Any) -> Iterator[Any]:
    opened: list[Page] = []

    def new_page() -> Page:
        page: Page = pages()
        opened.append(page)
        return page

    yield new_page
    # Operators log out (going offline), so they get no conversations in later tests.
    for page in opened:
        if "/console" in page.url and "/console/login" not in page.url:
            if not page.url.endswith("/console"):
                page.goto(page.url.split("/console")[0] + "/console")
            page.click(".logout button")
            # The login page; with «?next=/console» when the console's own refresh met the
            # ended session first (its 401 sends the tab to the login page too).
            expect(page).to_have_url(re.compile(r"/console/login(\?next=%2Fconsole)?$"))


def submit_login(page: Page, server: Server, username: str) -> None:
    """Open the console, get sent to the login form, and log in (any role)."""
    page.goto(f"{server.url}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


def log_in(page: Page, server: Server, username: str) -> None:
    submit_login(page, server, username)
    expect(page).to_have_url(f"{server.url}/console")
    expect(page.locator("#live")).to_have_class(re.compile("on"))  # the event stream is open


def go_away(page: Page) -> None:
    """«Не на месте», and wait until the server has it (else, on a busy machine, the next customer
    could still be assigned to this operator)."""
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/me/status") and r.request.method == "POST"
    ) as answered:
        page.select_option("#status", "away")
    assert answered.value.ok


def customer_says(page: Page, text: str) -> None:
    """Send from the web chat and wait until the chat shows the message as sent."""
    before = page.locator("li.msg--customer").count()
    page.fill("#input", text)
    page.click("#send")
    expect(page.locator("li.msg--customer")).to_have_count(before + 1)
    expect(page.locator("li.msg--customer").last).to_have_text(text)


def open_chat(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/chat")
    expect(page.locator("li.msg--bot").first).to_be_visible()  # the greeting


def open_the_newest(operator: Page, server: Server) -> int:
    """Open the newest conversation from the operator's current list, found by its id (not
    by its place: a conversation another test left behind may be waiting too)."""
    conversation = server.newest_conversation()
    item = operator.locator(f'#list li.conv[data-id="{conversation}"]')
    expect(item).to_be_visible()
    item.click()
    return conversation


def a_customer_is_listed(
    server: Server, contexts: Any, username: str, name: str, says: str
) -> tuple[Page, Page, int]:
    """An operator (away, so nothing is assigned to them) and a web chat customer who asked
    for a person; the operator sees the customer's conversation in «Все». Returns both pages
    and the conversation's id."""
    server.add_operator(username, name=name)
    operator = contexts()
    log_in(operator, server, username)
    go_away(operator)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, says)
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    conversation = server.newest_conversation()
    operator.click('.tab[data-view="all"]')
    expect(operator.locator(f'#list li.conv[data-id="{conversation}"]')).to_be_visible()
    return operator, customer, conversation


def a_customer_waits(
    server: Server, contexts: Any, username: str, name: str, says: str
) -> tuple[Page, Page, int]:
    """:func:`a_customer_is_listed`, and the operator has the conversation open."""
    operator, customer, conversation = a_customer_is_listed(server, contexts, username, name, says)
    operator.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(operator.locator("#messages")).to_contain_text(says)
    return operator, customer, conversation


def test_queue_take_reply_transfer_close_rate(server: Server, contexts: Any) -> None:
    server.add_operator("anna", name="Анна")
    server.add_operator("boris", name="Борис")
    anna = contexts()
    log_in(anna, server, "anna")
    go_away(anna)  # so the conversation waits in the queue instead of being auto-assigned

    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Здравствуйте, где мой заказ 12345? Позовите оператора")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")

    # The queued conversation appears without a reload.
    item = anna.locator("#list li.conv").first
    expect(item).to_contain_text("клиент попросил оператора")
    expect(anna.locator("#count-queued")).to_have_text("1")
    expect(anna).to_have_title(re.compile(r"^\(1\) "))  # noticed from another tab too
    # Waiting past the (test's 3 s) goal turns the item red.
    expect(item).to_have_class(re.compile(r"\bsla-late\b"))
    item.click()
    expect(anna.locator("#messages")).to_contain_text("где мой заказ 12345")
    # The bot's guesses under the customer's message, by names operators know.
    expect(anna.locator("#messages .nlu").first).to_contain_text("Бот понял: просит оператора")
    expect(anna.locator("#x-reason")).to_have_text("клиент попросил оператора")
    expect(anna.locator("#guesses li").first).to_contain_text("%")
    # A guess that is an FAQ entry puts its answer into the reply with one click.
    faq_guess = anna.locator("#guesses li", has=anna.get_by_role("button", name="Вставить")).first
    faq_guess.get_by_role("button", name="Вставить").click()
    answer = faq_guess.get_attribute("title")
    assert answer and len(answer) > 40
    expect(anna.locator("#reply")).to_have_value(answer)
    anna.fill("#reply", "")
    expect(anna.locator("#messages .badge").first).to_have_text("Веб-чат")

    anna.click("#take")
    expect(anna.locator("#c-owner")).to_have_text("у оператора")
    # A canned answer from the knowledge base goes into the reply box, editable.
    anna.fill("#kb-q", "сроки доставки")
    canned = anna.locator("#kb-results li").first
    expect(canned).to_be_visible()
    canned.locator("button.insert").click()
    expect(anna.locator("#reply")).not_to_have_value("")
    expect(anna.locator("#c-owner")).to_have_text("у оператора")
    anna.fill("#reply", "Здравствуйте! Меня зовут Анна, проверяю заказ.")
    anna.click("#send")
    expect(customer.locator("li.msg--operator").last).to_contain_text("Меня зовут Анна")
    sent = anna.locator("#messages li.author-operator .delivery").last
    expect(sent).to_have_text("отправлено")  # the operator sees it left
    # The customer sees who answers.
    expect(customer.locator("li.msg--operator .msg__author").last).to_have_text("Оператор Анна")
    expect(anna).to_have_title(re.compile(r"^[^(]"))  # answered: nothing waits for her now

    # Internal note: visible to colleagues, never to the customer.
    anna.click("#mode-note")
    expect(anna.locator("#send")).to_be_hidden()  # a note cannot be sent by mistake
    anna.fill("#reply", "Клиент ждёт с понедельника")
    anna.click("#note-send")
    expect(anna.locator("#messages li.kind-note")).to_contain_text("Клиент ждёт с понедельника")
    anna.click("#mode-reply")

    # Transfer to Boris, who is online with the console open; the customer is not asked again.
    seen_by_customer = customer.locator("li.msg").count()
    boris = contexts()
    log_in(boris, server, "boris")
    anna.click("#transfer-open")
    anna.select_option("#transfer-operator", label="Борис (в сети)")
    anna.fill("#transfer-note", "Нужна проверка склада")
    anna.click("#transfer-submit")
    expect(anna.locator("#c-operator")).to_have_text("Оператор: Борис")

    boris.click('.tab[data-view="mine"]')
    mine = boris.locator("#list li.conv").first
    expect(mine).to_be_visible()
    mine.click()
    expect(boris.locator("#handover-text")).to_contain_text("Нужна проверка склада")
    expect(boris.locator("#messages")).to_contain_text("Меня зовут Анна")
    assert customer.locator("li.msg").count() == seen_by_customer

    boris.click("#close")
    expect(boris.locator("#c-owner")).to_have_text("закрыт")
    expect(customer.locator("li.msg--bot").last).to_contain_text("оцените")
    rating_buttons = customer.locator("li.msg--bot").last.locator(".buttons button")
    expect(rating_buttons).to_have_count(5)
    rating_buttons.nth(4).click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Спасибо за оценку")
    expect(boris.locator("#c-meta")).to_contain_text("Оценка: 5")  # live, no reload


def test_a_low_rating_says_why_and_the_card_shows_it(server: Server, contexts: Any) -> None:
    server.add_operator("zhenya", name="Женя")
    gleb = contexts()
    log_in(gleb, server, "zhenya")
    go_away(gleb)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Позовите оператора, не пришёл кешбэк")
    open_the_newest(gleb, server)
    gleb.click("#take")
    gleb.fill("#reply", "Проверю и вернусь")
    gleb.click("#send")
    expect(customer.locator("li.msg--operator").last).to_contain_text("Проверю")
    gleb.click("#close")
    expect(customer.locator("li.msg--bot").last).to_contain_text("оцените")
    customer.locator("li.msg--bot").last.get_by_role("button", name="2").click()
    why = customer.locator("li.msg--bot").last
    expect(why).to_contain_text("что пошло не так")
    why.get_by_role("button", name="Долго ждал ответа").click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передам руководителю")
    expect(gleb.locator("#card-conversations li.current")).to_contain_text(
        "оценка 2 (долго ждал ответа)"
    )


def test_each_conversation_keeps_its_own_draft(server: Server, contexts: Any) -> None:
    server.add_operator("klara", name="Клара")
    klara = contexts()
    log_in(klara, server, "klara")
    go_away(klara)
    ids = []
    for text in (
        "Позовите оператора, вопрос про скидку",
        "Позовите оператора, вопрос про доставку",
    ):
        customer = contexts()
        open_chat(customer, server)
        customer_says(customer, text)
        expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
        ids.append(server.newest_conversation())
    klara.click('.tab[data-view="all"]')  # queued and taken alike
    first, second = (klara.locator(f'#list li.conv[data-id="{i}"]') for i in ids)
    reply = klara.locator("#reply")

    first.click()
    expect(klara.locator("#messages")).to_contain_text("про скидку")
    reply.fill("Скидка 10 % действует до")
    second.click()
    expect(klara.locator("#messages")).to_contain_text("про доставку")
    expect(reply).to_have_value("")  # the other customer's draft is not here to be sent
    reply.fill("Доставка завтра")
    first.click()
    expect(reply).to_have_value("Скидка 10 % действует до")

    klara.reload()  # drafts survive a reload of the tab
    expect(klara.locator("#live")).to_have_class(re.compile("on"))
    klara.click('.tab[data-view="all"]')
    klara.locator(f'#list li.conv[data-id="{ids[1]}"]').click()
    expect(reply).to_have_value("Доставка завтра")
    klara.locator(f'#list li.conv[data-id="{ids[0]}"]').click()
    expect(reply).to_have_value("Скидка 10 % действует до")
    reply.fill("Скидка 10 % действует до воскресенья")
    klara.click("#send")  # takes the conversation and sends
    expect(klara.locator("#messages")).to_contain_text("до воскресенья")
    expect(reply).to_have_value("")
    klara.locator(f'#list li.conv[data-id="{ids[1]}"]').click()
    expect(reply).to_have_value("Доставка завтра")
    klara.locator(f'#list li.conv[data-id="{ids[0]}"]').click()
    expect(reply).to_have_value("")  # sent: no draft left behind
    for conversation in ids:
        klara.locator(f'#list li.conv[data-id="{conversation}"]').click()
        expect(klara.locator("#c-title")).to_contain_text(f"диалог №{conversation}")
        # Take it if it still waits: the queue may be giving it to Klara at this very moment
        # (on a busy machine), so through the API, where «already hers» is simply refused.
        klara.evaluate(f"api('POST', '/conversations/{conversation}/assign', {{}}).catch(() => 0)")
        klara.evaluate("refreshDetail()")
        expect(klara.locator("#c-owner")).to_have_text("у оператора")
        klara.click("#close")
        expect(klara.locator("#c-owner")).to_have_text("закрыт")


def test_the_card_tells_a_past_bot_only_session_from_a_person_handled_one(
    server: Server, contexts: Any
) -> None:
    server.add_operator("mira", name="Мира")
    mira = contexts()
    log_in(mira, server, "mira")
    go_away(mira)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "как вернуть товар")
    expect(customer.locator("li.msg--bot").last).to_contain_text("14 дней")
    morning = server.newest_conversation()
    server.age_conversation(morning, hours=3)  # she comes back in the afternoon
    customer_says(customer, "Позовите оператора, пожалуйста")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    afternoon = server.newest_conversation()
    assert afternoon != morning  # the morning's session had ended
    mira.locator(f'#list li.conv[data-id="{afternoon}"]').click()
    expect(mira.locator("#messages")).to_contain_text("как вернуть товар")  # the whole history
    past = mira.locator("#card-conversations li").filter(has_text=f"№{morning} ")
    expect(past).to_contain_text("закрыт · только бот")
    current = mira.locator("#card-conversations li.current")
    expect(current).to_contain_text(f"№{afternoon} ")
    expect(current).not_to_contain_text("только бот")
    mira.click("#take")
    expect(mira.locator("#c-owner")).to_have_text("у оператора")
    mira.click("#close")
    expect(mira.locator("#c-owner")).to_have_text("закрыт")
    past.click()  # the card's past conversation opens
    expect(mira.locator("#card-conversations li.current")).to_contain_text(f"№{morning} ")
    expect(mira.locator("#x-reason")).to_have_text("Не эскалирован")  # the bot had it alone
    # And back: the item that was the current one is now a past one and opens in its turn.
    mira.locator(f'#card-conversations li.past[data-id="{afternoon}"]').press("Enter")
    expect(mira.locator("#card-conversations li.current")).to_contain_text(f"№{afternoon} ")
    expect(mira.locator("#c-owner")).to_have_text("закрыт")


def test_customer_html_is_shown_as_text_and_never_runs(server: Server, contexts: Any) -> None:
    server.add_operator("vera", name="Вера")
    vera = contexts()
    log_in(vera, server, "vera")
    go_away(vera)
    customer = contexts()
    open_chat(customer, server)
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    customer_says(customer, payload)
    customer_says(customer, "оператор")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    # This customer's conversation, not another test's that waits too.
    vera.locator(f'#list li.conv[data-id="{server.newest_conversation()}"]').click()
    message = vera.locator("#messages li.author-customer .text", has_text="onerror")
    expect(message).to_have_text(payload)
    assert vera.locator("#messages img").count() == 0
    assert vera.evaluate("window.__xss") is None
    assert customer.evaluate("window.__xss") is None
    # Vera hands the conversation back to the bot, and the bot answers again.
    vera.click("#take")
    vera.click("#return")
    expect(vera.locator("#c-owner")).to_have_text("бот")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Снова с вами")


def test_operator_cannot_reach_admin_pages(server: Server, contexts: Any) -> None:
    server.add_operator("oleg", name="Олег")
    server.add_operator("chief", role="admin", name="Руководитель")
    oleg = contexts()
    log_in(oleg, server, "oleg")
    expect(oleg.locator("#stats-link")).to_have_count(0)
    response = oleg.goto(f"{server.url}/console/stats")
    assert response is not None and response.status == 403
    expect(oleg.locator("body")).to_contain_text("Недостаточно прав")
    open_chat(contexts(), server)  # a conversation of today: the figures have a share to show
    chief = contexts()
    log_in(chief, server, "chief")
    chief.click("#stats-link")
    expect(chief).to_have_url(f"{server.url}/console/stats")
    expect(chief.locator("#deflection")).to_contain_text("%")


def test_two_operators_never_get_the_same_conversation(server: Server, contexts: Any) -> None:
    server.add_operator("gleb", name="Глеб")
    server.add_operator("dina", name="Дина")
    gleb, dina = contexts(), contexts()
    for page, name in ((gleb, "gleb"), (dina, "dina")):
        log_in(page, server, name)
        go_away(page)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "позовите живого человека")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    for page in (gleb, dina):
        open_the_newest(page, server)
        expect(page.locator("#take")).to_be_visible()
    gleb.click("#take")
    dina.click("#take")
    # Both at once: whichever take the server gets first wins (on a busy machine Дина's may
    # overtake Глеб's), and the other is told — never both.
    owner = gleb.locator("#c-operator")
    expect(owner).to_have_text(re.compile(r"^Оператор: (Глеб|Дина)$"))
    winner, loser = (gleb, dina) if "Глеб" in owner.inner_text() else (dina, gleb)
    name = "Глеб" if winner is gleb else "Дина"
    expect(loser.locator("#error")).to_have_text("Диалог уже взял другой оператор.")
    for page in (winner, loser):
        expect(page.locator("#c-operator")).to_have_text(f"Оператор: {name}")
    expect(loser.locator("#send")).to_be_disabled()
    winner.click("#close")  # done, so that no later test finds it back in the queue
    expect(winner.locator("#c-owner")).to_have_text("закрыт")


def test_the_operator_sees_how_the_bot_read_each_question(server: Server, contexts: Any) -> None:
    server.add_operator("galina", name="Галина")
    galina = contexts()
    log_in(galina, server, "galina")
    go_away(galina)

    customer = contexts()
    open_chat(customer, server)
    answers_before = customer.locator("li.msg--bot").count()
    customer_says(customer, "Где мой заказ? И ещё: как вернуть товар")
    expect(customer.locator("li.msg--bot")).to_have_count(answers_before + 2)  # one each
    expect(customer.locator("li.msg--bot").nth(answers_before)).to_contain_text("вернуть")
    expect(customer.locator("li.msg--bot").last).to_contain_text("номер заказа")  # the flow
    customer_says(customer, "оператора позовите, у меня срочно")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")

    open_the_newest(galina, server)
    expect(galina.locator("#messages")).to_contain_text("у меня срочно")
    questions = galina.locator("#messages .nlu-parts").first.locator("li")
    expect(questions).to_have_count(2)
    expect(questions.nth(0)).to_contain_text("«Где мой заказ?» — понял:")
    # The question as it was read, without the connector it was asked with («И ещё:»).
    expect(questions.nth(1)).to_contain_text("«как вернуть товар» — понял:")
    expect(questions.nth(1)).to_contain_text("%")
    galina.click("#take")  # and done, so that no later test finds it waiting
    expect(galina.locator("#c-owner")).to_have_text("у оператора")  # taken: «Закрыть» asks nothing
    galina.click("#close")
    expect(galina.locator("#c-owner")).to_have_text("закрыт")


def test_old_buttons_in_the_web_chat_cannot_be_pressed_again(server: Server, contexts: Any) -> None:
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "где мой заказ 12345678")
    late = customer.get_by_role("button", name="Нет, заказ задерживается")
    expect(late).to_be_enabled()
    customer.get_by_role("button", name="Да, спасибо").click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Отлично")
    expect(late).to_be_disabled()  # the scenario is over
    customer.reload()  # the history comes back, its buttons still not pressable
    expect(customer.locator("li.msg--bot").last).to_contain_text("Отлично")
    expect(customer.get_by_role("button", name="Нет, заказ задерживается")).to_be_disabled()


def test_a_message_the_server_never_got_stays_in_the_box(server: Server, contexts: Any) -> None:
    customer = contexts()
    open_chat(customer, server)
    text = "Мой заказ 12345678 не пришёл, что делать?"
    customer.route("**/webchat/api/send", lambda route: route.abort())  # the network drops it
    customer.fill("#input", text)
    customer.click("#send")
    expect(customer.locator("#error")).to_contain_text("не отправлено")
    expect(customer.locator("#input")).to_have_value(text)  # nothing to type again
    expect(customer.locator("li.msg--customer")).to_have_count(0)
    customer.unroute("**/webchat/api/send")
    customer.click("#send")  # the network is back: the same text goes, once
    expect(customer.locator("li.msg--customer")).to_have_count(1)
    expect(customer.locator("li.msg--customer").last).to_have_text(text)
    expect(customer.locator("#error")).to_be_hidden()
    expect(customer.locator("#input")).to_have_value("")


def test_a_canned_answer_joins_the_operators_draft(server: Server, contexts: Any) -> None:
    server.add_operator("irina", name="Ирина")
    irina = contexts()
    log_in(irina, server, "irina")
    go_away(irina)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Позовите оператора, пожалуйста")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    open_the_newest(irina, server)
    expect(irina.locator("#messages")).to_contain_text("Позовите оператора, пожалуйста")
    irina.click("#take")
    expect(irina.locator("#c-owner")).to_have_text("у оператора")

    # Irina greets the customer first, then looks for the ready-made answer.
    reply = irina.locator("#reply")
    reply.fill("Здравствуйте, Иван!")
    irina.fill("#kb-q", "сроки доставки")
    canned = irina.locator("#kb-results li").first
    expect(canned).to_be_visible()
    answer = canned.locator("p").text_content()
    assert answer
    canned.locator("button.insert").click()
    # Her greeting stays; the answer follows it after a blank line, ready to edit.
    expect(reply).to_have_value(f"Здравствуйте, Иван!\n\n{answer}")
    expect(reply).to_be_focused()

    # With the cursor inside the draft, the answer goes exactly there.
    reply.fill("Здравствуйте, Иван! С уважением, Ирина")
    reply.evaluate("box => box.setSelectionRange(20, 20)")  # after «Иван! »
    canned.locator("button.insert").click()
    expect(reply).to_have_value(f"Здравствуйте, Иван! {answer}С уважением, Ирина")
    expect(reply).to_be_focused()

    # Nonsense finds nothing and says so (QA: «фывапр» offered «Акции и скидки»); a real
    # question still finds its entry.
    for nonsense in ("фывапр", "zzz"):
        irina.fill("#kb-q", nonsense)
        expect(irina.locator("#kb-none")).to_be_visible()
        expect(irina.locator("#kb-none")).to_have_text("Ничего не найдено")
        expect(irina.locator("#kb-results li")).to_have_count(0)
    irina.fill("#kb-q", "доставка в казань")
    expect(irina.locator("#kb-results li").first).to_have_attribute(
        "data-entry", "delivery_regions"
    )
    expect(irina.locator("#kb-none")).to_be_hidden()

    irina.click("#close")  # done, so that no later test finds it waiting
    expect(irina.locator("#c-owner")).to_have_text("закрыт")


def test_the_customer_sees_the_operator_typing(server: Server, contexts: Any) -> None:
    server.add_operator("tanya", name="Таня")
    tanya = contexts()
    log_in(tanya, server, "tanya")
    go_away(tanya)
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Позовите оператора, вопрос по гарантии")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    open_the_newest(tanya, server)
    expect(tanya.locator("#messages")).to_contain_text("вопрос по гарантии")
    tanya.click("#take")  # while «Не на месте»: no «уже читает», the chat's header names her
    expect(customer.locator("#subtitle")).to_have_text("Оператор Таня в чате")
    expect(customer.locator("#typing")).to_be_hidden()

    # And the other way: Таня sees the customer typing, until their message arrives.
    customer.wait_for_timeout(4100)  # the chat passes typing on at most every 4 s
    customer.fill("#input", "И ещё: чек потерялся")
    expect(tanya.locator("#customer-typing")).to_be_visible()
    customer.click("#send")
    expect(tanya.locator("#messages")).to_contain_text("чек потерялся")
    expect(tanya.locator("#customer-typing")).to_be_hidden()

    # A note for colleagues is typed in note mode: the customer sees nobody typing.
    tanya.click("#mode-note")
    tanya.wait_for_timeout(500)  # the chat is listening again after the take woke it
    tanya.fill("#reply", "Гарантийный случай, уточнить дату покупки")
    tanya.wait_for_timeout(1500)  # long enough for an indicator to reach the chat
    # Checked once, not awaited: the indicator would hide by itself after a few seconds.
    assert not customer.locator("#typing").is_visible()
    tanya.keyboard.press("Control+Enter")
    expect(tanya.locator("#messages li.kind-note")).to_contain_text("дату покупки")
    tanya.click("#mode-reply")

    tanya.fill("#reply", "Здравствуйте! Сейчас посмотрю")  # she is still writing …
    expect(customer.locator("#typing")).to_be_visible()  # … and the customer knows it
    expect(customer.locator("#typing")).to_have_text("Печатает…")
    tanya.click("#send")
    expect(customer.locator("li.msg--operator").last).to_contain_text("Сейчас посмотрю")
    expect(customer.locator("#typing")).to_be_hidden()
    tanya.click("#close")
    expect(tanya.locator("#c-owner")).to_have_text("закрыт")


# A 1×1 PNG: Chromium must be able to decode it for the chat to show it.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f5e2b10000000049454e44ae426082"
)


def test_the_operator_sends_a_photo_and_the_customer_sees_it(server: Server, contexts: Any) -> None:
    fedor, customer, _ = a_customer_waits(
        server, contexts, "fedor", "Фёдор", "Позовите оператора, какая зарядка подойдёт?"
    )

    fedor.fill("#reply", "Вот такая, 65 Вт")  # the words go under the photo
    fedor.set_input_files(
        "#file", files=[{"name": "зарядка.png", "mimeType": "image/png", "buffer": PIXEL}]
    )
    sent = fedor.locator("#messages .sent-file").last
    expect(sent).to_contain_text("Файл: зарядка.png")
    expect(fedor.locator("#reply")).to_have_value("")
    expect(fedor.locator("#c-owner")).to_have_text("у оператора")  # sending took it

    photo = customer.locator("li.msg--operator .msg__file img").last
    expect(photo).to_be_visible()
    expect(customer.locator("li.msg--operator").last).to_contain_text("Вот такая, 65 Вт")
    assert photo.evaluate("img => img.naturalWidth") == 1  # the bytes arrived, decoded

    fedor.set_input_files(
        "#file",
        files=[{"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}],
    )
    expect(fedor.locator("#error")).to_contain_text("Такой файл не отправить")
    fedor.click("#close")
    expect(fedor.locator("#c-owner")).to_have_text("закрыт")


def test_a_web_chat_customer_sends_a_photo_the_operator_sees_it(
    server: Server, contexts: Any
) -> None:
    server.add_operator("lidia", name="Лидия")
    lidia = contexts()
    log_in(lidia, server, "lidia")
    go_away(lidia)
    customer = contexts()
    open_chat(customer, server)
    customer.fill("#input", "вот что пришло")  # the words go along with the photo
    customer.set_input_files(
        "#file", files=[{"name": "посылка.png", "mimeType": "image/png", "buffer": PIXEL}]
    )
    bubble = customer.locator("li.msg--customer").last
    expect(bubble).to_contain_text("вот что пришло")
    expect(bubble.locator(".msg__file img")).to_be_visible()
    expect(customer.locator("#input")).to_have_value("")

    customer.set_input_files(
        "#file",
        files=[{"name": "virus.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}],
    )
    expect(customer.locator("#error")).to_contain_text("Такой файл не отправить")

    customer_says(customer, "позовите оператора")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    lidia.click('.tab[data-view="all"]')
    lidia.locator(f'#list li.conv[data-id="{server.newest_conversation()}"]').click()
    preview = lidia.locator("#messages .attachment-preview").last
    expect(preview).to_be_visible()
    expect(lidia.locator("#messages .attachment a").last).to_contain_text("посылка.png")
    preview.evaluate("img => img.decode()")
    assert preview.evaluate("img => img.naturalWidth") == 1  # fetched behind the login
    lidia.click("#take")
    expect(lidia.locator("#c-owner")).to_have_text("у оператора")  # taken: «Закрыть» asks nothing
    lidia.click("#close")
    expect(lidia.locator("#c-owner")).to_have_text("закрыт")


def test_the_operator_finds_a_closed_conversation_by_an_order_number(
    server: Server, contexts: Any
) -> None:
    semyon, _, conversation = a_customer_waits(
        server, contexts, "semyon", "Семён", "Позовите оператора, заказ 770415 пришёл разбитый"
    )
    semyon.click("#take")
    expect(semyon.locator("#c-owner")).to_have_text("у оператора")  # taken: «Закрыть» asks nothing
    semyon.click("#mode-note")
    semyon.fill("#reply", "Курьер Петров, третий раз за месяц")
    semyon.click("#note-send")
    expect(semyon.locator("#messages li.kind-note")).to_contain_text("третий раз за месяц")
    semyon.click("#mode-reply")
    semyon.click("#close")
    expect(semyon.locator("#c-owner")).to_have_text("закрыт")
    semyon.click('.tab[data-view="queued"]')  # nothing there now

    semyon.fill("#find", "770415")  # the customer calls back with the order number
    found = semyon.locator("#list li.conv")
    expect(found).to_have_count(1)
    expect(found.first).to_have_attribute("data-id", str(conversation))
    expect(found.first.locator(".match")).to_contain_text("в переписке: ")
    expect(found.first.locator(".match")).to_contain_text("заказ 770415 пришёл разбитый")
    found.first.click()
    expect(semyon.locator("#messages")).to_contain_text("пришёл разбитый")
    # «Скачать переписку»: the same conversation as a text file, for the courier service.
    with semyon.expect_download() as download:
        semyon.click("#transcript")
    assert download.value.suggested_filename == f"dialog-{conversation}.txt"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith(f"Диалог №{conversation} · веб-чат\n")
    assert "Позовите оператора, заказ 770415 пришёл разбитый" in saved
    # The file may go to the courier service or the customer: the note for colleagues stays out.
    assert "Курьер Петров" not in saved and "Заметка" not in saved
    semyon.fill("#find", "нет такого 99999999")
    expect(semyon.locator("#list-empty")).to_have_text("Ничего не найдено")
    semyon.click('.tab[data-view="all"]')  # a tab ends the search
    expect(semyon.locator("#find")).to_have_value("")
    expect(semyon.locator("#list-empty")).to_be_hidden()


def test_an_admin_adds_a_ready_reply_and_it_is_typed_with_a_slash(
    server: Server, contexts: Any
) -> None:
    server.add_operator("rita", name="Рита", role="admin")
    rita = contexts()
    log_in(rita, server, "rita")
    rita.click("#replies-open")
    rita.fill("#reply-shortcut", "здравствуйте")
    rita.fill("#reply-text", "Здравствуйте, {клиент}! Меня зовут {оператор}, уже смотрю.")
    rita.click("#reply-add")
    expect(rita.locator("#replies-list li")).to_contain_text(["/здравствуйте"])
    rita.fill("#reply-shortcut", "здравствуйте")
    rita.fill("#reply-text", "ещё раз")
    rita.click("#reply-add")
    expect(rita.locator("#replies-error")).to_contain_text("уже есть")
    rita.click("#replies-close")
    go_away(rita)

    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Позовите оператора, где мой заказ 48211?")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    rita.click('.tab[data-view="all"]')
    rita.locator(f'#list li.conv[data-id="{server.newest_conversation()}"]').click()
    expect(rita.locator("#messages")).to_contain_text("заказ 48211")
    box = rita.locator("#reply")
    box.press_sequentially("/здр")
    offered = rita.locator("#templates li")
    expect(offered).to_have_count(1)
    expect(offered.first).to_contain_text("/здравствуйте")
    box.press("Enter")  # the first one goes in, names filled in (the chat's customer has none)
    expect(box).to_have_value("Здравствуйте! Меня зовут Рита, уже смотрю.")
    expect(rita.locator("#templates")).to_be_hidden()
    rita.click("#send")
    expect(customer.locator("li.msg--operator").last).to_have_text(
        re.compile("Здравствуйте! Меня зовут Рита, уже смотрю.")
    )
    rita.click("#close")
    expect(rita.locator("#c-owner")).to_have_text("закрыт")


def test_an_operator_keeps_a_ready_reply_of_her_own(server: Server, contexts: Any) -> None:
    zina, _, _ = a_customer_waits(
        server, contexts, "zina", "Зина", "Позовите оператора, спасибо за помощь вчера"
    )
    expect(zina.locator("#stats-link")).to_have_count(0)  # no admin links for her
    zina.click("#replies-open")
    expect(zina.locator("#reply-personal")).to_have_count(0)  # hers, there is no choice
    zina.fill("#reply-shortcut", "спасибо-зина")
    zina.fill("#reply-text", "Спасибо, что написали! Зина.")
    zina.click("#reply-add")
    mine = zina.locator("#replies-list li", has_text="/спасибо-зина")
    expect(mine.locator(".scope")).to_have_text(" мой ")
    expect(mine.locator("button")).to_have_text("Удалить")
    for team in zina.locator("#replies-list li.team").all():
        expect(team.locator("button")).to_have_count(0)  # the team's list is the admin's
    zina.click("#replies-close")
    zina.locator("#reply").press_sequentially("/спасибо-з")
    offered = zina.locator("#templates li")
    expect(offered).to_have_count(1)
    expect(offered.first).to_contain_text("мой")


def test_an_operator_marks_what_the_conversation_was_about(server: Server, contexts: Any) -> None:
    says = "Позовите оператора, хочу вернуть утюг"
    vera, _, conversation = a_customer_waits(server, contexts, "vera-l", "Вера", says)
    chip = vera.locator('#labels .label-chip[data-label="return"]')
    expect(chip).to_have_text("Возврат и обмен")
    expect(chip).to_have_attribute("aria-pressed", "false")
    chip.click()
    expect(chip).to_have_class(re.compile(r"\bon\b"))
    vera.reload()  # kept on the server, not in the page
    vera.click('.tab[data-view="all"]')
    vera.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(chip).to_have_attribute("aria-pressed", "true")
    card = vera.locator(f'#card-conversations li[data-id="{conversation}"] .card-labels')
    expect(card).to_have_text(" · Возврат и обмен")  # the customer card says it too
    chip.click()  # taken off again
    expect(chip).to_have_attribute("aria-pressed", "false")


def test_statistics_read_the_russian_way(server: Server, contexts: Any) -> None:
    """QA's numbers: twelve handed over, one answered, most of the rest waiting past the goal."""
    metrics = {
        "days": 7,
        "first_response": {
            "escalated": 12,
            "answered": 1,
            "p50_seconds": 33.8,
            "p90_seconds": 250.0,
            "within_goal_share": 0.1,
            "goal_seconds": 60,
            "within_goal": 1,
            "late": 9,
            "waiting": 11,
            "waiting_over_goal": 9,
        },
        "operators": [
            {
                "operator_id": 1,
                "operator": "Анна",
                "conversations": 3,
                "first_response_p50_seconds": 95.0,
                "reply_p50_seconds": 42.0,
                "resolved": 2,
                "resolution_p50_seconds": 1260.0,
                "ratings": 4,
                "csat_average": 4.25,
                "low_ratings": 1,
            }
        ],
        "per_operator_day": [
            {"date": "2024-05-01", "operator_id": 1, "operator": "Анна", "conversations": 3}
        ],
        "csat": {
            "ratings": 1,
            "average": 1.0,
            "share_4_5": 0.0,
            "reasons": [{"reason": "slow", "title": "Долго ждал ответа", "count": 1}],
        },
        "deflection": {"conversations": 40, "without_person": 28, "rate": 0.7},
        "resolution": {"resolved": 2, "p50_seconds": 1260.0, "p90_seconds": 5400.0},
        "replies": {"answered": 5, "p50_seconds": 42.0, "p90_seconds": 130.0},
        "labels": {
            "labels": [{"label": "return", "title": "Возврат и обмен", "count": 5, "share": 0.417}],
            "unlabelled": 7,
        },
        "channels": [
            {
                "channel": "telegram",
                "conversations": 31,
                "handed_over": 9,
                "without_person_rate": 0.71,
                "ratings": 4,
                "csat_average": 4.5,
            },
            {
                "channel": "webchat",
                "conversations": 9,
                "handed_over": 3,
                "without_person_rate": 0.667,
                "ratings": 0,
                "csat_average": None,
            },
        ],
        "answers": {"rated": 21, "helped": 17, "share": 0.81},
        "handoffs": {
            "reasons": [
                {
                    "reason": "customer_request",
                    "title": "клиент попросил оператора",
                    "count": 7,
                    "share": 0.583,
                },
                {
                    "reason": "not_understood",
                    "title": "бот не понял клиента",
                    "count": 5,
                    "share": 0.417,
                },
            ],
            "topics": [
                {"intent": "return_goods", "title": "Как вернуть товар", "count": 4},
                {"intent": None, "title": "бот не понял вопрос", "count": 3},
            ],
            "without_question": 5,
        },
    }
    server.add_operator("lead", role="admin", name="Лидия")
    lead = contexts()
    log_in(lead, server, "lead")
    lead.route("**/api/v1/metrics?*", lambda route: route.fulfill(json=metrics))
    lead.click("#stats-link")

    expect(lead.locator("#p50")).to_have_text("33,8 с")  # a decimal comma
    expect(lead.locator("#p90")).to_have_text("4 мин 10 с")
    expect(lead.locator("#within")).to_have_text("10%")
    expect(lead.locator("#goal")).to_have_text("1 мин")
    expect(lead.locator("#answered")).to_have_text("Отвечено 1 из 12")
    expect(lead.locator("#waiting")).to_have_text("Ждут ответа: 11, из них дольше цели: 9")
    expect(lead.locator("#csat")).to_have_text("1,0 из 5 (1 оценка)")
    expect(lead.locator("#deflection")).to_have_text("70% (28 из 40)")
    expect(lead.locator("#reasons li")).to_have_text(["Долго ждал ответа — 1"])
    expect(lead.locator("#helped")).to_have_text("81%")
    expect(lead.locator("#helped-note")).to_have_text("17 из 21 оценки «помогло»")
    row = lead.locator("#per-operator tbody tr").first
    expect(row.locator("td").first).to_have_text("01.05.2024")  # as on the customer card
    agent = lead.locator("#operators tbody tr").first.locator("td")
    expect(agent).to_have_text(
        ["Анна", "3", "1 мин 35 с", "42 с", "2", "21 мин", "4,3 (4 оценки)", "1"]
    )
    channels = lead.locator("#channels tbody tr")
    expect(channels.nth(0).locator("td")).to_have_text(
        ["Telegram", "31", "9", "71%", "4,5 (4 оценки)"]
    )
    expect(channels.nth(1).locator("td")).to_have_text(["Веб-чат", "9", "3", "67%", "—"])
    expect(lead.locator("#labels tbody tr td")).to_have_text(["Возврат и обмен", "5", "42%"])
    expect(lead.locator("#unlabelled")).to_have_text("Без метки: 7")
    expect(lead.locator("#resolution")).to_have_text("21 мин")
    expect(lead.locator("#reply")).to_have_text("42 с")
    expect(lead.locator("#reply-note")).to_have_text("90% — за 2 мин 10 с; ответов 5")
    expect(lead.locator("#resolution-note")).to_have_text("90% — за 1 ч 30 мин; решено 2")
    # Why customers reached a person, and after which question: the editor's next entries.
    reasons = lead.locator("#handoff-reasons tbody tr")
    expect(reasons.nth(0).locator("td")).to_have_text(["клиент попросил оператора", "7", "58%"])
    expect(reasons.nth(1).locator("td")).to_have_text(["бот не понял клиента", "5", "42%"])
    expect(lead.locator("#handoff-reasons-empty")).to_be_hidden()
    topics = lead.locator("#handoff-topics tbody tr")
    expect(topics.nth(0).locator("td")).to_have_text(["Как вернуть товар", "4"])
    expect(topics.nth(1).locator("td")).to_have_text(["бот не понял вопрос", "3"])
    expect(lead.locator("#without-question")).to_contain_text(": 5")

    # Plural forms follow the number: another period, other ratings, nobody handed over.
    metrics["csat"] = {"ratings": 3, "average": 4.33, "share_4_5": 0.67, "reasons": []}
    metrics["handoffs"] = {"reasons": [], "topics": [], "without_question": 0}
    lead.select_option("#days", "days=30")
    expect(lead.locator("#csat")).to_have_text("4,3 из 5 (3 оценки)")
    expect(lead.locator("#reasons-box")).to_be_hidden()
    expect(lead.locator("#handoff-reasons")).to_be_hidden()
    empty = lead.locator("#handoff-reasons-empty")
    expect(empty).to_be_visible()
    expect(empty).to_have_text("За период диалоги не передавали оператору.")
    expect(lead.locator("#handoff-topics")).to_be_hidden()
    expect(lead.locator("#handoff-topics-empty")).to_be_visible()
    expect(lead.locator("#without-question")).to_have_text("")
    metrics["csat"] = {"ratings": 5, "average": 4.33, "share_4_5": 0.6}
    metrics["answers"] = {"rated": 0, "helped": 0, "share": None}
    lead.select_option("#days", "days=1")
    expect(lead.locator("#csat")).to_have_text("4,3 из 5 (5 оценок)")
    expect(lead.locator("#helped")).to_have_text("—")
    expect(lead.locator("#helped-note")).to_have_text("клиенты ещё не оценивали ответы")

    # The same period as a file for Excel.
    expect(lead.locator("#csv")).to_have_attribute("href", "/api/v1/metrics.csv?days=1")
    with lead.expect_download() as download:
        lead.click("#csv")
    assert download.value.suggested_filename.startswith("zabota-stats-1d-")
    lead.select_option("#days", label="прошлый месяц")  # a calendar month, for the report
    expect(lead.locator("#csv")).to_have_attribute("href", "/api/v1/metrics.csv?month=last")
    saved = download.value.path()
    content = Path(saved).read_bytes().decode("utf-8")
    assert content.startswith("\ufeffПоказатель;Значение") and "Дата;Оператор;Диалогов" in content


def test_an_admin_erases_a_customer_who_asked_to_be_forgotten(
    server: Server, contexts: Any
) -> None:
    server.add_operator("dasha", role="admin", name="Дарья")
    server.add_operator("petr", name="Пётр")
    dasha, petr = contexts(), contexts()
    for page, name in ((dasha, "dasha"), (petr, "petr")):
        log_in(page, server, name)
        go_away(page)  # the conversation waits in the queue for both to see
        page.click('.tab[data-view="queued"]')  # not «Мои», where leftovers given them are
    customer = contexts()
    open_chat(customer, server)
    customer_says(customer, "Я Ольга, мой телефон 89991234567, позовите оператора")
    expect(customer.locator("li.msg--bot").last).to_contain_text("Передаю")
    # Earlier tests' conversations may wait in the queue too.
    item = f'#list li.conv[data-id="{server.newest_conversation()}"]'

    # An operator sees the customer, but has no such button.
    petr.locator(item).click()
    expect(petr.locator("#messages")).to_contain_text("89991234567")
    expect(petr.locator("#forget")).to_have_count(0)

    dasha.locator(item).click()
    expect(dasha.locator("#messages")).to_contain_text("89991234567")
    asked: list[str] = []
    dasha.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    dasha.click("#forget")
    expect(dasha.locator("#messages")).to_contain_text("89991234567")  # she changed her mind
    assert "без возможности восстановления" in asked[0]

    dasha.once("dialog", lambda d: d.accept())
    dasha.click("#forget")
    expect(dasha.locator("#card-erased")).to_contain_text("Персональные данные удалены")
    expect(dasha.locator("#messages")).not_to_contain_text("89991234567")
    expect(dasha.locator("#messages .text.erased").first).to_have_text("(текст удалён)")
    expect(dasha.locator("#c-owner")).to_have_text("закрыт")
    expect(dasha.locator("#forget")).to_be_hidden()
    expect(dasha.locator(item)).to_have_count(0)  # no longer waiting for anyone


def test_a_corrected_message_says_so(server: Server, contexts: Any) -> None:
    says = "Заказ 555, позовите оператора"
    operator, _, conversation = a_customer_waits(server, contexts, "zlata", "Злата", says)
    message = operator.locator("#messages li.author-customer", has_text=says)
    expect(message.locator(".edited")).to_have_count(0)
    server.mark_edited(conversation, says)
    operator.reload()
    operator.click('.tab[data-view="all"]')
    operator.locator(f'#list li.conv[data-id="{conversation}"]').click()
    expect(message.locator(".edited")).to_have_text("✏️ исправлено")


def test_a_sticker_and_a_location_from_a_messenger_read_as_such(
    server: Server, contexts: Any
) -> None:
    says = "Заказ 556, позовите оператора, я вот тут"
    operator, _, conversation = a_customer_waits(server, contexts, "stepan", "Степан", says)
    server.add_to_message(
        conversation,
        says,
        attachments=[
            {"kind": "sticker", "url": "tg-file:ST1", "name": "👍"},
            {"kind": "location", "url": "geo:55.751244,37.618423"},
        ],
    )
    operator.reload()
    operator.click('.tab[data-view="all"]')
    operator.locator(f'#list li.conv[data-id="{conversation}"]').click()
    message = operator.locator("#messages li.author-customer", has_text=says)
    expect(message.locator(".attachment a").first).to_have_text("Стикер: 👍")
    place = message.locator(".attachment.location a")
    expect(place).to_have_text("Геопозиция: 55.751244, 37.618423")
    assert place.get_attribute("href") == (
        "https://yandex.ru/maps/?pt=37.618423,55.751244&z=16&l=map"
    )


def test_a_customer_who_writes_on_a_day_off_is_not_red_before_the_opening(
    server: Server, contexts: Any, project_and_brain: tuple[Any, Any, str]
) -> None:
    hours = project_and_brain[1].config.handoff.working_hours
    today = datetime.now(ZoneInfo(hours.timezone)).date()
    hours.always_open = False
    hours.special_days = {today: None, today - timedelta(days=1): None}  # closed
    try:
        server.add_operator("nina", name="Нина")
        nina = contexts()
        log_in(nina, server, "nina")
        go_away(nina)
        nina.click('.tab[data-view="queued"]')  # not «Мои», where leftovers given her are
        customer = contexts()
        open_chat(customer, server)
        customer_says(customer, "Позовите оператора, заказ 557 не пришёл")
        expect(customer.locator("li.msg--bot").last).to_contain_text("не на связи")
        item = nina.locator(f'#list li.conv[data-id="{server.newest_conversation()}"]')
        expect(item.locator(".timer")).to_have_text("⏸ 0 с")
        nina.wait_for_timeout(4000)  # past the test's 3-second goal on the wall clock
        expect(item.locator(".timer")).to_have_text("⏸ 0 с")
        expect(item).to_have_class(re.compile(r"\bsla-ok\b"))
        hint = re.compile(r"^Ждёт с \d\d:\d\d \(\d+ с\)\. Нерабочее время")
        expect(item.locator(".timer")).to_have_attribute("title", hint)
    finally:
        hours.always_open = True
        hours.special_days = {}


def test_the_timer_starts_at_the_opening_and_the_lists_are_fetched_again(
    server: Server, contexts: Any
) -> None:
    server.add_operator("olya", name="Оля")
    olya = contexts()
    opening: list[datetime] = []
    asked_after_opening: list[str] = []

    def queue(route: Any) -> None:
        now = datetime.now(UTC)
        if not opening:
            opening.append(now + timedelta(seconds=3))  # the team opens in 3 s
        opened = now >= opening[0]
        if opened:
            asked_after_opening.append(route.request.url)
        conv = {
            "id": 9001,
            "owner": "queued",
            "team": "support",
            "channel": "telegram",
            "customer": {"id": 1, "name": "Ночной клиент"},
            "operator": None,
            "escalation": {"reason": "customer_request", "title": "клиент попросил оператора"},
            "escalated_at": (now - timedelta(hours=9)).isoformat(),
            "first_response_at": None,
            "closed_at": None,
            "updated_at": now.isoformat(),
            "rating": None,
            "last_message": None,
            "last_customer_message": None,
            "sla": {
                "state": "ok",
                "seconds": (now - opening[0]).total_seconds() if opened else 0.0,
                "goal": 60,
                "at": now.isoformat(),
                "running": opened,
                "changes_at": None if opened else opening[0].isoformat(),
            },
        }
        lists = {"queued": [conv], "mine": [], "team": [], "all": [conv]}
        route.fulfill(json={"views": lists, "now": now.isoformat()})

    olya.route("**/api/v1/conversations?views=*", queue)
    log_in(olya, server, "olya")
    timer = olya.locator('#list li.conv[data-id="9001"] .timer')
    expect(timer).to_have_text("⏸ 0 с")
    # At the opening the page counts on by itself, and asks for the lists again.
    expect(timer).to_have_text(re.compile(r"^[1-9] с$"), timeout=8000)
    assert asked_after_opening, "the lists were not fetched again after the opening"


def test_a_customer_who_no_longer_needs_a_person_leaves_the_queue(
    server: Server, contexts: Any
) -> None:
    says = "Позовите оператора, вопрос по доставке"
    operator, customer, conversation = a_customer_waits(server, contexts, "yana", "Яна", says)
    operator.click('.tab[data-view="queued"]')
    item = operator.locator(f'#list li.conv[data-id="{conversation}"]')
    expect(item).to_have_count(1)
    customer.locator("li.msg--bot").last.get_by_role(
        "button", name="Отменить вызов оператора"
    ).click()
    expect(customer.locator("li.msg--bot").last).to_contain_text("Хорошо, отменил вызов оператора")
    expect(item).to_have_count(0)  # nobody opens it for nothing


def test_an_operator_blocks_a_troll_who_then_gets_only_the_bot(
    server: Server, contexts: Any
) -> None:
    says = "Позовите оператора, а то напишу везде"
    operator, customer, _ = a_customer_waits(server, contexts, "vlad", "Влад", says)
    expect(operator.locator("#unblock")).to_be_hidden()
    operator.once("dialog", lambda d: d.accept())
    operator.click("#block")
    expect(operator.locator("#card-blocked")).to_contain_text("Заблокирован")
    expect(operator.locator("#block")).to_be_hidden()
    expect(operator.locator("#c-owner")).to_have_text("закрыт")
    customer_says(customer, "позовите оператора!!!")
    expect(customer.locator("li.msg--bot").last).to_contain_text(
        "Подключить оператора в этом чате сейчас не получится"
    )


def test_a_blocked_customers_waiting_request_leaves_the_queue_and_says_why(
    server: Server, contexts: Any
) -> None:
    """QA: blocking closed the waiting request silently — the customer kept waiting for a
    person, the history said nothing of a close. Now a colleague's queue loses it at once, the
    history says why, and the customer is told (neutrally) without having to write again."""
    says = "Позовите оператора, я вам всем покажу"
    operator, customer, conversation = a_customer_waits(server, contexts, "agata", "Агата", says)
    server.add_operator("yuri", name="Юрий")
    colleague = contexts()
    log_in(colleague, server, "yuri")
    go_away(colleague)
    colleague.click('.tab[data-view="queued"]')
    waiting = colleague.locator(f'#list li.conv[data-id="{conversation}"]')
    expect(waiting).to_have_count(1)
    operator.once("dialog", lambda d: d.accept())
    operator.click("#block")
    expect(operator.locator("#messages")).to_contain_text("Закрыто: клиент заблокирован (Агата)")
    expect(waiting).to_have_count(0)  # live, nobody reloaded
    told = customer.locator("li.msg--bot").last
    expect(told).to_contain_text("Подключить оператора в этом чате сейчас не получится")
    expect(told).not_to_contain_text("заблок")


def test_an_operator_joins_the_customers_earlier_card(server: Server, contexts: Any) -> None:
    earlier = contexts()  # yesterday, from another device: another customer for the bot
    open_chat(earlier, server)
    customer_says(earlier, "Позовите оператора, заказ 880512 не пришёл")
    expect(earlier.locator("li.msg--bot").last).to_contain_text("Передаю")
    yesterday = server.newest_conversation()
    says = "Позовите оператора, я вчера писала про заказ 880512"
    operator, _, today = a_customer_waits(server, contexts, "miroslava", "Мирослава", says)
    expect(operator.locator("#card-conversations li")).to_have_count(1)
    expect(operator.locator("#merge-panel")).to_be_hidden()

    operator.click("#merge-open")
    operator.fill("#merge-q", "880512")
    found = operator.locator("#merge-results li")
    expect(found).to_have_count(1)  # the customer whose card is open is not offered
    expect(found.first).to_contain_text(f"диалог №{yesterday}")
    dialogs: list[str] = []
    operator.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    found.first.get_by_role("button", name="Объединить").click()
    expect(operator.locator("#card-conversations li")).to_have_count(2)
    assert dialogs and "в одного клиента" in dialogs[0]
    expect(operator.locator("#merge-panel")).to_be_hidden()
    expect(operator.locator("#messages")).to_contain_text("Мирослава объединил(а) клиентов")
    operator.locator("#card-conversations li.past").first.click()
    expect(operator.locator("#c-title")).to_contain_text(f"диалог №{yesterday}")
    expect(operator.locator("#messages")).to_contain_text("заказ 880512 не пришёл")
    assert today != yesterday

    # A wrong join is taken back from the card: yesterday's customer has their own card again.
    join = operator.locator("#joins li")
    expect(join).to_have_count(1)
    expect(join).to_contain_text("(Мирослава, ")
    operator.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    join.get_by_role("button", name="Разъединить").click()
    expect(operator.locator("#joins li")).to_have_count(0)
    expect(operator.locator("#card-conversations li")).to_have_count(1)
    expect(operator.locator("#messages")).to_contain_text("Карточки разъединены (Мирослава)")
    assert "снова станет отдельным клиентом" in dialogs[-1]


def test_a_note_about_the_customer_stays_on_the_card(server: Server, contexts: Any) -> None:
    says = "Позовите оператора, по заказу 990017"
    operator, _, _ = a_customer_waits(server, contexts, "nadezhda", "Надежда", says)
    expect(operator.locator("#cnotes li")).to_have_count(0)
    operator.fill("#cnote-text", "Звонить после 18:00 <b>не раньше</b>")
    operator.click("#cnote-add")
    note = operator.locator("#cnotes li").first
    expect(note).to_contain_text("Звонить после 18:00 <b>не раньше</b> — Надежда")  # as text
    expect(operator.locator("#cnote-text")).to_have_value("")
    operator.reload()  # it is the customer's, not the page's: read again from the server
    expect(operator.locator("#cnotes li").first).to_contain_text("Звонить после 18:00")
    operator.click('.tab[data-view="all"]')
    operator.locator("#list li.conv", has_text="990017").first.click()
    expect(operator.locator("#cnotes li").first).to_contain_text("Звонить после 18:00")
    operator.once("dialog", lambda d: d.accept())
    operator.locator("#cnotes li").first.get_by_role("button", name="Удалить заметку").click()
    expect(operator.locator("#cnotes li")).to_have_count(0)


def test_the_chat_header_names_the_operator_who_has_the_chat(server: Server, contexts: Any) -> None:
    """QA: an operator «Не на месте» took the chat and answered while the header still said when
    the team would be back."""
    zoya, customer, _ = a_customer_waits(
        server, contexts, "zoya", "Зоя", "Позовите человека, вопрос по доставке"
    )
    subtitle = customer.locator("#subtitle")
    expect(subtitle).not_to_contain_text("Зоя")
    zoya.click("#take")  # while «Не на месте»: the customer gets no message, the header says it
    expect(subtitle).to_have_text("Оператор Зоя в чате")
    expect(subtitle).to_have_attribute("data-state", "operator")
    zoya.fill("#reply", "Здравствуйте! Смотрю доставку")
    zoya.click("#send")
    expect(customer.locator("li.msg--operator").last).to_contain_text("Смотрю доставку")
    expect(subtitle).to_have_text("Оператор Зоя в чате")
    zoya.click("#close")
    expect(zoya.locator("#c-owner")).to_have_text("закрыт")
    expect(subtitle).not_to_contain_text("Зоя")  # the team's availability again


def test_the_servers_away_status_says_why_and_how_to_come_back(
    server: Server, contexts: Any, project_and_brain: Any
) -> None:
    """QA: after the console lost its connection (a laptop asleep, the Wi-Fi gone) past the
    grace, the server made the operator «Не на месте» and the console showed the new status
    without a word of why; now it says why, that no new conversations come, and «В сети»
    brings her back."""
    handoff = project_and_brain[1].config.handoff
    grace = handoff.presence_grace_seconds
    handoff.presence_grace_seconds = 0.5
    try:
        server.add_operator("platon", name="Платон")
        platon = contexts()
        log_in(platon, server, "platon")
        expect(platon.locator("#status")).to_have_value("online")
        notice = platon.locator("#away-auto")
        expect(notice).to_be_hidden()
        platon.evaluate("EVENTS.source.close()")  # the connection is gone
        platon.wait_for_timeout(2000)  # past the grace: the server marks him away
        platon.evaluate("connect()")  # the connection is back, as the browser would retry
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Консоль была закрыта или без связи дольше 1 с")
        expect(notice).to_contain_text("у вас статус «Не на месте»")
        expect(notice).to_contain_text("Новые диалоги вам не назначаются. Вернуться: «В сети».")
        expect(platon.locator("#status")).to_have_value("away")
        platon.click("#away-auto-back")
        expect(notice).to_be_hidden()
        expect(platon.locator("#status")).to_have_value("online")
        platon.reload()  # the server has it too: no notice after a reload
        expect(platon.locator("#live")).to_have_class(re.compile("on"))
        expect(platon.locator("#status")).to_have_value("online")
        expect(notice).to_be_hidden()
    finally:
        handoff.presence_grace_seconds = grace
