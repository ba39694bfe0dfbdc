"""A Rasa project's domain and NLU data: what Zabota does not run is named with ``file:line``,
and a button that leads nowhere is refused before a customer presses it (QA D10–D12, D15)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import _reload_and_report
from bot.project import load_project
from bot.reload import GateFailure, ReloadReport
from bot.yamlio import ContentError
from nlu.rasa_io import DataError, read_rasa_nlu
from tests.conftest import copy_demo_project


def _project(tmp_path: Path) -> Path:
    return copy_demo_project(tmp_path / "project", heldout=False)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_project(root)
    return [str(p) for p in caught.value.problems]


def _line(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


BALANCE = """responses:
  utter_balance:
    - text: Выберите счёт
      buttons:
        - title: Карта
          payload: '/check_balance{"account_type": "карта"}'
        - title: Как вернуть
          payload: /return_goods
        - title: Заказ
          payload: flow:order_check
        - title: Да
          payload: да
"""


def test_a_button_that_leads_nowhere_is_refused_at_its_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    domain = root / "domain.yml"
    _edit(domain, "payload: faq:order_status", "payload: faq:order_stauts")
    _edit(domain, "responses:\n", BALANCE)
    problems = _problems(root)
    assert (
        f"domain.yml:{_line(domain, 'faq:order_stauts')}: utter_greet: кнопка «Где мой заказ»: "
        "ведёт на неизвестную запись 'order_stauts' (может быть, 'order_status'?)"
    ) in problems
    rasa = next(p for p in problems if "check_balance" in p)
    assert rasa.startswith(f"domain.yml:{_line(domain, 'check_balance')}: utter_balance: ")
    assert "payload в стиле Rasa" in rasa and "faq:<id записи>" in rasa
    assert (
        f"domain.yml:{_line(domain, '/return_goods')}: utter_balance: кнопка «Как вернуть»: "
        "нет ответа utter_return_goods для payload «/return_goods»; для записи 'return_goods' "
        "укажите payload: faq:return_goods"
    ) in problems
    assert any("неизвестный сценарий 'order_check'" in p for p in problems)
    assert any(p.startswith(f"domain.yml:{_line(domain, 'payload: да')}:") for p in problems)
    assert len(problems) == 5


def test_the_demos_buttons_all_lead_somewhere() -> None:
    project = load_project(Path(__file__).resolve().parent.parent)
    assert project.warnings == []


RASA_NLU = """version: "3.1"
nlu:
- intent: bonus_rules
  metadata:
    sentiment: neutral
  examples: |
    - как начисляются бонусы
    - бонусы в [Москве](city)
- synonym: msk
  examples: |
    - мск
- regex: account_number
  examples: |
    - \\d{10}
- lookup: city
  examples: |
    - Москва
"""


def test_rasa_parts_zabota_does_not_use_are_warnings_with_lines(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "data" / "rasa_extra.yml").write_text(RASA_NLU, encoding="utf-8")
    _edit(
        root / "config.yml",
        "nlu_data: [data/nlu.yml]",
        "nlu_data: [data/nlu.yml, data/rasa_extra.yml]",
    )
    _edit(
        root / "domain.yml",
        "responses:\n",
        'responses:\n  utter_bonus_rules:\n    - text: "За покупки."\n',
    )
    domain = root / "domain.yml"
    domain.write_text(
        domain.read_text(encoding="utf-8")
        + "slots:\n  vip:\n    type: bool\nforms:\n  order_form: {}\nactions:\n  - action_check\n"
        + "session_config:\n  session_expiration_time: 60\n",
        encoding="utf-8",
    )
    project = load_project(root)  # valid: every example is used
    assert "бонусы в Москве" in {e.text for e in project.nlu_examples}
    warnings = [str(w) for w in project.warnings]
    said = "\n".join(warnings)
    assert "data/rasa_extra.yml:8: разметка сущности «[Москве](city)» не используется" in said
    assert "data/rasa_extra.yml:9: synonym 'msk': синонимы сущностей не используются" in said
    assert "data/rasa_extra.yml:12: regex 'account_number'" in said
    assert "data/rasa_extra.yml:15: lookup 'city'" in said
    for key in ("slots", "forms", "actions"):
        assert f"domain.yml:{_line(domain, key + ':')}: {key}: " in said
    assert (
        f"domain.yml:{_line(domain, 'session_expiration_time')}: session_config не действует: "
        "диалог с ботом заканчивается после policy.session_expiry_minutes в config.yml "
        "(сейчас 60 мин)"
    ) in warnings


def test_a_session_expiry_that_would_not_apply_is_an_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    domain = root / "domain.yml"
    domain.write_text(
        domain.read_text(encoding="utf-8") + "session_config:\n  session_expiration_time: 30\n",
        encoding="utf-8",
    )
    [problem] = _problems(root)
    assert problem.startswith(f"domain.yml:{_line(domain, 'session_expiration_time')}: ")
    assert "а здесь 30 — перенесите значение в config.yml" in problem


def test_a_conditional_response_is_named_not_called_a_typo(tmp_path: Path) -> None:
    root = _project(tmp_path)
    domain = root / "domain.yml"
    _edit(
        domain,
        "responses:\n",
        "responses:\n  utter_vip:\n    - text: Здравствуйте!\n      condition:\n"
        "        - type: slot\n          name: vip\n          value: true\n",
    )
    [problem] = _problems(root)
    assert problem.startswith(f"domain.yml:{_line(domain, 'condition:')}: ")
    assert "условные ответы Rasa (condition) не поддерживаются" in problem
    assert "неизвестный ключ" not in problem


def test_a_bad_example_after_metadata_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: bonus_rules\n  metadata:\n    sentiment: neutral\n'
        "  # the examples come after a comment too\n  examples: |\n"
        "    - как начисляются бонусы\n    за что дают баллы\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"nlu\.yml:9: пример должен начинаться с «- »"):
        read_rasa_nlu(path)
    path.write_text(path.read_text().replace("    за что", "    - за что"), encoding="utf-8")
    assert [e.source for e in read_rasa_nlu(path)] == [f"{path}:8", f"{path}:9"]


def test_a_refused_reload_is_logged_without_noise(capsys: pytest.CaptureFixture[str]) -> None:
    report = ReloadReport(
        ok=False,
        failures=[
            GateFailure("как вернуть товар", "return_goods", "delivery_cost"),
            GateFailure(
                "tests/data/demo_heldout.tsv: accuracy 0.886",
                ">= 0.927, baseline 0.947",
                None,
                "С этим изменением бот отвечал бы хуже",
            ),
        ],
    )

    async def refused(_: object) -> ReloadReport:
        return report

    asyncio.run(_reload_and_report(None, refused))  # type: ignore[arg-type]
    assert capsys.readouterr().err.splitlines() == [
        "reload refused: gate: «как вернуть товар» → delivery_cost (expected return_goods)",
        "reload refused: gate: tests/data/demo_heldout.tsv: accuracy 0.886 "
        "(expected >= 0.927, baseline 0.947)",
    ]
