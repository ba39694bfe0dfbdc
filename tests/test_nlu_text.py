"""Normalisation, tokenisation, lemmas, spelling correction and entities."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu import Decision, Example, NLUConfig
from nlu.entities import extract_entities
from nlu.model import IntentModel
from nlu.preprocess import Preprocessor
from nlu.segments import question_of, split_questions
from nlu.spelling import SpellCorrector, damerau_levenshtein
from nlu.spoken import standard_spelling
from nlu.text import basic_normalize, lemma, mask_placeholders, tokens, unstretch

TODAY = dt.date(2025, 3, 1)


def test_normalize_lowercases_and_folds_yo() -> None:
    assert basic_normalize("  Ещё   ЁЛКА ") == "еще елка"


def test_placeholders_replace_urls_emails_numbers() -> None:
    masked = mask_placeholders("пишите a.b@mail.ru или https://shop.ru/x заказ 123")
    assert masked.split() == ["пишите", "emailtoken", "или", "urltoken", "заказ", "numtoken"]
    # An order number typed in two groups is one number; a card's four groups stay four.
    assert mask_placeholders("заказ 1234 5678 не пришел").split().count("numtoken") == 1
    assert mask_placeholders("карта 2200 1234 5678 9012").split().count("numtoken") == 4


def test_spacy_tokenizer_splits_punctuation() -> None:
    # spaCy's Russian rules: punctuation split off, whitespace dropped, abbreviation kept whole
    assert tokens("Где заказ?!  Т.к. завтра") == ["Где", "заказ", "?", "!", "Т.к", ".", "завтра"]


def test_lemmas() -> None:
    assert lemma("заказы") == "заказ"
    assert lemma("вернуть") == "вернуть"
    assert lemma("numtoken") == "numtoken"


def test_damerau_levenshtein_counts_transposition_once() -> None:
    assert damerau_levenshtein("интеренет", "интернет") == 1
    assert damerau_levenshtein("ab", "ba") == 1
    assert damerau_levenshtein("дастака", "доставка") == 2


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [("товр", "товар"), ("дастака", "доставка"), ("интеренет", "интернет")],
)
def test_typos_corrected_to_training_vocabulary(typo: str, fixed: str) -> None:
    pre = Preprocessor()
    texts = ["как вернуть товар", "сколько стоит доставка", "не работает интернет"]
    speller = SpellCorrector.from_texts(pre.raw_words(t) for t in texts)
    assert speller.correct(typo) == fixed


def test_known_words_are_not_corrected() -> None:
    speller = SpellCorrector.from_texts([["товар"]])
    assert speller.correct("говор") == "говор"  # a real word, distance 1 from «товар»


def _ents(text: str) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in extract_entities(text, TODAY)]


def test_entity_order_numbers() -> None:
    assert _ents("Где мой заказ 123456?") == [("order_number", "123456")]
    assert _ents("статус № А-1234") == [("order_number", "А-1234")]
    assert _ents("заказ 1234 5678 не пришел") == [("order_number", "12345678")]
    assert _ents("№ 1234 5678") == [("order_number", "12345678")]


def test_entity_order_number_after_the_word_number() -> None:
    # «заказал ноут, номер 12345678»: «номер» alone before the digits, not «заказ» right before
    assert _ents("заказал ноут, номер 12345678, когда привезут?") == [("order_number", "12345678")]
    assert _ents("номером 1234-5678") == [("order_number", "12345678")]
    assert _ents("номер телефона 89161234567") == [("phone", "79161234567")]
    # ten digits from 9: a mobile without its 8 — a phone, not an order number
    assert _ents("мой номер 9161234567") == [("phone", "79161234567")]
    assert _ents("номер карты 1234 5678 9012 3456") == []
    assert _ents("номер 12") == []


def test_entity_phones_to_digits() -> None:
    assert _ents("тел +7 (916) 123-45-67") == [("phone", "79161234567")]
    assert _ents("звоните 8 916 123 45 67") == [("phone", "79161234567")]


def test_a_mobile_without_8_or_plus_7_is_a_phone() -> None:
    # a Russian mobile written with its 10 digits starts with 9
    assert _ents("9161234567") == [("phone", "79161234567")]
    assert _ents("мой (916) 123-45-67") == [("phone", "79161234567")]
    assert _ents("заказ 9161234567") == [("order_number", "9161234567")]  # marked as an order
    assert _ents("8161234567") == []  # not a mobile
    assert _ents("карта 5536 9161234567") == []  # a part of a longer number


def test_entity_email_not_mistaken_for_url() -> None:
    assert _ents("почта Ivan.Petrov@Mail.ru") == [("email", "ivan.petrov@mail.ru")]


def test_entity_dates_to_iso() -> None:
    assert _ents("привезите 12.05") == [("date", "2025-05-12")]
    assert _ents("доставка 12 мая") == [("date", "2025-05-12")]
    assert _ents("можно Завтра?") == [("date", "2025-03-02")]
    assert _ents("31.02") == []  # no such day


def test_entity_amounts() -> None:
    assert _ents("вернули 1500 руб") == [("amount", "1500")]
    assert _ents("стоит 2 тыс") == [("amount", "2000")]
    assert _ents("в квартире 3 комнаты") == []  # a bare number is not an amount


def test_entity_url_and_offsets() -> None:
    text = "см. https://shop.ru/help."
    (e,) = extract_entities(text, TODAY)
    assert (e.type, e.value) == ("url", "https://shop.ru/help")
    assert text[e.start : e.end] == e.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("приииивеееет", "привет"),
        ("заказзззз", "заказ"),
        ("спасибооооо", "спасибо"),
        ("ооочень", "очень"),
        ("иммммунитет", "иммунитет"),  # one letter is no word, two are
        ("программмма", "программа"),
        ("привет", "привет"),
        ("длинношеее", "длинношее"),  # the rare real triple is lost: a price worth paying
    ],
)
def test_stretched_letters_are_emphasis(typed: str, meant: str) -> None:
    assert unstretch(typed) == meant


def test_a_stretched_greeting_is_understood() -> None:
    model = IntentModel(NLUConfig(pipeline="sparse", calibrate=False))
    model.fit(
        [Example(t, "greet") for t in ("привет", "здравствуйте", "добрый день")]
        + [Example(t, "goodbye") for t in ("пока", "до свидания", "всего доброго")]
    )
    p = model.predict("приииивеееет!!!")
    assert (p.intent, p.decision, p.normalized_text) == ("greet", Decision.ANSWER, "привет")


@pytest.mark.parametrize(
    ("message", "questions"),
    [
        (
            "как вернуть товар? и сколько ждать деньги",
            ["как вернуть товар?", "и сколько ждать деньги"],
        ),
        (  # a greeting is not a question of its own: it joins the next one
            "Здравствуйте! Где мой заказ? И ещё: как вернуть товар",
            ["Здравствуйте! Где мой заказ?", "И ещё: как вернуть товар"],
        ),
        (  # an explicit «и ещё» splits even without punctuation
            "у меня не работает интернет и еще хотел спросить сколько стоит доставка",
            ["у меня не работает интернет", "и еще хотел спросить сколько стоит доставка"],
        ),
        (  # an «и» right before a question word starts the next question
            "сколько идет доставка в казань и можно ли оплатить картой при получении",
            ["сколько идет доставка в казань", "и можно ли оплатить картой при получении"],
        ),
        (  # … and «что», «кто», «чем» are question words there too (nlu/question_words.py)
            "сколько стоит доставка и что входит в стоимость",
            ["сколько стоит доставка", "и что входит в стоимость"],
        ),
        (  # … as is a new request
            "хочу вернуть пылесос и нужно отремонтировать холодильник по гарантии",
            ["хочу вернуть пылесос", "и нужно отремонтировать холодильник по гарантии"],
        ),
        ("где мой заказ", []),
        # a comma and a bare «и» join parts of one question; «что-то» asks nothing
        ("заказал телевизор и что-то не так с экраном", []),
        ("хочу вернуть телефон и наушники, как это сделать", []),
        ("подскажите где и когда можно забрать заказ", []),
        ("можно ли оплатить заказ частями, и если да, то какие банки?", []),
        ("хочу вернуть телефон, купил вчера, не понравился", []),
        # abbreviations and numbers are not sentence ends; short tails join the question
        ("Сколько стоит доставка в г. Казань, т.е. до двери? Спасибо!", []),
        ("доставка 1.5 дня? самовывоз тоже?", ["доставка 1.5 дня?", "самовывоз тоже?"]),
        # a piece that asks («…?») is a question from two words on; without «?» it joins
        (
            "рассрочка есть? и можно ли вернуть товар купленный в рассрочку",
            ["рассрочка есть?", "и можно ли вернуть товар купленный в рассрочку"],
        ),
        ("рассрочка есть. можно ли вернуть товар купленный в рассрочку", []),
        ("Алло? Где мой заказ", []),
    ],
)
def test_a_message_splits_into_its_questions(message: str, questions: list[str]) -> None:
    assert split_questions(message) == questions


@pytest.mark.parametrize(
    ("part", "question"),
    [
        ("и когда привезут", "когда привезут"),
        ("И ещё: как вернуть товар", "как вернуть товар"),
        ("а также, где пункт выдачи", "где пункт выдачи"),
        ("и можно ли оплатить картой", "можно ли оплатить картой"),
        ("где мой заказ", "где мой заказ"),
        ("игрушки можно вернуть", "игрушки можно вернуть"),  # a word, not the connector «и»
        ("и ещё", "и ещё"),  # nothing would be left
    ],
)
def test_a_question_is_read_without_the_connector_it_was_asked_with(
    part: str, question: str
) -> None:
    assert question_of(part) == question


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (
            "скока стоит доставка до питера и када привезут",
            "сколько стоит доставка до питера и когда привезут",
        ),
        ("Када привезут?", "Когда привезут?"),
        ("чё по заказу, щас привезут?", "что по заказу, сейчас привезут?"),
        ("канешн", "конечно"),
        # only whole words: «кадастр», «скоками», «счастье» are as typed
        ("кадастр скоками счастье", "кадастр скоками счастье"),
    ],
)
def test_spoken_spellings_are_read_as_the_words_they_stand_for(typed: str, read: str) -> None:
    assert standard_spelling(typed) == read


def test_a_question_after_a_spoken_question_word_is_a_question_of_its_own() -> None:
    """«када» is one letter from «куда»: read as typed, the speller made «и када привезут» a
    question about where, and the message one question (docs/nlu.md, spoken spellings)."""
    message = "скока стоит доставка до питера и када привезут"
    assert split_questions(message) == []
    assert split_questions(standard_spelling(message)) == [
        "сколько стоит доставка до питера",
        "и когда привезут",
    ]


def test_the_encoder_reads_the_corrections_in_the_text_as_typed() -> None:
    from nlu.preprocess import respelled

    pre = Preprocessor(SpellCorrector.from_texts([["сколько", "стоит", "доставка"]]))
    a = pre.analyze("Скока стоит доствка?? 2 шт")
    assert a.corrections == (("доствка", "доставка"),)
    # punctuation, numbers and the words left alone stay as typed
    assert respelled("скока стоит доствка?? 2 шт", a.corrections) == "скока стоит доставка?? 2 шт"
    assert respelled("Доствка", a.corrections) == "доставка"
    assert respelled("как есть", ()) == "как есть"


@pytest.mark.parametrize(
    ("typed", "read"),
    [("мойзаказ", "мой заказ"), ("ужеотправили", "уже отправили"), ("гдемой", "где мой")],
)
def test_two_words_typed_without_a_space_are_two_words(typed: str, read: str) -> None:
    speller = SpellCorrector.from_texts([["где", "мой", "заказ", "отправили", "доставка"]])
    assert speller.correct(typed) == read
    assert Preprocessor(speller).analyze(f"{typed} ?").words == tuple(read.split())


@pytest.mark.parametrize("kept", ["интеренет", "мастеркард", "самсунг", "ксиоми"])
def test_an_unknown_word_is_not_cut_into_pieces_that_happen_to_be_words(kept: str) -> None:
    """One half must be a training word: pymorphy3 alone knows «инте» and «ренет»."""
    speller = SpellCorrector.from_texts([["где", "мой", "заказ", "мастер", "доставка"]])
    assert speller.correct(kept) == kept


def test_the_split_is_an_option() -> None:
    speller = SpellCorrector.from_texts([["где", "мой", "заказ"]], unglue=False)
    assert speller.correct("мойзаказ") == "мойзаказ"
