"""A bot project on disk: config.yml, domain.yml, the knowledge base and NLU data.

:func:`load_project` validates everything and reports every problem with ``file:line`` in one
go, so an editor fixes all of them at once. :func:`train` builds the NLU model from the
content, cached by a hash of its inputs so that ``zabota run`` starts in seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import domain_checks
from bot.config import Domain, ProjectConfig, load_config, load_domain
from bot.engine import Brain
from bot.yamlio import ContentError, Problem, YamlDoc, load_yaml, relative_problems
from flows.loader import load_flows
from flows.models import Flow
from knowledge_base.loader import kb_examples, load_kb, missing_paths
from knowledge_base.models import KnowledgeBase
from nlu import NLUConfig, build_model, load_model
from nlu.api import Example, NLUModel
from nlu.model import OOS_INTENT, TRAINING_REVISION
from nlu.rasa_io import DataError, read_rasa_nlu

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Project:
    root: Path
    config: ProjectConfig
    domain: Domain
    kb: KnowledgeBase
    nlu_examples: list[Example]
    nlu_files: list[Path]
    flows: dict[str, Flow] = field(default_factory=dict)
    # what the files say that Zabota reads past (Rasa's slots, forms, synonyms …): file:line
    warnings: list[Problem] = field(default_factory=list)

    @property
    def nlu_config(self) -> NLUConfig:
        return NLUConfig.model_validate(self.config.nlu)

    def training_examples(self) -> list[Example]:
        config = self.nlu_config
        kb = kb_examples(
            self.kb, use_titles=config.use_kb_titles, use_answers=config.use_kb_answers
        )
        return kb + self.nlu_examples

    def content_hash(self) -> str:
        """Changes whenever anything that shapes the trained model changes: the content, the
        effective NLU settings (defaults included, so a new default retrains) and the training
        code's revision (so an upgrade never keeps serving a model the old code trained)."""
        digest = hashlib.sha256()
        digest.update(f"{TRAINING_REVISION}\n".encode())
        digest.update(json.dumps(self.nlu_config.model_dump(), sort_keys=True).encode())
        for example in self.training_examples():
            digest.update(f"{example.intent}\t{example.text}\n".encode())
        for entry_id, entry in sorted(self.kb.entries.items()):
            digest.update(f"{entry_id}\t{entry.title}\t{entry.answer}\n".encode())
        return digest.hexdigest()[:16]


def load_project(root: Path) -> Project:
    """Load and validate a project directory; raise one :class:`ContentError` with all problems."""
    problems: list[Problem] = []
    config = ProjectConfig()
    try:
        config = load_config(root / "config.yml")
    except ContentError as exc:
        problems.extend(exc.problems)
    domain = None
    try:
        domain = load_domain(root / "domain.yml")
    except ContentError as exc:
        problems.extend(exc.problems)
    kb = KnowledgeBase()
    missing = missing_paths(root / "config.yml", config.knowledge_base)
    problems.extend(missing)  # at config.yml's line: a path not found has no file to point at
    kb_complete = not missing
    try:
        kb = load_kb([root / p for p in config.knowledge_base if (root / p).exists()])
    except ContentError as exc:
        problems.extend(exc.problems)
        kb = exc.partial if isinstance(exc.partial, KnowledgeBase) else kb
        kb_complete = kb_complete and exc.complete
    examples: list[Example] = []
    nlu_files = [root / p for p in config.nlu_data]
    nlu_docs: list[YamlDoc] = []
    for path in nlu_files:
        try:
            # The same reading as every content file's (missing file, encoding, YAML syntax
            # explained in Russian, a repeated key), then the Rasa format's own rules.
            doc = load_yaml(path)
            examples.extend(read_rasa_nlu(path))
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        except DataError as exc:
            problems.append(_problem_from_text(str(exc), path))
            continue
        nlu_docs.append(doc)
    if domain is not None:
        for example in examples:
            if example.intent in kb.entries:
                problem = _problem_from_text(f"{example.source}: ", root / config.nlu_data[0])
                problems.append(
                    Problem(
                        problem.file,
                        problem.line,
                        f"интент {example.intent!r} совпадает с id записи базы знаний",
                    )
                )
    flows: dict[str, Flow] = {}
    flows_complete = True
    try:
        intents = {e.intent for e in examples} | set(kb.entries)
        flows = load_flows(
            [root / p for p in config.flows], kb, intents, check_references=kb_complete
        )
    except ContentError as exc:
        problems.extend(exc.problems)
        flows_complete = False
    if domain is not None and kb_complete and flows_complete:
        problems.extend(_unanswered_intents(nlu_docs, config, domain, kb, flows))
    found = domain_checks.check_project(
        root,
        config,
        domain.responses if domain is not None else None,
        kb if kb_complete else None,
        flows if flows_complete else None,
        [doc.path for doc in nlu_docs],
    )
    problems.extend(found.errors)
    if problems:
        raise ContentError(relative_problems(problems, root))
    assert domain is not None
    warnings = relative_problems(found.warnings, root)
    return Project(root, config, domain, kb, examples, nlu_files, flows, warnings)


