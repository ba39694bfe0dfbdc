"""The regression gate's reference: the regression set as the bot answered it at its best.

Compared only with the model serving now, a series of small accepted losses walks accuracy
down one edit at a time, each within ``regression_tolerance`` of the last (QA: five routine
edits, 0.947 → 0.902, all went live). So the reference is recorded, in
``var/regression_baseline.json``: for every row of the ``regression_set``, whether the
reference model answered it right. A new model may fall at most ``regression_tolerance``
below the reference's accuracy; a model that does at least as well becomes the reference once
it is live (an improvement raises the bar), a slightly worse one goes live and leaves the bar
where it was. Rows, not one figure, because the rows that count change: a row whose label the
content no longer has (an entry deleted on purpose) counts for neither model
(:func:`bot.reload.gate`), and counts again once the entry is back.

* No record yet (a new project, or an admin deleted the file to accept the bot's current
  level on purpose): the serving model is the reference, and becomes the record.
* A row added to the regression set is judged the first time by the serving model, and that
  result is recorded, so it cannot drift down either.
* The serving model already below the limit (content changed on disk and the bot was
  restarted, which no gate sees): a change that keeps it at least where it is goes live — the
  editors are not locked out — one that makes it worse still does not.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.api import NLUModel

log = logging.getLogger(__name__)

BASELINE_FILE = Path("var") / "regression_baseline.json"


def key(text: str, label: str) -> str:
    return f"{label}\t{text}"


@dataclass(slots=True)
class Baseline:
    """Each regression row (``label<TAB>text``) and whether the reference answered it right."""

    rows: dict[str, bool] = field(default_factory=dict)

    def accuracy(self, rows: Sequence[tuple[str, str]]) -> float | None:
        """The reference's accuracy on ``rows`` (in scope), if it has a result for each."""
        results = [self.rows.get(key(text, label)) for text, label in rows]
        if any(result is None for result in results):
            return None
        return sum(bool(r) for r in results) / len(results) if results else 1.0


def load_baseline(root: Path) -> Baseline | None:
    """The recorded reference, or ``None`` when there is none (or it cannot be read: it is
    then rebuilt from the serving model, and the log says so)."""
    path = root / BASELINE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["rows"]
        if not isinstance(rows, dict) or not all(isinstance(v, bool) for v in rows.values()):
            raise ValueError("rows must map text to true/false")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s is unreadable (%s): the serving model is the reference again", path, exc)
        return None
    return Baseline({str(k): v for k, v in rows.items()})


def save_baseline(root: Path, baseline: Baseline, accuracy: float) -> None:
    """Write the reference atomically (a crash leaves the old file or the new one)."""
    path = root / BASELINE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"accuracy": accuracy, "rows": dict(sorted(baseline.rows.items()))}
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temp, path)


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the new model did on the regression set against the reference."""

    after: float  # the new model's accuracy
    serving: float | None  # the serving model's (None: nothing serves yet)
    reference: float  # the reference's, on the same rows
    tolerance: float
    ok: bool
    record: Baseline  # the reference to keep once the new content is live
    record_accuracy: float

    @property
    def limit(self) -> float:
        """The lowest accuracy that goes live."""
        floor = self.reference - self.tolerance
        if self.serving is not None and self.serving < floor:
            return self.serving  # already below: only no worse than now
        return floor

    def message(self, regression_set: str) -> str:
        """Why it was refused, in Russian, for the editor: how far below and what to do."""
        after, reference = _pct(self.after), _pct(self.reference)
        below = _pp(self.reference - self.after)
        if self.serving is not None and self.serving < self.reference - self.tolerance:
            head = (
                f"Бот и сейчас отвечает на проверочные вопросы ({regression_set}) на "
                f"{_pp(self.reference - self.serving)} хуже эталона ({_pct(self.serving)} "
                f"против {reference}), а с этим изменением стал бы ещё хуже: {after}. "
            )
        else:
            head = (
                f"С этим изменением бот отвечал бы на проверочные вопросы ({regression_set}) "
                f"хуже: верно {after} — на {below} ниже эталона {reference}, а допускается "
                # «п. п.» ends with its own period, which ends the sentence too
                f"не больше {_pp(self.tolerance)} Эталон — лучший результат среди принятых "
                "изменений, поэтому несколько небольших ухудшений подряд тоже складываются. "
            )
        return head + (
            "Верните вопросы, которые убрали из записей, или отмените одно из последних "
            "изменений в «Журнале изменений». Если ухудшение задумано (например, вопросы "
            f"перенесены между записями), исправьте метки в {regression_set} или попросите "
            "администратора принять нынешний уровень за эталон (команда «zabota gate accept»)."
        )


def _pct(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def _pp(value: float) -> str:
    return f"{max(value, 0) * 100:.1f}".replace(".", ",") + " п. п."


def answered(model: NLUModel, rows: Sequence[tuple[str, str]]) -> list[bool]:
    predictions = model.predict_many([text for text, _ in rows])
    return [p.intent == label for p, (_, label) in zip(predictions, rows, strict=True)]


def judge(
    rows: Sequence[tuple[str, str]],
    model: NLUModel,
    current: NLUModel | None,
    baseline: Baseline | None,
    tolerance: float,
) -> Verdict:
    """Judge ``model`` on the in-scope ``rows`` (``text, label``) against the reference:
    ``baseline`` where it has the row, else the ``current`` (serving) model, else the new
    model itself (nothing to compare with)."""
    rows = [(text, label) for text, label in rows if label != "oos"]
    new = answered(model, rows)
    serving = answered(current, rows) if current is not None else None
    recorded = Baseline(dict(baseline.rows) if baseline is not None else {})
    for index, (text, label) in enumerate(rows):  # a row new to the record: judged by today's
        fallback = serving[index] if serving is not None else new[index]
        recorded.rows.setdefault(key(text, label), fallback)
    reference = recorded.accuracy(rows)
    assert reference is not None  # every row was filled in just above
    after = share(new)
    before = share(serving) if serving is not None else None
    floor = reference - tolerance
    ok = after >= floor - 1e-9 or (before is not None and before < floor and after >= before)
    if ok and after >= reference:  # as good or better: the new model is the reference now
        recorded.rows.update({key(t, label): r for (t, label), r in zip(rows, new, strict=True)})
        reference_after = after
    else:
        reference_after = reference
    return Verdict(
        after=round(after, 4),
        serving=None if before is None else round(before, 4),
        reference=round(reference, 4),
        tolerance=tolerance,
        ok=ok,
        record=recorded,
        record_accuracy=round(reference_after, 4),
    )


def share(results: Sequence[bool]) -> float:
    return sum(results) / len(results) if results else 1.0
