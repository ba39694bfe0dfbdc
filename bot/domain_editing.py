"""Rewriting one of the bot's own phrases in ``domain.yml`` (a response variant's ``text``), the
way :mod:`knowledge_base.editing` rewrites an FAQ answer: only the text's lines change —
comments, the other responses, buttons, CRLF and a missing final newline stay byte for byte —
and the edited file must parse to the same data with only that text changed.

A phrase may use the placeholders the runtime fills in for it (:data:`FILLED`: ``{wait_minutes}``
of «Передача оператору», ``{back_at}``…) — dropped and put back at will — but no other: the
customer would read «{сроки}» as is. ``{{`` and ``}}`` are a literal brace.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from bot.config import placeholders as runtime_placeholders
from bot.yamlio import ContentError, parse_yaml
from knowledge_base.editing import (
    EditError,
    clean_answer,
    read_exact,
    read_tree,
    replace_scalar,
    write_bytes_atomic,
)

# What the runtime fills in, per response (``Domain.render``'s values): every call that renders
# one of these passes exactly these names, on one of its paths. Any other response gets none.
# tests/test_phrase_placeholders.py reads the calls in bot/ and handoff/ and checks both ways.
# Out of hours: when the team is back («завтра в 9:00») and its usual hours from config.yml
# («9:00–21:00», handoff/escalation.py usual_hours), so no phrase writes the hours itself.
_OFFLINE = frozenset({"back_at", "hours"})
_WAIT = frozenset({"wait_minutes"})
_QUEUE = frozenset({"wait_minutes", "queue"})
FILLED: Mapping[str, frozenset[str]] = {
    # bot/answering.py: «А про «…» уточните»
    "utter_clarify_part": frozenset({"question"}),
    # bot/answer_parts.py: the sentences of the answer just given that a follow-up asks about
    "utter_answer_part": frozenset({"part"}),
    # bot/yes_or_no.py: the «Да…» / «Нет…» sentence of the answer just given
    "utter_yes_or_no": frozenset({"answer"}),
    # bot/handover.py escalate: in working hours, out of them, with the order's number known
    "utter_handoff": _WAIT,
    "utter_handoff_order_known": _WAIT | {"order_number"},
    "utter_handoff_wait": _WAIT,
    # … and in working hours with nobody online: no minutes
    "utter_handoff_nobody_online_order_known": frozenset({"order_number"}),
    # bot/dialogue.py: the apology for a complaint that gave its order number
    "utter_complaint_order_known": frozenset({"order_number"}),
    # bot/order_topic.py: the number an answer asked for, and that answer's title
    "utter_handoff_order_taken": frozenset({"order_number", "topic"}),
    "utter_handoff_order_taken_details": frozenset({"order_number", "topic"}),
    # bot/case_details.py: the other numbers of a message, when a person takes the first
    "utter_handoff_more_values": frozenset({"values"}),
    "utter_complaint_answered_order_known": frozenset({"order_number"}),  # … after answers
    "utter_operator_joined": frozenset({"operator"}),  # also handoff/service.py
    # … and the fallback of handoff/waiting.py's out-of-hours updates (operator left, transfer)
    "utter_handoff_offline": _OFFLINE | {"operator", "team"},
    "utter_handoff_offline_order_known": _OFFLINE | {"order_number"},
    "utter_handoff_offline_special_day": _OFFLINE,
    "utter_handoff_offline_wait": _OFFLINE,  # … after a hand-off announced in its own words
    # bot/queued.py, handoff/waiting.py
    "utter_handoff_queued_offline": _OFFLINE | {"operator"},
    "utter_handoff_operator_connected": frozenset({"operator"}),
    # bot/queued_answers.py: an order number sent while queued
    "utter_handoff_queued_order_added": frozenset({"order_number"}),
    "utter_handoff_still_waiting": _QUEUE,
    "utter_handoff_still_waiting_offline": _OFFLINE,
    "utter_handoff_still_waiting_nobody_online": frozenset({"queue"}),
    # bot/queued.py: «сколько ждать?» in working hours with nobody online (bot/contacts.py)
    "utter_handoff_wait_nobody_online_contacts": frozenset({"hours", "contacts"}),
    "utter_handoff_operator_left": _QUEUE | {"operator"},
    "utter_handoff_operator_left_nobody_online": frozenset({"queue", "operator"}),
    "utter_handoff_operator_left_offline": _OFFLINE | {"operator"},
    "utter_handoff_transferred": _QUEUE | {"team"},
    "utter_handoff_transferred_nobody_online": frozenset({"queue", "team"}),
    "utter_handoff_transferred_offline": _OFFLINE | {"team"},
    # handoff/web/availability.py: the web chat's header
    "utter_chat_status_queue": _WAIT,
    "utter_chat_status_closed": _OFFLINE,
    # bot/linking.py
    "utter_link_code": frozenset({"code"}),
    # bot/handover.py: the customer described the question already
    "utter_handoff_described": _WAIT,
    "utter_handoff_offline_described": _OFFLINE,
    "utter_handoff_offline_special_day_described": _OFFLINE,
    # bot/phone_given.py: the phone as typed and the answered entry's title
    "utter_handoff_phone_kept": frozenset({"phone", "topic"}),
    # bot/offered_number.py: the number typed instead of pressing an option
    "utter_clarify_order_number": frozenset({"order_number"}),
    # bot/flow_leave.py: the question no longer asked («номер заказа»), else the flow's title
    "utter_flow_stopped_asking": frozenset({"what"}),
    "utter_flow_stopped": frozenset({"flow"}),
    "utter_flow_cancel_which": frozenset({"what"}),
    # bot/order_answers.py: an FAQ entry's answer about the order whose number is known
    # (utter_faq_order_cancel_order_known); any entry id in place of the «*»
    "utter_faq_*_order_known": frozenset({"order_number"}),
}


@dataclass(frozen=True, slots=True)
class ResponseText:
    """One variant of a response, with where its text is written."""

    name: str
    index: int  # the variant's place in the response's list
    channel: str | None
    text: str
    line: int  # 1-based


def filled(name: str) -> frozenset[str]:
    """The placeholders the runtime fills in for response ``name`` (none for most); a key of
    :data:`FILLED` with a «*» stands for every name it matches."""
    if name in FILLED:
        return FILLED[name]
    for pattern, values in FILLED.items():
        if "*" in pattern and fnmatchcase(name, pattern):
            return values
    return frozenset()


def placeholders(text: str) -> set[str]:
    """The ``{names}`` of ``text`` as the runtime reads them (``{{x}}`` is a literal), a name it
    never fills (``{сроки}``) included; a :class:`ValueError` in Russian for a text it cannot
    read at all (``{wait_minutes``, ``{ № {order_number}``)."""
    try:
        return set(runtime_placeholders(text))
    except ValueError:
        try:  # only a name no phrase has (``{сроки}``, ``{0}``): say which one
            return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            pass
        raise


def _items(node: yaml.Node | None) -> Iterable[tuple[yaml.Node, yaml.Node]]:
    return node.value if isinstance(node, yaml.MappingNode) else ()


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for k, v in _items(node):
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def texts_in(source: str, name: str = "domain.yml") -> list[ResponseText]:
    """Every response variant's text, in file order."""
    _, root = read_tree(source, name)
    found: list[ResponseText] = []
    for key, variants in _items(_get(root, "responses")):
        if not isinstance(key, yaml.ScalarNode) or not isinstance(variants, yaml.SequenceNode):
            continue
        for index, variant in enumerate(variants.value):
            text = _get(variant, "text")
            channel = _get(variant, "channel")
            if isinstance(text, yaml.ScalarNode):
                found.append(
                    ResponseText(
                        name=key.value,
                        index=index,
                        channel=channel.value if isinstance(channel, yaml.ScalarNode) else None,
                        text=text.value,
                        line=text.start_mark.line + 1,
                    )
                )
    return found


def replace_text(
    source: str, response: str, index: int, text: str, name: str = "domain.yml"
) -> str:
    """``source`` with variant ``index`` of ``response`` saying ``text`` (a literal block)."""
    text = clean_answer(text)
    before, root = read_tree(source, name)
    variants = _get(_get(root, "responses"), response)
    if not isinstance(variants, yaml.SequenceNode) or not 0 <= index < len(variants.value):
        raise EditError("not_found", f"no variant {index} of {response!r}")
    for key, value in _items(variants.value[index]):
        if isinstance(key, yaml.ScalarNode) and key.value == "text":
            if not isinstance(value, yaml.ScalarNode):
                break
            try:
                unknown = placeholders(text) - filled(response)
            except ValueError as exc:
                raise EditError("bad_placeholder", str(exc)) from None
            if unknown:
                raise EditError("new_placeholder", ", ".join(sorted(unknown)))
            edited = replace_scalar(source, key, value, text, "|-")
            _verify(before, edited, name, (response, index), text)
            return edited
    raise EditError("not_found", f"no text in variant {index} of {response!r}")


def _verify(before: Any, edited: str, name: str, where: tuple[str, int], text: str) -> None:
    response, index = where
    try:
        after = parse_yaml(edited, name).data
        written = after["responses"][response][index]["text"]
        after["responses"][response][index]["text"] = before["responses"][response][index]["text"]
    except ContentError as exc:
        raise EditError("verify_failed", f"the edited file does not parse: {exc}") from None
    except (KeyError, IndexError, TypeError):
        raise EditError("verify_failed", "the edited file lost the text") from None
    if written != text or after != before:
        raise EditError("verify_failed", "the edited file differs by more than the text")


def replace_text_in_file(path: Path, response: str, index: int, text: str) -> Callable[[], None]:
    """Edit the file on disk (re-read now, under the caller's lock); returns the undo."""
    original, source = read_exact(path)
    edited = replace_text(source, response, index, text, str(path))
    write_bytes_atomic(path, edited.encode("utf-8"))
    return lambda: write_bytes_atomic(path, original)
