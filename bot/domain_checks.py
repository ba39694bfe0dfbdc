"""What ``domain.yml`` and the Rasa NLU files say that Zabota would not do, found before it runs.

* A response's button must lead somewhere: ``faq:<entry>``, ``flow:<flow>``,
  ``/handoff_request``, ``/cancel_handoff``, ``/link`` or ``/<name>`` of a response
  ``utter_<name>``. Anything else (a typo, ``/check_balance{"account_type": "карта"}`` brought
  from Rasa) would answer the press with «не понял» — an error with ``file:line``.
* Parts of Rasa's format Zabota does not run are named, never dropped silently: the domain's
  ``slots``, ``forms``, ``actions``, ``entities``, ``session_config`` and ``config`` and the NLU
  files' ``synonym``/``regex``/``lookup`` blocks and entity annotations are warnings that say
  what Zabota does instead; a ``session_config`` whose expiry differs from the one that applies
  (``policy.session_expiry_minutes``) is an error, because it would look effective and is not.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.cancel import CANCEL_HANDOFF_PAYLOAD
from bot.config import ProjectConfig
from bot.dialogue import HANDOFF_PAYLOAD, LINK_PAYLOAD
from bot.yamlio import ContentError, Problem, YamlDoc, load_yaml
from flows.models import Flow
from flows.state import STOP_PAYLOAD as FLOW_STOP_PAYLOAD
from knowledge_base.models import KnowledgeBase
from nlu.rasa_io import DataError, unused_rasa_parts

FIXED_PAYLOADS = (HANDOFF_PAYLOAD, CANCEL_HANDOFF_PAYLOAD, LINK_PAYLOAD, FLOW_STOP_PAYLOAD)
ACCEPTED = (
    "faq:<id записи>, flow:<id сценария>, /handoff_request, /cancel_handoff, /link "
    "или /<имя> для ответа utter_<имя>"
)

# Rasa domain sections Zabota reads past, and what it does instead.
_UNUSED_SECTIONS = {
    "slots": "слоты Rasa не используются: данные у клиента собирает сценарий "
    "(data/flows, шаги с slot:, docs/flows.md)",
    "forms": "формы Rasa не выполняются: перепишите форму как сценарий в data/flows "
    "(шаги ask с slot:, docs/flows.md)",
    "actions": "действия (custom actions) не выполняются: Zabota отвечает фразами responses, "
    "записями базы знаний и сценариями; своего кода действий нет",
    "entities": "сущности в domain.yml не нужны: Zabota находит их правилами (nlu/entities.py)",
    "config": "раздел config (store_entities_as_slots) не используется: слотов Rasa нет",
    "e2e_actions": "end-to-end действия Rasa не используются",
}
_RASA_PAYLOAD = re.compile(r"/(?P<name>[A-Za-z_][\w-]*)\s*[{@]")


@dataclass(slots=True)
class Findings:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_project(
    root: Path,
    config: ProjectConfig,
    responses: Iterable[str] | None,
    kb: KnowledgeBase | None,
    flows: Mapping[str, Flow] | None,
    nlu_files: Iterable[Path],
) -> Findings:
    """The domain's buttons (``responses``/``kb``/``flows`` ``None`` when they did not load:
    what refers to them is then not judged, the loading's own problems say enough) and the
    Rasa parts not used, in domain.yml and the NLU files (read already)."""
    found = Findings()
    try:
        doc = load_yaml(root / "domain.yml")
    except ContentError:
        doc = None  # reported by the domain's own loading
    if doc is not None and isinstance(doc.data, dict):
        if responses is not None:
            found.errors += button_problems(doc, set(responses), kb, flows)
        section_warnings, section_errors = _sections(doc, config)
        found.warnings += section_warnings
        found.errors += section_errors
    for path in nlu_files:
        try:
            parts = unused_rasa_parts(path)
        except DataError:
            continue
        found.warnings += [Problem(str(path), line, message) for line, message in parts]
    return found


def button_problems(
    doc: YamlDoc,
    responses: set[str],
    kb: KnowledgeBase | None,
    flows: Mapping[str, Flow] | None,
) -> list[Problem]:
    """A ``file:line`` problem for each button of ``responses:`` that leads nowhere."""
    problems = []
    declared = doc.data.get("responses")
    for name, variants in declared.items() if isinstance(declared, dict) else ():
        for index, variant in enumerate(variants if isinstance(variants, list) else ()):
            buttons = variant.get("buttons") if isinstance(variant, dict) else None
            for number, button in enumerate(buttons if isinstance(buttons, list) else ()):
                if not isinstance(button, dict) or button.get("url"):
                    continue
                payload = str(button.get("payload") or "").strip()
                why = _nowhere(payload, responses, kb, flows)
                if why:
                    title = button.get("title") or payload
                    loc = ("responses", name, index, "buttons", number, "payload")
                    problems.append(doc.problem(loc, f"{name}: кнопка «{title}»: {why}"))
    return problems


def _nowhere(
    payload: str,
    responses: set[str],
    kb: KnowledgeBase | None,
    flows: Mapping[str, Flow] | None,
) -> str | None:
    """Why a press of ``payload`` would be answered with «не понял», or ``None``."""
    if not payload:
        return f"нет ни payload, ни url — нажатие ничего не сделает; payload: {ACCEPTED}"
    if payload.startswith("faq:"):
        entry = payload[4:]
        if kb is None or entry in kb.entries:
            return None
        return f"ведёт на неизвестную запись {entry!r}{_like(entry, kb.entries)}"
    if payload.startswith("flow:"):
        flow = payload[5:]
        if flows is None or flow in flows:
            return None
        return f"ведёт на неизвестный сценарий {flow!r}{_like(flow, flows)}"
    if payload in FIXED_PAYLOADS:
        return None
    if (rasa := _RASA_PAYLOAD.match(payload)) is not None:
        name = rasa.group("name")
        return (
            f"payload в стиле Rasa «{payload}» не поддерживается: сущности и параметры в payload "
            f"Zabota не передаёт. Нужен payload вида {ACCEPTED}"
            + _instead(name, responses, kb, flows)
        )
    if payload.startswith("/"):
        name = payload[1:]
        if f"utter_{name}" in responses:
            return None
        return f"нет ответа utter_{name} для payload «{payload}»" + (
            _instead(name, responses, kb, flows)
            or f"{_like('utter_' + name, responses)}. Допустимо: {ACCEPTED}"
        )
    return f"неизвестный payload «{payload}»: бот ответил бы «не понял». Допустимо: {ACCEPTED}"


def _instead(
    name: str,
    responses: set[str],
    kb: KnowledgeBase | None,
    flows: Mapping[str, Flow] | None,
) -> str:
    """What the payload probably meant, as «; укажите …», or ``""``."""
    if kb is not None and name in kb.entries:
        return f"; для записи {name!r} укажите payload: faq:{name}"
    started = [f.id for f in (flows or {}).values() if name in f.intents]
    if started:
        return f"; для сценария укажите payload: flow:{started[0]}"
    if f"utter_{name}" in responses:
        return f"; для ответа utter_{name} укажите payload: /{name}"
    return ""


def _like(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (может быть, {close[0]!r}?)" if close else ""


_USED_SECTIONS = ("version", "intents", "responses", "session_config")


def _sections(doc: YamlDoc, config: ProjectConfig) -> tuple[list[Problem], list[Problem]]:
    warnings, errors = [], []
    for key in doc.data:
        if key in _UNUSED_SECTIONS:
            warnings.append(doc.problem((key,), f"{key}: {_UNUSED_SECTIONS[key]}"))
        elif key not in _USED_SECTIONS:
            known = ", ".join((*_USED_SECTIONS, *_UNUSED_SECTIONS))
            errors.append(
                doc.problem(
                    (key,),
                    f"неизвестный раздел «{key}»{_like(str(key), known.split(', '))}; "
                    f"разделы domain.yml: {known}",
                )
            )
    session = doc.data.get("session_config")
    if session is not None:
        expiry = session.get("session_expiration_time") if isinstance(session, dict) else None
        applies = config.policy.session_expiry_minutes
        where = ("session_config", "session_expiration_time")
        text = (
            "session_config не действует: диалог с ботом заканчивается после "
            f"policy.session_expiry_minutes в config.yml (сейчас {applies} мин)"
        )
        if expiry is not None and expiry != applies:
            errors.append(
                doc.problem(
                    where,
                    f"{text}, а здесь {expiry} — перенесите значение в config.yml "
                    "и уберите session_config",
                )
            )
        else:
            warnings.append(doc.problem(where if expiry is not None else ("session_config",), text))
    return warnings, errors
