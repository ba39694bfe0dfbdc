"""Hot reload: new content goes live without a restart — and nothing bad goes live.

:func:`reload` validates the whole project (``file:line`` problems refuse the reload), trains
the NLU (seconds), runs the regression gate, and only then swaps the engine's brain in one
assignment; conversations in progress continue with the new content. The gate refuses a model

* that no longer answers an entry's own canonical question (the first of its ``questions``)
  or an intent's first example with that entry/intent, or
* whose accuracy on the project's ``regression_set`` (``text<TAB>label``) falls more than
  ``regression_tolerance`` below the recorded reference — the best accepted model, not just
  the one serving now, so that small losses cannot add up one edit at a time
  (:mod:`bot.regression`; an accepted model at least as good becomes the reference).

An :class:`Edit` (the content editor's «Научить») is applied to the files under the same lock,
checked by the same gate plus its own checks, and undone — the files get their previous bytes
back — when anything refuses it. :func:`prepare_edit` is that without a running bot to swap the
brain of (``zabota kb import``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot import heap, snapshots
from bot.config import ProjectConfig
from bot.project import Project, load_project, make_brain, train
from bot.regression import Baseline, Verdict, judge, load_baseline, save_baseline
from bot.yamlio import ContentError, Problem, relative_problems
from nlu.api import Decision, NLUModel

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GateFailure:
    """A question the new model answers wrongly (``text``, the ``expected`` intent, what it
    ``got``), or — with a ``message`` for the editor, in Russian — a loss of accuracy on the
    regression set (``text`` names the set, ``expected`` the lowest accuracy allowed)."""

    text: str
    expected: str
    got: str | None
    message: str = ""

    def __str__(self) -> str:  # for logs and shells
        if self.message:
            return f"{self.text} (expected {self.expected})"
        return f"«{self.text}» → {self.got or 'nothing'} (expected {self.expected})"


@dataclass(frozen=True, slots=True)
class Edit:
    """A change to the project's files made right before a reload.

    ``apply`` runs in a thread under the reload lock (so it reads the files fresh and no other
    reload interleaves), writes the files and returns the undo; ``checks`` are extra
    ``(text, intent)`` pairs the new model must *answer* with that intent. ``journal`` records
    the change (the editor's «Журнал изменений») once it passed, before it goes live: the
    record is part of the change, so if it fails the files get their bytes back, nothing goes
    live and :class:`JournalError` is raised.
    """

    apply: Callable[[], Callable[[], None]]
    checks: Sequence[tuple[str, str]] = ()
    journal: Callable[[ReloadReport], Awaitable[None]] | None = None


class JournalError(Exception):
    """An edit passed, but its journal could not be written: the files are as they were and
    nothing went live (the cause is chained)."""


@dataclass(slots=True)
class ReloadReport:
    """What happened; ``ok`` means the new content is live."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    failures: list[GateFailure] = field(default_factory=list)
    entries: int = 0
    intents: int = 0
    examples: int = 0
    seconds: float = 0.0
    accuracy_before: float | None = None  # the serving model's, on the regression set
    accuracy_after: float | None = None  # the new model's
    accuracy_baseline: float | None = None  # the reference's (bot.regression)
    # the reference to record once the new content is live (None: no regression set)
    verdict: Verdict | None = None
    # what the edit changed in the content files, once it went live (kept to undo it)
    changes: list[snapshots.FileChange] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "failures": [
                {"text": f.text, "expected": f.expected, "got": f.got, "message": f.message}
                for f in self.failures
            ],
            "entries": self.entries,
            "intents": self.intents,
            "examples": self.examples,
            "seconds": round(self.seconds, 2),
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
            "accuracy_baseline": self.accuracy_baseline,
        }


def _canonical_failures(project: Project, model: NLUModel) -> list[GateFailure]:
    checks = [(e.questions[0], entry_id) for entry_id, e in project.kb.entries.items()]
    firsts: dict[str, str] = {}
    for example in project.nlu_examples:
        if example.intent != "oos":
            firsts.setdefault(example.intent, example.text)
    checks += [(text, intent) for intent, text in firsts.items()]
    failures = []
    for text, expected in checks:
        prediction = model.predict(text)
        if prediction.intent != expected or prediction.decision is Decision.REJECT:
            failures.append(GateFailure(text, expected, prediction.intent))
    return failures


