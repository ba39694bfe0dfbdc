"""«Фразы бота» on the editor's page: what the bot says outside the FAQ — the greeting, «не
понял», the handoff and the wait, the rating request — rewritten without opening
``domain.yml`` (:mod:`bot.domain_editing`), through the same validated, gated reload as an FAQ
answer. A phrase uses the placeholders the bot fills in for it (:data:`bot.domain_editing.FILLED`),
dropped or put back at will; any other (``{сроки}``) is refused, ``{{…}}`` is a literal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.domain_editing import filled, placeholders, replace_text_in_file, texts_in
from bot.engine import Brain
from bot.reload import Edit
from bot.storage.db import Database
from handoff.editor_refusals import elsewhere
from handoff.errors import HandoffError, NotFound
from handoff.phrase_titles import TITLES
from handoff.teaching import (
    ANSWER_MESSAGES,
    Reloader,
    TeachResult,
    journal_line,
    put_live,
    refused_result,
    unless_changed,
)
from handoff.views import CHANNEL_TITLES
from knowledge_base.editing import EditError, clean_answer, read_exact

log = logging.getLogger(__name__)

PHRASE_MESSAGES = {
    **ANSWER_MESSAGES,
    "empty": "Пустой текст: клиенту нечего будет прочитать.",
    "not_found": "Этой фразы нет в domain.yml: файл изменили вручную. Обновите страницу.",
    "verify_failed": "Не удалось аккуратно заменить текст в файле; файл не изменён.",
    "new_placeholder": "В тексте подстановка в фигурных скобках, которую бот в эту фразу не "
    "подставляет, — клиент увидел бы скобки.",
    "bad_placeholder": "В тексте фигурная скобка, которую бот не может заполнить. Чтобы показать "
    "саму скобку, напишите её дважды: «{{» или «}}».",
}


def new_placeholder(name: str, unknown: set[str]) -> str:
    """Why ``unknown`` placeholders are refused in response ``name``, in Russian."""
    shown = ", ".join(f"{{{p}}}" for p in sorted(unknown))
    allowed = ", ".join(f"{{{p}}}" for p in sorted(filled(name)))
    fills = (
        f"в эту фразу бот подставляет только {allowed}"
        if allowed
        else "в эту фразу бот ничего не подставляет"
    )
    return (
        f"В тексте {shown} — {fills}, и клиент увидел бы фигурные скобки. Чтобы показать "
        "саму скобку, напишите её дважды: «{{» или «}}»."
    )


def domain_path(root: Path) -> Path:
    return root / "domain.yml"


def phrases_json(brain: Brain, root: Path) -> list[dict[str, Any]]:
    """The live responses, each variant with its text, channel, placeholders and source."""
    path = domain_path(root)
    try:
        written = texts_in(read_exact(path)[1], str(path))
    except EditError:
        return []  # a broken file: the reload reports it
    by_name: dict[str, list[dict[str, Any]]] = {}
    for text in written:
        if text.name not in brain.domain.responses:
            continue
        by_name.setdefault(text.name, []).append(
            {
                "index": text.index,
                "channel": text.channel,
                "channel_title": CHANNEL_TITLES.get(text.channel or "", text.channel),
                "text": text.text,
                # what the bot fills in here, whether this text uses it now or not
                "placeholders": sorted(filled(text.name)),
                "source": f"domain.yml:{text.line}",
            }
        )
    return [
        {"name": name, "title": TITLES.get(name, name), "variants": variants}
        for name, variants in by_name.items()
    ]


async def edit_phrase(
    db: Database,
    brain: Callable[[], Brain],
    reloader: Reloader,
    root: Path,
    *,
    name: str,
    index: int,
    text: str,
    operator_id: int,
    base: str | None = None,
) -> TeachResult:
    """Rewrite one variant of a response on disk and put it live, or change nothing. ``base``:
    the text the editor's page loaded (409 ``changed_meanwhile`` if the file says otherwise
    now)."""
    try:
        cleaned = clean_answer(text)
    except EditError as exc:
        raise HandoffError(PHRASE_MESSAGES.get(exc.code, str(exc)), exc.code) from None
    current = brain()
    variants = current.domain.responses.get(name)
    if not variants or not 0 <= index < len(variants):
        raise NotFound("Такой фразы нет.", "not_found")
    before = variants[index].text
    if cleaned == before.strip():
        raise HandoffError("Текст не изменился.", "unchanged")
    try:
        unknown = placeholders(cleaned) - filled(name)
    except ValueError as exc:  # «{wait_minutes» or «{ № {order_number}»: not fillable
        raise HandoffError(f"{exc}.", "bad_placeholder") from None
    if unknown:
        raise HandoffError(new_placeholder(name, unknown), "new_placeholder")
    path = domain_path(root)

    def written() -> str:
        for found in texts_in(read_exact(path)[1], str(path)):
            if (found.name, found.index) == (name, index):
                return found.text
        raise EditError("not_found", f"no variant {index} of {name!r}")

    edit = Edit(
        apply=unless_changed(
            base, written, lambda: replace_text_in_file(path, name, index, cleaned)
        ),
        journal=journal_line(
            db, operator_id, "phrase_edited", f"{name}/{index}", cleaned, name, path
        ),
    )
    report = await put_live(reloader, edit, PHRASE_MESSAGES)
    title = TITLES.get(name, name)
    if not report.ok:
        log.warning("phrase %s/%s refused by the reload", name, index)
        message = elsewhere(report, path) or (
            "Изменение не принято: в domain.yml ошибка, файл возвращён как был."
        )
        return refused_result(current, report, name, cleaned, message)
    log.info("editor %s rewrote %s/%s", operator_id, name, index)
    return TeachResult(
        ok=True, message=f"Готово: «{title}» звучит по-новому.", entry_id=name, text=cleaned
    )
