"""Optimistic concurrency for the editor's saves: a save names the text the page loaded
(``base``) and is refused with 409 ``changed_meanwhile`` when the file says something else by
now — another editor saved it, an undo, a hand edit (docs/editor.md «Two editors on one
text»)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from handoff.errors import Conflict
from knowledge_base.editing import EditError, entry_node, read_exact, read_tree


class ChangedMeanwhile(EditError):
    """The text in the file is no longer the one the editor's page loaded (``base``): someone
    saved, undid or hand-edited it meanwhile. Raised under the reload lock, so of two saves
    over the same text only the first goes through."""

    def __init__(self, current: str) -> None:
        super().__init__("changed_meanwhile", "the text changed since the page loaded it")
        self.current = current


class ChangedConflict(Conflict):
    """409 ``changed_meanwhile``; ``current`` is the text as it is now (the page shows it)."""

    def __init__(self, current: str) -> None:
        short = " ".join(current.split())
        short = short if len(short) <= 80 else short[:80].rstrip() + "…"
        super().__init__(
            f"Пока вы редактировали, этот текст изменили (сейчас там: «{short}»). Обновите "
            "запись и внесите правку снова — ваш текст сохранён в поле.",
            "changed_meanwhile",
        )
        self.current = normalised(current)


def normalised(text: str) -> str:
    """``text`` as :func:`clean_answer` would store it (without its refusals)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def same_text(a: str, b: str) -> bool:
    """Equal as an editor sees them: line endings, trailing blanks and surrounding blank
    lines aside (how :func:`clean_answer` stores a text)."""
    return normalised(a) == normalised(b)


def unless_changed(
    base: str | None, current: Callable[[], str], apply: Callable[[], Callable[[], None]]
) -> Callable[[], Callable[[], None]]:
    """An :attr:`Edit.apply` that first re-reads the text (under the reload lock) and refuses
    with :class:`ChangedMeanwhile` when it is not ``base``; ``base`` ``None`` (an API client
    that did not send one): no check, the last save wins."""

    def guarded() -> Callable[[], None]:
        if base is not None:
            now = current()
            if not same_text(now, base):
                raise ChangedMeanwhile(now)
        return apply()

    return guarded


def answer_in_file(path: Path, entry_id: str) -> str:
    """Entry ``entry_id``'s answer as written in ``path`` now."""
    data, root = read_tree(read_exact(path)[1], str(path))
    index, _ = entry_node(root, entry_id)
    try:
        return str(data["entries"][index]["answer"])
    except (KeyError, IndexError, TypeError):
        raise EditError("no_answer", "the entry has no 'answer:' text") from None
