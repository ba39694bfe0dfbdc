"""Russian in Latin letters with the shop's own words and reflexive verbs: «promokod ne
rabotaet», «kak polzovatsya promokodom» (nlu/translit.py, docs/nlu.md «transliteration»)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nlu import Example, NLUConfig, load_model
from nlu.layout import fix_layout
from nlu.model import IntentModel
from nlu.text import is_known_word
from nlu.translit import fix_translit

LATIN_VOCABULARY = {"wifi", "iphone"}
TRAINED = {"промокод", "промокода", "пвз"}  # what pymorphy3 does not know, the model does


def read(text: str, trained: set[str] | None = None) -> str:
    if trained is None:
        return fix_translit(text, is_known_word, LATIN_VOCABULARY.__contains__)
    return fix_translit(text, is_known_word, LATIN_VOCABULARY.__contains__, trained.__contains__)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("kak polzovatsya", "как пользоваться"),
        ("kak polzovatsa", "как пользоваться"),
        ("kak polzovatsia", "как пользоваться"),
        ("kak polzovat'sya", "как пользоваться"),
        ("sajt ne otkryvaetsya", "сайт не открывается"),  # «-тся» first where both are typed
        ("ne poluchaetsa oplatit", "не получается оплатит"),
        ("ulitsa lenina", "улица ленина"),  # «-tsa» is «-ца» first
        ("kakaya aktsia", "какая акция"),  # «-tsia» is «-ция» first
    ],
)
def test_a_reflexive_verb_typed_in_latin_is_read(typed: str, meant: str) -> None:
    assert read(typed) == meant


def test_a_word_only_the_model_knows_is_read_after_the_dictionary() -> None:
    # pymorphy3 does not know «промокод»: with its words alone the message is not Russian
    assert read("promokod ne rabotaet") == "promokod ne rabotaet"
    assert read("promokod ne rabotaet", TRAINED) == "промокод не работает"
    assert read("gde moj pvz", TRAINED) == "где мой пвз"
    # The dictionary is asked first: a spelling the model was trained on never replaces one
    # pymorphy3 knows («сколько», with its ь put back, not «сколко»).
    assert read("skolko stoit", {"сколко", "стоит"}) == "сколько стоит"
    # English stays English
    assert read("where is my order", TRAINED) == "where is my order"


def test_the_model_reads_its_own_words_in_latin_also_after_loading(tmp_path: Path) -> None:
    """The words come from the model's file (its spelling dictionary and word features), not
    from anything read at prediction time."""
    model = IntentModel(NLUConfig(pipeline="sparse", calibrate=False))
    model.fit(
        [Example(t, "promo_code") for t in ("промокод не работает", "куда вводить промокод")]
        + [Example(t, "order_status") for t in ("где мой заказ", "статус заказа")]
    )
    model.save(tmp_path / "nlu.npz")
    for m in (model, load_model(tmp_path / "nlu.npz")):
        p = m.predict("promokod ne rabotaet")
        assert (p.intent, p.normalized_text) == ("promo_code", "промокод не работает")
        # a form the training data does not have, of a word it has: «промокодом»
        assert m.predict("kak polzovatsya promokodom").intent == "promo_code"


def test_a_word_only_the_model_knows_is_read_in_the_wrong_layout_too() -> None:
    """The keyboard layout asks the model's own words as transliteration does: «ghjvjrjl» is
    «промокод», which pymorphy3 does not know — with the dictionary alone «ghjvjrjl yt
    hf,jnftn» had one known word of two and stayed Latin (nlu/layout.py)."""
    latin = LATIN_VOCABULARY.__contains__
    assert fix_layout("ghjvjrjl yt hf,jnftn", is_known_word, latin) == "ghjvjrjl yt hf,jnftn"
    read = fix_layout("ghjvjrjl yt hf,jnftn", is_known_word, latin, TRAINED.__contains__)
    assert read == "промокод не работает"
    # English stays English
    assert fix_layout("where is my order", is_known_word, latin, TRAINED.__contains__) == (
        "where is my order"
    )


def test_the_demo_model_reads_its_own_words_in_the_wrong_layout(demo_model: Any) -> None:
    """«самовывоз» and «промокод» are words of the demo FAQ that pymorphy3 does not know."""
    for typed, meant, entry in [
        ("ghjvjrjl yt hf,jnftn", "промокод не работает", "promo_code"),
        ("cfvjdsdjp jnrelf", "самовывоз откуда", "pickup_points"),
    ]:
        p = demo_model.predict(typed)
        assert (p.normalized_text, p.intent) == (meant, entry)