def _unanswered_intents(
    docs: list[YamlDoc],
    config: ProjectConfig,
    domain: Domain,
    kb: KnowledgeBase,
    flows: dict[str, Flow],
) -> list[Problem]:
    """An NLU intent nothing answers: the bot would recognise it and say «не понял».

    Answered: a response ``utter_<intent>`` in domain.yml, a knowledge-base entry of that id,
    a flow it starts, or the code — a request for a person (``handoff.request_intents``), a
    complaint that escalates (``handoff.complaint_intents``), ``oos`` (out of scope)."""
    handled = {OOS_INTENT, *kb.entries, *config.handoff.request_intents}
    handled |= {intent for flow in flows.values() for intent in flow.intents}
    if config.handoff.escalate_on_complaint:
        handled |= set(config.handoff.complaint_intents)
    problems = []
    for doc in docs:
        blocks = doc.data.get("nlu") if isinstance(doc.data, dict) else None
        for index, block in enumerate(blocks if isinstance(blocks, list) else []):
            intent = block.get("intent") if isinstance(block, dict) else None
            if not isinstance(intent, str):
                continue
            intent = intent.strip()
            if intent in handled or f"utter_{intent}" in domain.responses:
                continue
            problems.append(
                doc.problem(
                    ("nlu", index, "intent"),
                    f"на интент {intent!r} бот ничем не отвечает и сказал бы «не понял»: добавьте "
                    f"ответ utter_{intent} в domain.yml или сценарий с intents: [{intent}] "
                    "(или уберите интент)",
                )
            )
    return problems


def _problem_from_text(text: str, path: Path) -> Problem:
    """``file:line: message`` as raised by the NLU data reader, as a :class:`Problem`."""
    head, _, message = text.partition(": ")
    file, _, line = head.rpartition(":")
    if file and line.isdigit():
        return Problem(file, max(int(line), 1), message)
    return Problem(str(path), 1, text)


def train(
    project: Project,
    models_dir: Path | None = None,
    *,
    force: bool = False,
    on_training: Callable[[], None] | None = None,
) -> tuple[NLUModel, Path, bool]:
    """The project's NLU model: loaded from cache if the content is unchanged, else trained.

    ``on_training`` is called once it is known that a model will be trained (not loaded), so
    that a «training…» message is only ever shown when it is true. Returns
    ``(model, path, trained_now)``.
    """
    models_dir = models_dir or project.root / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"nlu-{project.content_hash()}"
    if path.exists() and not force:
        try:
            return load_model(path), path, False
        except Exception:
            log.warning("cached model %s is unreadable; retraining", path)
    if on_training is not None:
        on_training()
    started = time.perf_counter()
    model = build_model(project.nlu_config)
    model.fit(project.training_examples())
    model.save(path)
    log.info(
        "trained NLU on %d examples in %.1f s",
        len(project.training_examples()),
        time.perf_counter() - started,
    )
    return model, path, True


def make_brain(project: Project, model: NLUModel) -> Brain:
    return Brain(
        config=project.config, domain=project.domain, kb=project.kb, nlu=model, flows=project.flows
    )