def read_regression_set(path: Path) -> list[tuple[str, str]]:
    """``text<TAB>label`` rows; a malformed line is a ``file:line`` problem."""
    if not path.exists():
        raise ContentError(
            [Problem(str(path), 1, "файл проверочных вопросов (regression_set) не найден")]
        )
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        text, sep, label = line.rpartition("\t")
        if not sep or not text.strip() or not label.strip():
            raise ContentError(
                [Problem(str(path), number, "ожидается строка вида «текст<TAB>метка»")]
            )
        rows.append((text.strip(), label.strip()))
    return rows


def accuracy(model: NLUModel, rows: list[tuple[str, str]]) -> float:
    in_scope = [(t, label) for t, label in rows if label != "oos"]
    if not in_scope:
        return 1.0
    return sum(model.predict(t).intent == label for t, label in in_scope) / len(in_scope)


def _answer_failures(model: NLUModel, checks: Sequence[tuple[str, str]]) -> list[GateFailure]:
    failures = []
    for text, expected in checks:
        prediction = model.predict(text)
        if prediction.intent != expected or prediction.decision is not Decision.ANSWER:
            failures.append(GateFailure(text, expected, prediction.intent))
    return failures


@dataclass(frozen=True, slots=True)
class GateResult:
    failures: list[GateFailure]
    verdict: Verdict | None = None  # None: the project has no regression set

    @property
    def before(self) -> float | None:
        return self.verdict.serving if self.verdict is not None else None

    @property
    def after(self) -> float | None:
        return self.verdict.after if self.verdict is not None else None


def gate(
    project: Project,
    model: NLUModel,
    current: NLUModel | None,
    checks: Sequence[tuple[str, str]] = (),
    baseline: Baseline | None = None,
) -> GateResult:
    """Run the regression gate: the questions ``model`` must answer, and its accuracy on the
    regression set against the ``baseline`` (or, for rows it lacks, the ``current`` model)."""
    failures = _canonical_failures(project, model) + _answer_failures(model, checks)
    if not project.config.regression_set:
        return GateResult(failures)
    name = project.config.regression_set
    # a row whose label the new content no longer has (an entry deleted on purpose) can be
    # answered by no model of it: it measures the deletion, not a regression
    known = {*model.intents, "oos"}
    rows = [row for row in read_regression_set(project.root / name) if row[1] in known]
    verdict = judge(rows, model, current, baseline, project.config.regression_tolerance)
    if not verdict.ok:
        failures.append(
            GateFailure(
                f"{name}: accuracy {verdict.after:.3f}",
                f">= {verdict.limit:.3f}, baseline {verdict.reference:.3f}",
                None,
                verdict.message(name),
            )
        )
    return GateResult(failures, verdict)


def prepare(
    root: Path, current: NLUModel | None, checks: Sequence[tuple[str, str]] = ()
) -> tuple[ReloadReport, Project | None, NLUModel | None]:
    """Validate, train and gate (blocking: run it in a thread)."""
    started = time.perf_counter()
    try:
        project = load_project(root)
    except ContentError as exc:
        return ReloadReport(ok=False, problems=[str(p) for p in exc.problems]), None, None
    for warning in project.warnings:
        log.warning("content: %s", warning)
    model, _, _ = train(project)
    try:
        result = gate(project, model, current, checks, load_baseline(root))
    except ContentError as exc:
        problems = relative_problems(exc.problems, root)
        return ReloadReport(ok=False, problems=[str(p) for p in problems]), None, None
    examples = project.training_examples()
    verdict = result.verdict
    report = ReloadReport(
        ok=not result.failures,
        failures=result.failures,
        entries=len(project.kb),
        intents=len({e.intent for e in examples}),
        examples=len(examples),
        seconds=time.perf_counter() - started,
        accuracy_before=result.before,
        accuracy_after=result.after,
        accuracy_baseline=verdict.reference if verdict is not None else None,
        verdict=verdict,
    )
    return report, project, model


_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _lock() -> asyncio.Lock:
    """One reload at a time per event loop (a module-level Lock would be bound to the first
    loop that waited on it, and fail in the next one — e.g. in tests)."""
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


