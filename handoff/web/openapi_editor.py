"""The OpenAPI description of the editor's page (``/api/v1/editor/*``): «Бот не понял», the
entries, flows and journal, «Фразы бота», «Таблица» and «Отменить» in the journal."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF, ERRORS, OK, REFUSED, SECURED, TEXT, body

BASE: dict[str, Any] = {
    "type": "string",
    "description": "Optimistic concurrency: the text the page loaded before the editor changed "
    "it (as `GET` returned it; line endings and trailing blanks do not matter). If the file "
    "says something else by now — another editor saved, an undo, a hand edit — the save is "
    "refused with 409 `changed_meanwhile` (Russian `message`, and `current`: the text as it is "
    "now) and nothing is written. Checked under the reload lock, so of two saves over the same "
    "text only the first lands. Omitted: no check, the last save wins.",
}
CHANGED = (
    "; 409 `changed_meanwhile` when `base` is sent and is no longer the text in the file "
    "(the response's `current` is what is there now)"
)

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
            "`empty`, `too_long`, `unchanged`, `bad_index`; 404 for an unknown phrase" + CHANGED,
            "security": CSRF,
            "requestBody": body(
                {
                    "name": {"type": "string"},
                    "index": {"type": "integer", "minimum": 0},
                    "text": {"type": "string", "maxLength": 4000},
                    "base": BASE,
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

EDITOR_PATHS: dict[str, Any] = {
    "/editor/unanswered": {
        "get": {
            "summary": "Customer messages the bot did not answer (reject/clarify), grouped by "
            "normalised text, newest first, with the bot's top FAQ guesses (editor, admin)",
            "security": SECURED,
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "days", "in": "query", "schema": {"type": "integer", "default": 30}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
            ],
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/history": {
        "get": {
            "summary": "The editors' latest changes, newest first (editor_actions): id, at, "
            "who (the editor's name, or «Командная строка» for `zabota kb import`), action "
            "(taught, dismissed, answered, answer_edited, entry_created, entry_imported, "
            "flow_edited, phrase_edited, question_removed, entry_deleted, reverted) and its "
            "Russian title, entry_id, entry_title, text (≤ 300 characters), file, undo (ready, "
            "later_changes, reverted, too_old; null for a line that changed no file)",
            "security": SECURED,
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}}
            ],
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/helpfulness": {
        "get": {
            "summary": "Entries customers rated with «👍 Помогло» / «👎 Не помогло» under the "
            "bot's answer (one press per conversation, the last counts), the least helpful "
            "first: entry_id, title, helped, not_helped, deleted (an entry deleted since)",
            "security": SECURED,
            "parameters": [
                {"name": "days", "in": "query", "schema": {"type": "integer", "default": 30}}
            ],
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/entries": {
        "get": {
            "summary": "FAQ entries (id, title, category) for the picker, and the "
            "categories a new entry can go to (editor, admin)",
            "security": SECURED,
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        },
        "post": {
            "summary": "A new entry: appended to the file of its `category` (the rest of "
            "the file stays byte for byte) and reloaded (validated, gated; the new model "
            "must answer every question with it); 200 with the id and the prediction, 422 "
            "with `problems` or `failures` when refused (the file is restored), 409 "
            "`answered_elsewhere` (send `force: true`), 409 `question_taken` when another "
            "entry already has one of the questions (`force` does not help), 400 for a "
            "missing title, category, question or answer",
            "security": CSRF,
            "requestBody": body(
                {
                    "title": {"type": "string", "maxLength": 80},
                    "category": {"type": "string"},
                    "questions": {"type": "array", "items": {"type": "string"}},
                    "answer": {"type": "string", "maxLength": 4000},
                    "force": {"type": "boolean"},
                },
                ["title", "category", "questions", "answer"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        },
    },
    "/editor/teach": {
        "post": {
            "summary": "Add `text` to entry `entry_id`'s questions in its YAML file and "
            "reload (validated, gated); 200 with the new prediction, 422 with `problems` "
            "or `failures` when refused (the file is restored), 409 `answered_elsewhere` "
            "when the bot already answers it with another entry (send `force: true`), "
            "409 `question_taken` when another entry already has this very question",
            "security": CSRF,
            "requestBody": body(
                {
                    "text": {"type": "string", "maxLength": 300},
                    "entry_id": {"type": "string"},
                    "force": {"type": "boolean"},
                },
                ["text", "entry_id"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/entries/{entry_id}": {
        "get": {
            "summary": "One entry for the answer form: title, category, `answer`, the "
            "channels with their own variant, buttons, `source` (file:line)",
            "security": SECURED,
            "parameters": [
                {
                    "name": "entry_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                **OK,
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
            },
        }
    },
    "/editor/answer": {
        "post": {
            "summary": "Replace entry `entry_id`'s answer in its YAML file (the rest of the "
            "file stays byte for byte) and reload (validated, gated); 200 when live, 422 "
            "with `problems` or `failures` when refused (the file is restored), 400 "
            "`empty`, `too_long` or `unchanged`, 404 for an unknown entry" + CHANGED,
            "security": CSRF,
            "requestBody": body(
                {
                    "entry_id": {"type": "string"},
                    "answer": {"type": "string", "maxLength": 4000},
                    "base": BASE,
                },
                ["entry_id", "answer"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/remove-question": {
        "post": {
            "summary": "Take a question out of entry `entry_id` (a wrong «Научить») in its "
            "YAML file and reload (validated, gated); 200 when live, 422 when refused (the "
            "file is restored), 400 `last_question` or `question_not_found`, 404 for an "
            "unknown entry",
            "security": CSRF,
            "requestBody": body(
                {"entry_id": {"type": "string"}, "question": {"type": "string"}},
                ["entry_id", "question"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/entries/{entry_id}/deletion": {
        "get": {
            "summary": "What deleting entry `entry_id` would change (`questions`, `answered` in "
            "30 days, `taught` questions back to «Бот не понял», `regression_rows`), what refers "
            "to it (`references`, `blocked`), its `version` and the confirmation `message`; 404",
            "security": SECURED,
            "responses": {**OK, **ERRORS},
        }
    },
    "/editor/delete-entry": {
        "post": {
            "summary": "Delete entry `entry_id` from its YAML file and reload (validated, "
            "gated, journaled, undoable); 200 when live, 422 when refused (the file is "
            "restored), 400 `referenced`, 409 `changed_meanwhile` (not the `version` "
            "confirmed), 404",
            "security": CSRF,
            "requestBody": body(
                {"entry_id": {"type": "string"}, "version": {"type": "string"}}, ["entry_id"]
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/flows": {
        "get": {
            "summary": "The live flows, each step with the texts customers read (`ask`, "
            "`say`, `retry`, `handoff`) and their `file:line`",
            "security": SECURED,
            "responses": {**OK, "403": {"$ref": "#/components/responses/Error"}},
        }
    },
    "/editor/flow-text": {
        "post": {
            "summary": "Rewrite one text of a flow step in its YAML file (the rest stays "
            "byte for byte) and reload (validated, gated); 200 when live, 422 when refused "
            "(e.g. a `{placeholder}` no earlier step collects; the file is restored), 400 "
            "`empty`, `too_long`, `unchanged` or `bad_field`, 404 for an unknown text" + CHANGED,
            "security": CSRF,
            "requestBody": body(
                {
                    "flow_id": {"type": "string"},
                    "step_id": {"type": "string"},
                    "field": {"type": "string", "enum": ["ask", "say", "retry", "handoff"]},
                    "text": {"type": "string", "maxLength": 4000},
                    "base": BASE,
                },
                ["flow_id", "step_id", "field", "text"],
            ),
            "responses": {**OK, **ERRORS, "422": REFUSED},
        }
    },
    "/editor/dismiss": {
        "post": {
            "summary": "«Не вопрос к FAQ»: hide this text from the list for good (audited)",
            "security": CSRF,
            "requestBody": body(TEXT, ["text"]),
            "responses": {**OK, **ERRORS},
        }
    },
    "/editor/resolve": {
        "post": {
            "summary": "«Убрать»: a listed text the bot answers by now (its entry has it, or the "
            "serving bot answers it confidently) leaves the list, as a teaching would take it "
            "out (audited as `answered`); 409 `not_answered` while the bot does not answer it",
            "security": CSRF,
            "requestBody": body(TEXT, ["text"]),
            "responses": {**OK, **ERRORS},
        }
    },
    "/editor/try": {
        "post": {
            "summary": "What the serving bot would answer to `text` (intent, confidence, "
            "decision, answer) without creating a conversation",
            "security": CSRF,
            "requestBody": body({**TEXT, "channel": {"type": "string"}}, ["text"]),
            "responses": {**OK, **ERRORS},
        }
    },
}
