"""Loading labelled data for training/evaluation: TSV, knowledge-base YAML, Rasa NLU YAML."""

from __future__ import annotations

from pathlib import Path

from nlu.api import Example
from nlu.kb_examples import read_kb
from nlu.rasa_io import DataError, load_yaml_with_lines, read_rasa_nlu


def read_tsv(path: Path) -> list[Example]:
    """``text<TAB>label`` per line, UTF-8, no header; blank lines are skipped."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"{path}:0: file not found") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}:0: not UTF-8 ({exc.reason})") from exc
    out: list[Example] = []
    for n, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise DataError(f"{path}:{n}: expected 'text<TAB>label', got {line[:60]!r}")
        out.append(Example(parts[0].strip(), parts[1].strip(), f"{path}:{n}"))
    return out


def read_training_data(
    path: Path, use_kb_titles: bool = True, use_kb_answers: bool = True
) -> list[Example]:
    """Detect the format: a bot project (a directory with config.yml) → its knowledge base and
    NLU data; another directory → knowledge base; ``.yml`` → KB or Rasa; else TSV."""
    if not path.exists():
        raise DataError(f"{path}:0: file not found")
    if path.is_dir() and (path / "config.yml").is_file():
        return read_project(path, use_kb_titles, use_kb_answers)
    if path.is_dir():
        return read_kb(path, use_kb_titles, use_kb_answers)
    if path.suffix.lower() in {".yml", ".yaml"}:
        doc = load_yaml_with_lines(path)
        if isinstance(doc, dict) and "entries" in doc:
            return read_kb(path, use_kb_titles, use_kb_answers)
        return read_rasa_nlu(path)
    return read_tsv(path)


def read_project(
    root: Path, use_kb_titles: bool = True, use_kb_answers: bool = True
) -> list[Example]:
    """A bot project's training data: ``knowledge_base`` and ``nlu_data`` of its config.yml."""
    config = load_yaml_with_lines(root / "config.yml") or {}
    if not isinstance(config, dict):
        raise DataError(f"{root / 'config.yml'}:1: expected a mapping")
    out: list[Example] = []
    for kb_path in config.get("knowledge_base") or ["data/faq"]:
        out.extend(read_kb(root / str(kb_path), use_kb_titles, use_kb_answers))
    for nlu_path in config.get("nlu_data") or ["data/nlu.yml"]:
        if (root / str(nlu_path)).exists():
            out.extend(read_rasa_nlu(root / str(nlu_path)))
    return out
