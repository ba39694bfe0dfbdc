"""Russian in Latin letters is still understood: a forgotten keyboard layout, transliteration."""

from __future__ import annotations

import pytest

from nlu import Decision, Example, NLUConfig
from nlu.latin import keyboard_mash, means_something
from nlu.layout import fix_homoglyphs, fix_layout
from nlu.model import IntentModel
from nlu.text import is_known_word
from nlu.translit import fix_translit

TRAINING_VOCABULARY = {"wifi", "iphone"}


def read(text: str) -> str:
    return fix_layout(text, is_known_word, TRAINING_VOCABULARY.__contains__)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ult vjq pfrfp", "где мой заказ"),
        ("Ghbdtn! Crjkmrj cnjbn ljcnfdrf?", "Привет! Сколько стоит доставка?"),
        ("gjpjdbnt jgthfnjhf", "позовите оператора"),
        ("ljcnfdrf", "доставка"),
        # the keys of б, ю, ж, х, э are punctuation on QWERTY: inside a word they are letters …
        ("lf, cgfcb,j", "да, спасибо"),
        ("[kt, b vjkjrj", "хлеб и молоко"),
        # … at its edge punctuation, unless the whole reads as a longer word
        ("ult pfrfp.", "где заказ."),
        ("yt pyf.", "не знаю"),
        # switched half-way, digits and a word from the training data stay as they are
        ("заказ 123 ult jy", "заказ 123 где он"),
        ("iphone 15 ytn d yfkbxbb", "iphone 15 нет в наличии"),
        # a typo in the wrong layout is converted with the rest (the speller fixes it later)
        ("Ult vjq pfrfg", "Где мой закап"),
    ],
)
def test_wrong_layout_is_read_as_russian(typed: str, meant: str) -> None:
    assert read(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "ok",
        "hello",
        "спасибо ok",
        "не работает wifi",
        "не работает tv",  # «ем»: short words decide nothing
        "lf",  # «да», but two letters alone are too little to go on
        "мой email ivan@mail.ru",
        "см. https://shop.example.com/returns",
        "sms не приходит, pdf не открывается",
    ],
)
def test_latin_that_is_meant_stays_latin(text: str) -> None:
    assert read(text) == text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gde moi zakaz", "где мой заказ"),
        ("Privet! Kogda privezut moy zakaz?", "Привет! Когда привезут мой заказ?"),
        ("skolko stoit dostavka", "сколько стоит доставка"),  # ь left out, put back
        ("hochu vernut den'gi", "хочу вернут деньги"),  # ' is ь
        ("zdravstvuyte, podskazhite pozhaluysta", "здравствуйте, подскажите пожалуйста"),
        ("shchas", "щас"),
        ("eto dolgo", "это долго"),
        ("iphone 15 net v nalichii", "iphone 15 нет в наличий"),  # a training word stays
    ],
)
def test_transliterated_russian_is_read_in_cyrillic(typed: str, meant: str) -> None:
    assert fix_translit(typed, is_known_word, TRAINING_VOCABULARY.__contains__) == meant


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "I need help with my order",
        "please call me back",
        "the app does not work",
        "how much does it cost",
        "my iphone is broken",
        "ne rabotaet wifi, vpn i pdf",  # two of three are not Russian words: too few
        "ok",
        "vpn",
        "мой email ivan@mail.ru",
    ],
)
def test_english_is_not_transliterated(text: str) -> None:
    assert fix_translit(text, is_known_word, TRAINING_VOCABULARY.__contains__) == text


def test_the_model_answers_a_question_typed_in_the_wrong_layout() -> None:
    examples = [
        Example(t, intent)
        for intent, texts in {
            "order_status": ["где мой заказ", "статус заказа", "когда придет заказ"],
            "delivery_cost": ["сколько стоит доставка", "цена доставки", "доставка платная"],
            "router": ["не работает wifi роутер", "wifi не ловит"],
        }.items()
        for t in texts
    ]
    model = IntentModel(NLUConfig(pipeline="sparse", calibrate=False))
    model.fit(examples)

    p = model.predict("ult vjq pfrfp 123456?")
    assert p.text == "ult vjq pfrfp 123456?"  # what the customer sent is kept
    assert p.normalized_text == "где мой заказ numtoken"  # what the model read
    assert (p.intent, p.decision) == ("order_status", Decision.ANSWER)
    assert [(e.type, e.value) for e in p.entities] == [("order_number", "123456")]
    assert model.predict_many(["ult vjq pfrfp", "crjkmrj cnjbn ljcnfdrf"])[1].intent == (
        "delivery_cost"
    )
    assert model.predict("wifi не ловит").normalized_text == "wifi не ловит"
    assert model.predict("gde moi zakaz").intent == "order_status"
    assert model.predict("skolko stoit dostavka").normalized_text == "сколько стоит доставка"

    literal = IntentModel(
        NLUConfig(pipeline="sparse", calibrate=False, fix_layout=False, fix_translit=False)
    )
    literal.fit(examples)
    assert literal.predict("ult vjq pfrfp").normalized_text == "ult vjq pfrfp"
    assert literal.predict("gde moi zakaz").normalized_text == "gde moi zakaz"


