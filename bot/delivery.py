"""Why a reply did not reach the customer, in words an operator can act on.

The outbox keeps the messenger's own error (``Forbidden: bot was blocked by the user``,
``viber status 6: notSubscribed``) for whoever debugs it; the console shows what it means.
"""

from __future__ import annotations

_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("blocked", "unsubscribed", "notsubscribed", "status 6", "kicked", "deactivated"),
        "клиент заблокировал бота или отписался",
    ),
    (("chat not found", "receivernotregistered", "status 5"), "чат клиента не найден"),
    (("personal data erased", "file was erased"), "данные клиента удалены"),
    (("zabota_public_url",), "Viber забирает файлы по ссылке: не задан ZABOTA_PUBLIC_URL"),
    (("gave up after",), "мессенджер не отвечал, попытки исчерпаны"),
    (
        ("too large", "too long", "413", "50 mb", "limit", "photo_invalid"),
        "сообщение или файл не подходит мессенджеру по размеру",
    ),
)


def failure_text(error: str | None) -> str:
    """«клиент заблокировал бота или отписался» for the raw error of a failed delivery."""
    lowered = (error or "").lower()
    for needles, text in _REASONS:
        if any(needle in lowered for needle in needles):
            return text
    return "мессенджер не принял сообщение"
