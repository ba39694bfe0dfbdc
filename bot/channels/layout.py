"""How messenger keyboards group buttons into rows (Telegram and Viber alike).

A keyboard of one full-width button per row is fine for FAQ titles, but a 1–5 scale then takes
most of a phone screen. So consecutive short buttons share a row: «1»…«5» is one row,
«👍 Помогло» «👎 Не помогло» another, while a long title («Позвать оператора», an FAQ
question), every link button and a contact request («Отправить мой номер») keep a row of
their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Button

SHORT_TITLE = 12  # characters: a title this short may share its row
ROW_TITLES = 24  # characters: the titles of one shared row together
ROW_BUTTONS = 5  # buttons in one shared row
VIBER_COLUMNS = 6  # a Viber keyboard row is 6 columns wide


def _short(button: Button) -> bool:
    return button.callback and len(button.title.strip()) <= SHORT_TITLE


def button_rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """``buttons`` in their order, grouped into keyboard rows.

    Consecutive short callback buttons fill a row up to :data:`ROW_BUTTONS` buttons and
    :data:`ROW_TITLES` characters of titles; any other button has a row to itself.
    """
    rows: list[list[Button]] = []
    current: list[Button] = []
    for b in buttons:
        if not _short(b):
            if current:
                rows.append(current)
                current = []
            rows.append([b])
            continue
        width = sum(len(x.title.strip()) for x in current) + len(b.title.strip())
        if current and (len(current) >= ROW_BUTTONS or width > ROW_TITLES):
            rows.append(current)
            current = []
        current.append(b)
    if current:
        rows.append(current)
    return rows


def viber_columns(count: int) -> list[int]:
    """Column widths for a Viber row of ``count`` buttons, adding up to 6.

    ``5`` → ``[2, 1, 1, 1, 1]``, ``4`` → ``[2, 2, 1, 1]``: the first buttons take the spare
    columns. Viber wraps buttons that don't fit, so the widths must fill the row exactly.
    """
    if not 1 <= count <= VIBER_COLUMNS:
        raise ValueError(f"a Viber row holds 1..{VIBER_COLUMNS} buttons, not {count}")
    base, spare = divmod(VIBER_COLUMNS, count)
    return [base + (1 if i < spare else 0) for i in range(count)]