@pytest.mark.parametrize(
    ("typed", "read", "found"),
    [
        ("jgthfnjh!", "оператор", "оператор"),  # wrong layout
        ("опиратор!", "оператор", "оператор"),  # a typo the speller fixed
        # A person named first, then «пожалуйста»: the call as a whole (handoff/escalation.py).
        (";bdjq xtkjdtr gj;fkeqcnf", "живой человек пожалуйста", "живой человек пожалуйста"),
    ],
)
def test_the_escalation_phrases_match_what_the_nlu_read(typed: str, read: str, found: str) -> None:
    from handoff.config import HandoffConfig
    from handoff.escalation import Reason, Trigger, detect
    from nlu import Prediction

    not_understood = Prediction(typed, None, 0.0, Decision.REJECT, normalized_text=read)
    assert detect(typed, not_understood, HandoffConfig()) == Trigger(Reason.REQUEST, found)
    assert detect(typed, None, HandoffConfig()) is None  # the raw text alone has no phrase


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("где мoй зaкaз", "где мой заказ"),  # Latin o and a
        ("cколько cтоит доcтавка", "сколько стоит доставка"),  # Latin c
        ("кoмпьютер", "компьютер"),
        ("зaкaз№123", "заказ№123"),
        # Latin words and codes stay: nothing Cyrillic in them, or a non-look-alike letter
        ("iPhone 15 Pro", "iPhone 15 Pro"),
        ("заказ A-1234", "заказ A-1234"),
        ("Wi-Fi не работает", "Wi-Fi не работает"),
        ("USB-кабель", "USB-кабель"),
    ],
)
def test_latin_look_alikes_inside_russian_words_become_cyrillic(typed: str, meant: str) -> None:
    assert fix_homoglyphs(typed) == meant


def test_a_question_with_latin_look_alikes_is_answered() -> None:
    model = IntentModel(NLUConfig(pipeline="sparse", calibrate=False))
    model.fit(
        [Example(t, "order_status") for t in ("где мой заказ", "статус заказа")]
        + [Example(t, "delivery_cost") for t in ("сколько стоит доставка", "цена доставки")]
    )
    p = model.predict("где мoй зaкaз")
    assert (p.intent, p.normalized_text) == ("order_status", "где мой заказ")


def test_a_pasted_english_text_costs_little_to_rule_out() -> None:
    """Decoding a word tries up to dozens of spellings; a long Latin text must not: more than
    MAX_WORDS Latin words are not translit at all, and decoding stops once too many words
    failed for the message to be Russian."""
    from nlu import translit

    asked: list[str] = []

    def counting(word: str) -> bool:
        asked.append(word)
        return is_known_word(word)

    english = "please check the shipment tracking number for my order today " * 3
    assert fix_translit(english, counting, TRAINING_VOCABULARY.__contains__) == english
    # 24 words of which at most 25 % may fail: the verdict comes after a handful of them
    assert len(asked) < 10 * translit.MAX_CANDIDATES
    asked.clear()
    long_translit = "gde moi zakaz " * 15  # 45 words: over MAX_WORDS, left alone untried
    assert fix_translit(long_translit, counting, TRAINING_VOCABULARY.__contains__) == (
        long_translit
    )
    assert asked == []


@pytest.mark.parametrize(
    "word",
    [
        "asdfgh",
        "asdf",
        "qwerty",
        "qwertyuiop",
        "zxcvb",
        "ghjkl",
        "lkjh",
        "jkjkjk",
        "jkjkj",
        "sdfsdfsdf",
        "asdasd",
        "hahaha",
        "aslkdjf",
        "kjsdhfkjsdhf",
    ],
)
def test_a_keyboard_mash_means_nothing(word: str) -> None:
    assert keyboard_mash(word)
    assert not means_something(word, is_known_word)


@pytest.mark.parametrize(
    "word",
    [
        "iphone",
        "xiaomi",
        "samsung",
        "huawei",
        "bosch",
        "krups",
        "schwarzkopf",
        "bluetooth",
        "wi-fi",
        "hdmi",
        "usb",
        "jbl",
        "ok",
        "thanks",
        "hello",
        "where",
        "property",
        "liberty",
        "strengths",
        "flash",
        "glass",
        "pretty",
        "gde",
        "zakaz",
        "skolko",
    ],
)
def test_brands_english_and_translit_mean_something(word: str) -> None:
    assert means_something(word, is_known_word)


@pytest.mark.parametrize("word", ["mama", "papa"])
def test_a_mash_in_shape_that_reads_as_russian_means_something(word: str) -> None:
    """A syllable twice is the shape of a mash, but «mama» is «мама» in translit."""
    assert keyboard_mash(word)
    assert means_something(word, is_known_word)
