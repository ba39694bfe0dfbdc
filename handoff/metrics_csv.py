"""The manager's figures as a CSV file that Russian Excel opens as it is: UTF-8 with a BOM,
``;`` between fields and a decimal comma (the ru-RU list and decimal separators). Names and
titles that start like a formula are written so a spreadsheet shows them as text
(``knowledge_base.table.safe_cell``)."""

from __future__ import annotations

import csv
import io
from typing import Any

from handoff.views import CHANNEL_TITLES
from knowledge_base.table import safe_cell

BOM = "\ufeff"


OPERATOR_COLUMNS = (
    "Оператор",
    "Диалогов",
    "Первый ответ, медиана, с",
    "Ответ в диалоге, медиана, с",
    "Решено",
    "Время решения, медиана, с",
    "Средняя оценка",
    "Оценок",
    "Оценок 1–3",
)


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _period(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The period as people read it: «ноябрь 2026», «01.11.2026 00:00» on the company's
    clock (:mod:`handoff.metrics_period`); the end is not included."""
    asked = data.get("period")
    if asked is None:  # figures computed without a named period
        return [("Период с", data["since"]), ("Период до", data["until"])]
    return [
        ("Период", asked["title"]),
        ("Период с", asked["since_local"]),
        ("Период до", asked["until_local"]),
        ("Часовой пояс", asked["timezone"]),
    ]


def to_csv(data: dict[str, Any]) -> str:
    """The figures of :func:`handoff.metrics.compute`: the summary, the per-operator table,
    conversations per operator per day, the channels, the operators' labels, why conversations
    were handed over and the topics."""
    first, csat = data["first_response"], data["csat"]
    deflection, answers = data["deflection"], data["answers"]
    solved, later = data.get("resolution") or {}, data.get("replies") or {}
    rows: list[tuple[str, Any]] = [
        *_period(data),
        ("Передано операторам", first["escalated"]),
        ("Отвечено операторами", first["answered"]),
        ("Первый ответ, медиана, с", first["p50_seconds"]),
        ("Первый ответ, 90-й перцентиль, с", first["p90_seconds"]),
        ("Цель первого ответа, с", first["goal_seconds"]),
        ("Время ожидания", "рабочее" if first.get("working_hours_only") else "календарное"),
        ("В пределах цели", first["within_goal"]),
        ("Позже цели", first["late"]),
        ("Доля в пределах цели", first["within_goal_share"]),
        ("Ждут ответа сейчас", first["waiting"]),
        ("Из них дольше цели", first.get("waiting_over_goal")),
        ("Ответов на следующие сообщения", later.get("answered")),
        ("Ответ на следующие сообщения, медиана, с", later.get("p50_seconds")),
        ("Ответ на следующие сообщения, 90-й перцентиль, с", later.get("p90_seconds")),
        # The page's «ждут ответа: 6 сообщений» (handoff.metrics_handoffs.unanswered).
        ("Сообщений клиентов после первого ответа", later.get("written")),
        ("Из них ждут ответа сейчас", later.get("waiting")),
        ("Решено операторами", solved.get("resolved")),
        ("Время решения, медиана, с", solved.get("p50_seconds")),
        ("Время решения, 90-й перцентиль, с", solved.get("p90_seconds")),
        ("Оценок (CSAT)", csat["ratings"]),
        ("Средняя оценка", csat["average"]),
        ("Доля оценок 4–5", csat["share_4_5"]),
        ("Диалогов всего", deflection["conversations"]),
        ("Решено без оператора", deflection["without_person"]),
        ("Доля решённых без оператора", deflection["rate"]),
        ("Оценок ответов бота", answers["rated"]),
        ("Из них «помогло»", answers["helped"]),
        ("Доля «помогло»", answers["share"]),
    ]
    rows += [(f"Низкая оценка: {r['title']}", r["count"]) for r in csat.get("reasons", [])]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Показатель", "Значение"])
    writer.writerows((name, _number(value)) for name, value in rows)
    writer.writerow([])
    writer.writerow(OPERATOR_COLUMNS)
    writer.writerows(
        (
            safe_cell(r["operator"]),
            r["conversations"],
            _number(r["first_response_p50_seconds"]),
            _number(r.get("reply_p50_seconds")),
            r.get("resolved", 0),
            _number(r.get("resolution_p50_seconds")),
            _number(r["csat_average"]),
            r["ratings"],
            r["low_ratings"],
        )
        for r in data.get("operators", [])
    )
    writer.writerow([])
    writer.writerow(["Дата", "Оператор", "Диалогов"])
    writer.writerows(
        (row["date"], safe_cell(row["operator"]), row["conversations"])
        for row in data["per_operator_day"]
    )
    writer.writerow([])
    writer.writerow(
        ["Канал", "Диалогов", "Передано оператору", "Доля без оператора", "Средняя оценка"]
    )
    writer.writerows(
        (
            _channel_title(c["channel"]),
            c["conversations"],
            c["handed_over"],
            _number(c["without_person_rate"]),
            _number(c["csat_average"]),
        )
        for c in data.get("channels", [])
    )
    marked = data.get("labels") or {}
    writer.writerow([])
    writer.writerow(["Метка оператора", "Диалогов", "Доля"])
    writer.writerows(
        (safe_cell(m["title"]), m["count"], _number(m["share"])) for m in marked.get("labels", [])
    )
    if marked.get("unlabelled"):
        writer.writerow(["Без метки", marked["unlabelled"]])
    handoffs = data.get("handoffs") or {}
    writer.writerow([])
    writer.writerow(["Почему передано оператору", "Передач", "Доля"])
    writer.writerows(
        (safe_cell(r["title"]), r["count"], _number(r["share"]))
        for r in handoffs.get("reasons", [])
    )
    writer.writerow([])
    writer.writerow(["Тема вопроса перед передачей", "Передач"])
    writer.writerows((safe_cell(t["title"]), t["count"]) for t in handoffs.get("topics", []))
    if handoffs.get("without_question"):
        writer.writerow(["Без вопроса к боту перед передачей", handoffs["without_question"]])
    return BOM + out.getvalue()


def _channel_title(channel: str) -> str:
    """The console's name of a channel, as a table cell starts: «Веб-чат», «Telegram»."""
    title = CHANNEL_TITLES.get(channel)
    return title[:1].upper() + title[1:] if title else safe_cell(channel)