@contextlib.asynccontextmanager
async def files_lock(root: Path) -> AsyncIterator[None]:
    """Across processes (``zabota run --workers N``, ``zabota kb import``): one
    edit-and-reload of the files at a time. An advisory ``flock`` on ``var/reload.lock``,
    released if the process dies (not reentrant: take it once)."""
    path = root / "var" / "reload.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


async def reload(
    runtime: Runtime, edit: Edit | None = None, *, relayed: bool = False
) -> ReloadReport:
    """Reload the runtime's project from disk; swap the brain only if everything passes.

    With ``edit``, apply it first and undo it if the reload is refused (or fails); an exception
    from ``edit.apply`` propagates with the files untouched. A successful reload is announced
    to the deployment's other processes (if any), unless it is ``relayed`` from one of them.
    """
    async with _lock(), files_lock(runtime.project.root):
        report = await _reload_locked(runtime, edit)
    if report.ok and not relayed and runtime.cluster is not None:
        runtime.cluster.announce_reload()
    return report


@dataclass(slots=True)
class Prepared:
    """An edit applied and its content validated, trained and gated, nothing swapped in yet:
    ``project`` and ``model`` when ``report.ok``, and ``undo``, which puts the edit's files
    back (``None`` without an edit, or when the edit was already undone because refused)."""

    report: ReloadReport
    project: Project | None = None
    model: NLUModel | None = None
    undo: Callable[[], None] | None = None


async def prepare_edit(
    root: Path, config: ProjectConfig, current: NLUModel | None, edit: Edit | None
) -> Prepared:
    """Apply ``edit`` (if any), then validate, train and gate the project at ``root`` against
    the ``current`` model; the edit is undone when refused or when anything fails. The files
    the edit rewrote, read before and after it, are the report's ``changes``. The caller
    holds :func:`files_lock`."""
    before: dict[str, bytes] = {}
    after: dict[str, bytes] = {}
    undo = None
    checks: Sequence[tuple[str, str]] = ()
    if edit is not None:  # what the edit rewrites is read around it, to be undone later
        before = await asyncio.to_thread(snapshots.read, root, config)
        undo = await asyncio.to_thread(edit.apply)
        after = await asyncio.to_thread(snapshots.read, root, config)
        checks = edit.checks
    try:
        report, project, model = await asyncio.to_thread(prepare, root, current, checks)
    except BaseException:
        if undo is not None:
            await asyncio.to_thread(undo)
        raise
    if not report.ok or project is None or model is None:
        if undo is not None:
            await asyncio.to_thread(undo)
        log.warning(
            "reload refused: %d problem(s), %d gate failure(s)",
            len(report.problems),
            len(report.failures),
        )
        return Prepared(report)
    report.changes = snapshots.diff(before, after)
    return Prepared(report, project, model, undo)


async def journal(prepared: Prepared, edit: Edit | None) -> None:
    """Record a prepared (passed) edit with its ``journal``, or take it back: on failure the
    files get their bytes back and :class:`JournalError` is raised."""
    if edit is None or edit.journal is None:
        return
    try:
        await edit.journal(prepared.report)
    except Exception as exc:
        log.error("the journal of a content change could not be written: %s", exc)
        if prepared.undo is not None:
            await asyncio.to_thread(prepared.undo)
        prepared.report.ok = False
        raise JournalError(str(exc)) from exc


async def _reload_locked(runtime: Runtime, edit: Edit | None) -> ReloadReport:
    root, config = runtime.project.root, runtime.project.config
    prepared = await prepare_edit(root, config, runtime.engine.brain.nlu, edit)
    report, project, model = prepared.report, prepared.project, prepared.model
    if project is None or model is None:
        return report
    try:
        await asyncio.to_thread(model.predict, "здравствуйте")  # warm up before customers see it
    except BaseException:
        if prepared.undo is not None:
            await asyncio.to_thread(prepared.undo)
        raise
    await journal(prepared, edit)
    runtime.project = project
    runtime.engine.brain = make_brain(project, model)
    if report.verdict is not None:  # live: the reference it was judged by, or it, is the bar now
        verdict = report.verdict
        await asyncio.to_thread(save_baseline, root, verdict.record, verdict.record_accuracy)
    heap.refreeze()  # the old brain may go now (a pause of one full collection, once)
    log.info(
        "reloaded: %d entries, %d intents in %.1f s",
        report.entries,
        report.intents,
        report.seconds,
    )
    return report
