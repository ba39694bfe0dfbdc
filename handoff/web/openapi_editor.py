"""The OpenAPI description of the editor's «Фразы бота» (``/api/v1/editor/phrases``),
«Таблица» (``/api/v1/editor/kb.csv``, ``/api/v1/editor/table``) and «Отменить» in the journal
(``/api/v1/editor/revert``)."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF, ERRORS, OK, REFUSED, SECURED, body

PHRASE_PATHS: dict[str, Any] = {
    "/editor/phrases": {
        "get": {
            "summary": "The bot's own phrases from domain.yml: `name`, Russian `title`, "
            "`variants` with `index`, `channel`, `text`, `placeholders` and `source` "
            "(`domain.yml:line`)",
            "security": SECURED,
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/phrase": {
        "post": {
            "summary": "Rewrite one variant of a phrase in domain.yml (the rest stays byte for "
            "byte) and reload (validated, gated); 200 when live, 422 when refused (the file is "
            "restored), 400 `new_placeholder` for a `{placeholder}` the phrase did not have, "
            "`empty`, `too_long`, `unchanged`, `bad_index`; 404 for an unknown phrase",
            "security": CSRF,
            "requestBody": body(
                {
                    "name": {"type": "string"},
                    "index": {"type": "integer", "minimum": 0},
                    "text": {"type": "string", "maxLength": 4000},
                },
                ["name", "index", "text"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/revisions/{action_id}": {
        "get": {
            "summary": "What the change of a journal line did: `undo` (ready, later_changes, "
            "reverted, too_old) and, while it can be undone, `files`: `[{path, diff}]` — a "
            "unified diff of each file before the change and now (at most 400 lines each); "
            "`message` says why not. 400 `not_undoable`, 404 `not_found`",
            "security": SECURED,
            "parameters": [
                {
                    "name": "action_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "responses": {**OK, **ERRORS},
        }
    },
    "/editor/revert": {
        "post": {
            "summary": "Undo the change of a journal line (`id` from /editor/history): the files "
            "it rewrote go back to what they were before it, reloaded (validated, gated); 200 "
            "when live, 422 when refused (the files stay as they are), 409 `later_changes` (a "
            "file changed since: undo the later change first), `already_reverted`, `too_old`; "
            "400 `not_undoable` (the line changed no file), `bad_action`; 404 `not_found`. "
            "The undo is a journal line of its own (`reverted`): undoing it redoes the change",
            "security": CSRF,
            "requestBody": body({"action_id": {"type": "integer"}}, ["action_id"]),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
}

TABLE_PATHS: dict[str, Any] = {
    "/editor/kb.csv": {
        "get": {
            "summary": "The whole knowledge base as a spreadsheet: CSV (UTF-8 with a BOM, `;`), "
            "columns `id; раздел; название; вопросы; ответ`, one wording per line in `вопросы`",
            "security": SECURED,
            "responses": {
                "200": {"description": "CSV", "content": {"text/csv": {}}},
                "403": {"$ref": "#/components/responses/Error"},
            },
        }
    },
    "/editor/table": {
        "post": {
            "summary": "Import an edited table (the file's bytes; `;`, `,` or tab; headers in "
            "Russian or English). With `check=1`: what would change per row (`counts`, `rows`) "
            "or `problems` naming the rows («строка 7: …»), nothing written. Without it: every "
            "change written surgically and reloaded (validated, gated) — 200 when live, 422 "
            "when refused (every file restored), 400 `invalid_table`, `unchanged`, "
            "`bad_content_type`. Entries missing from the table are left as they are",
            "security": CSRF,
            "parameters": [
                {"name": "check", "in": "query", "required": False, "schema": {"type": "string"}}
            ],
            "requestBody": {"required": True, "content": {"text/csv": {}}},
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
}
