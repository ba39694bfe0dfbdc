"""What an edit changed in the project's content files: their bytes before and after it.

:func:`bot.reload.reload` reads the content files (``config.yml``, ``domain.yml``, the knowledge
base, NLU data and flows named in ``config.yml``) before and after an :class:`bot.reload.Edit`
writes them; the difference is the change's :class:`FileChange` list, which
:mod:`handoff.revisions` keeps so that an editor can undo the change later. The files are
small YAML texts; reading all of them costs milliseconds, under the reload lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.config import ProjectConfig

SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file an edit rewrote: ``path`` relative to the project; ``None`` bytes mean the file
    did not exist before (``before``) or no longer exists after (``after``)."""

    path: str
    before: bytes | None
    after: bytes | None


def sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def content_paths(root: Path, config: ProjectConfig) -> list[Path]:
    """The content files of a project as its ``config.yml`` names them (directories walked)."""
    named: Iterable[str] = [
        "config.yml",
        "domain.yml",
        *config.knowledge_base,
        *config.nlu_data,
        *config.flows,
    ]
    found: set[Path] = set()
    for name in named:
        path = root / name
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            found.add(path)  # a file that may not exist yet
    return sorted(found)


def read(root: Path, config: ProjectConfig) -> dict[str, bytes]:
    """The bytes of every content file that exists, by its path relative to ``root``."""
    files: dict[str, bytes] = {}
    for path in content_paths(root, config):
        try:
            files[path.relative_to(root).as_posix()] = path.read_bytes()
        except FileNotFoundError:
            continue
    return files


def diff(before: dict[str, bytes], after: dict[str, bytes]) -> list[FileChange]:
    """The files whose bytes differ between two :func:`read` results, by path."""
    return [
        FileChange(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
