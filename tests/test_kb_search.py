"""The console's knowledge-base search for ready answers (handoff/kb_search.py), with the demo
content and its trained NLU: an operator's real words find their entry, nonsense finds nothing
(the console then says «Ничего не найдено») rather than whatever the NLU ranked first."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.kb_search import search


def found(project: Any, model: Any, query: str) -> list[str]:
    return [r["id"] for r in search(project.kb, query, nlu=model)]


@pytest.mark.parametrize("query", ["фывапр", "zzz", "asdf qwer", "кккк", "трам пам пам"])
def test_nonsense_finds_nothing(demo_project: Any, demo_model: Any, query: str) -> None:
    """QA: «фывапр» offered «Акции и скидки», «asdf qwer» the invoice for a company."""
    assert found(demo_project, demo_model, query) == []


@pytest.mark.parametrize(
    ("query", "entries"),
    [
        ("возврат", {"refund_time", "return_goods"}),
        ("доставка в казань", {"delivery_regions"}),
        ("сроки доставки", {"delivery_time"}),
        ("как вернуть деньги", {"return_goods"}),
    ],
)
def test_an_operators_words_find_the_entry(
    demo_project: Any, demo_model: Any, query: str, entries: set[str]
) -> None:
    results = found(demo_project, demo_model, query)
    assert entries <= set(results[:3]), results
