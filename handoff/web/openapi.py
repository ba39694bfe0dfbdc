"""The OpenAPI 3.1 description of ``/api/v1``, written by hand and served as JSON."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF as _CSRF
from handoff.web.openapi_base import ERRORS as _ERRORS
from handoff.web.openapi_base import ID as _ID
from handoff.web.openapi_base import OK as _OK
from handoff.web.openapi_base import REFUSED as _REFUSED
from handoff.web.openapi_base import SECURED as _SECURED
from handoff.web.openapi_base import TEXT as _TEXT
from handoff.web.openapi_base import action as _action
from handoff.web.openapi_base import body as _body
from handoff.web.openapi_editor import EDITOR_PATHS, PHRASE_PATHS, TABLE_PATHS
from handoff.web.openapi_inbox import INBOX_PATHS
from handoff.web.openapi_team import LABEL_PATHS, TEAM_PATHS

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Zabota operator API",
        "version": "1",
        "description": (
            "The same actions as the operator console. Log in with POST /session, keep the "
            "session cookie, and send the returned `csrf` in the X-CSRF-Token header on every "
            "POST/DELETE. Roles: admin and operator for conversations; admin for metrics; "
            "admin and editor for /editor/* and /admin/reload."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "zabota_console"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
        },
        "responses": {
            "Error": {
                "description": "Refused; `message` is Russian and can be shown to a person",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "error": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    }
                },
            }
        },
    },
    "paths": {
        "/session": {
            "post": {
                "summary": "Log in; returns the operator and the CSRF token",
                "requestBody": _body(
                    {"username": {"type": "string"}, "password": {"type": "string"}},
                    ["username", "password"],
                ),
                "responses": {**_OK, "401": {"$ref": "#/components/responses/Error"}},
            },
            "delete": {"summary": "Log out (goes offline)", "security": _SECURED, "responses": _OK},
        },
        "/me": {"get": {"summary": "Who is logged in", "security": _SECURED, "responses": _OK}},
        "/me/status": {
            "post": {
                "summary": "Set presence: online, away (releases conversations), offline",
                "security": _SECURED,
                "requestBody": _body(
                    {"status": {"type": "string", "enum": ["online", "away", "offline"]}},
                    ["status"],
                ),
                "responses": {**_OK, **_ERRORS},
            }
        },
        "/conversations": {
            "get": {
                "summary": "List conversations",
                "description": (
                    "Each item: `id`, `owner`, `team`, `channel`, `customer`, `operator`, "
                    "`escalation`, `sla`, and two messages (`null` when none): `last_message` "
                    "`{id, text, author, at}`, the newest message the customer saw (anyone's), "
                    "and `last_customer_message` `{id, text, at}`, the customer's own newest "
                    "one — a new `id` there is a new customer message (the console notifies by "
                    "it). `text` is cut to 200 characters; a file alone reads «📎 name». "
                    "`?view=` gives one list `{view, now, conversations}`; `?views=queued,mine` "
                    "several in one answer `{now, views: {queued: [...], mine: [...]}}`."
                ),
                "security": _SECURED,
                "parameters": [
                    {
                        "name": "view",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["queued", "mine", "team", "all"]},
                    },
                    {
                        "name": "views",
                        "in": "query",
                        "description": "comma-separated list names (overrides `view`)",
                        "schema": {"type": "string", "example": "queued,mine,team,all"},
                    },
                ],
                "responses": _OK,
            }
        },
        "/conversations/{id}": {
            "get": {
                "summary": "One conversation: history across channels, escalation, NLU guesses, "
                "customer card, transitions",
                "security": _SECURED,
                "parameters": [_ID],
                "responses": {**_OK, "404": {"$ref": "#/components/responses/Error"}},
            }
        },
        "/conversations/{id}/transcript.txt": {
            "get": {
                "summary": "«Скачать переписку»: this conversation as a UTF-8 text file "
                "(attachment `dialog-{id}.txt`), what the customer saw and said: channel, "
                "customer, start and close, the customer's rating, then every message exchanged "
                "with its time in the team's time zone (`handoff.working_hours.timezone`); no "
                "notes, labels or history lines; 404 `conversation_not_found`",
                "security": _SECURED,
                "parameters": [_ID],
                "responses": {
                    "200": {"description": "text", "content": {"text/plain": {}}},
                    "404": {"$ref": "#/components/responses/Error"},
                },
            }
        },
        "/conversations/{id}/reply": _action(
            "Reply to the customer (takes a queued one)", _body(_TEXT, ["text"])
        ),
        "/conversations/{id}/notes": _action(
            "Add an internal note (never sent)", _body(_TEXT, ["text"])
        ),
        "/conversations/{id}/assign": _action(
            "Take it yourself, or (admin) assign it to operator_id",
            _body({"operator_id": {"type": "integer"}}),
        ),
        "/conversations/{id}/transfer": _action(
            "Transfer to a colleague (operator_id) or a team's queue (team) with a note; "
            "`warning` (else null) says when nobody else of the team is online to take it",
            _body(
                {
                    "operator_id": {"type": "integer"},
                    "team": {"type": "string"},
                    "note": {"type": "string"},
                }
            ),
        ),
        "/conversations/{id}/close": _action("Close; the customer is asked for a 1–5 rating"),
        "/conversations/{id}/return": _action("Hand the conversation back to the bot"),
        "/conversations/{id}/typing": _action(
            "The operator is typing a reply: show the customer's messenger «typing…» (Telegram, "
            "web chat; at most every 4 s per conversation, `sent` says whether this call did)"
        ),
        "/conversations/{id}/files": _action(
            "Send the customer a file (takes a queued one): `multipart/form-data` with `file` "
            "and an optional `caption`. Up to 10 MB; pictures (jpg, png, gif, webp), pdf, "
            "txt, csv, doc(x), xls(x), odt, ods, rtf, zip by the name's extension; anything "
            "else is refused with `file_type_not_allowed`, a channel that cannot take files "
            "with 409 `files_not_supported`",
            {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "caption": {"type": "string"},
                            },
                            "required": ["file"],
                        }
                    }
                },
            },
        ),
        "/messages/{id}/attachments/{n}": {
            "get": {
                "summary": "A customer's photo or document (the n-th of message id), fetched "
                "from the messenger; pictures inline, anything else as a download",
                "security": _SECURED,
                "parameters": [
                    _ID,
                    {"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {"description": "The file"},
                    "404": {"$ref": "#/components/responses/Error"},
                    "502": {"$ref": "#/components/responses/Error"},
                },
            }
        },
        "/customers/{id}/forget": {
            "post": {
                "summary": (
                    "Admin: erase the customer's personal data on their request (texts, "
                    "messenger accounts, name, phone; open conversations are closed, unsent "
                    "replies cancelled). Times, owners and ratings stay for the metrics."
                ),
                "parameters": [_ID],
                "security": _CSRF,
                "responses": {**_OK, **_ERRORS},
            }
        },
        "/operators": {
            "get": {
                "summary": "Operators with status and load",
                "security": _SECURED,
                "responses": _OK,
            }
        },
        "/teams": {"get": {"summary": "Known teams", "security": _SECURED, "responses": _OK}},
        "/search": {
            "get": {
                "summary": "Find conversations, open or closed (newest first, at most 30): by "
                "a customer's name, phone (however typed) or messenger account, «№123», or "
                "words from the messages and notes (the newest 200 000 messages); each with "
                "`match.why` and `match.snippet`",
                "security": _SECURED,
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {**_OK, "403": {"$ref": "#/components/responses/Error"}},
            }
        },
        "/replies": {
            "get": {
                "summary": "The team's ready replies («шаблоны») and the caller's own (`personal`) "
                "whose shortcut starts with `q` (first) or whose text has it; `{клиент}` and "
                "`{оператор}` in a text are for the console to fill in (the customer card's "
                "`first_name`, the operator's name)",
                "security": _SECURED,
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": _OK,
            },
            "post": {
                "summary": "Add a ready reply: an operator's own, or (an admin without "
                "`personal: true`) the team's; 409 `duplicate` for a shortcut the owner uses, "
                "400 `bad_shortcut` (2–32 letters, digits, - or _), `empty`, `too_long`",
                "security": _CSRF,
                "requestBody": _body(
                    {
                        "shortcut": {"type": "string", "maxLength": 32},
                        "text": {"type": "string", "maxLength": 4000},
                        "personal": {"type": "boolean"},
                    },
                    ["shortcut", "text"],
                ),
                "responses": {**_OK, **_ERRORS},
            },
        },
        "/replies/{id}": {
            "delete": {
                "summary": "Delete a ready reply: one's own; the team's (admin); 404 for "
                "someone else's",
                "parameters": [_ID],
                "security": _CSRF,
                "responses": {**_OK, **_ERRORS},
            }
        },
        **TEAM_PATHS,
        **LABEL_PATHS,
        **INBOX_PATHS,
        "/kb/search": {
            "get": {
                "summary": "Search canned answers in the knowledge base",
                "security": _SECURED,
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": _OK,
            }
        },
        "/metrics": {
            "get": {
                "summary": "Manager metrics (admin): first response p50/p90 (working hours "
                "only unless `handoff.sla_in_working_hours` is false: `working_hours_only`), "
                "per operator per day, "
                "CSAT, deflection, how often the bot's answers helped (`answers`), why "
                "conversations reached a person and after which question (`handoffs`: "
                "`reasons` with `share`, the ten top `topics` — `intent` null for «бот не понял "
                "вопрос» — and `without_question`)",
                "security": _SECURED,
                "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer"}}],
                "responses": {**_OK, "403": {"$ref": "#/components/responses/Error"}},
            }
        },
        "/metrics/live": {
            "get": {
                "summary": "The floor now (admin): each team's queue (`waiting`, "
                "`oldest_wait_seconds`, `over_goal`, operators `online`, `free_slots`) and "
                "each operator's `status`, `active` of `capacity` and `awaiting_reply` with "
                "`oldest_unanswered_seconds`; `now` and the team's `timezone` (the one the "
                "period's local times use)",
                "security": _SECURED,
                "responses": {**_OK, "403": {"$ref": "#/components/responses/Error"}},
            }
        },
        "/metrics.csv": {
            "get": {
                "summary": "The same figures as a CSV download for Excel (admin): UTF-8 with "
                "BOM, `;` separated, decimal comma; the summary, then the per-operator table, "
                "conversations per operator and day, the handoff reasons and the topics",
                "security": _SECURED,
                "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "text/csv"},
                    "403": {"$ref": "#/components/responses/Error"},
                },
            }
        },
        "/admin/reload": {
            "post": {
                "summary": "Reload content from disk: validate, retrain, gate, swap (editor, "
                "admin); 422 with `problems` (file:line) or gate `failures` when refused",
                "security": _CSRF,
                "requestBody": _body({}),
                "responses": {**_OK, **_ERRORS, "422": _REFUSED},
            }
        },
        **EDITOR_PATHS,
        **PHRASE_PATHS,
        **TABLE_PATHS,
        "/events": {
            "get": {
                "summary": "Server-Sent Events: `change` with kind, conversation_id, owner",
                "security": _SECURED,
                "responses": {"200": {"description": "text/event-stream"}},
            }
        },
    },
}
