"""The OpenAPI description of ``/api/v1/accounts`` («Сотрудники», admin only), of blocking
and merging customers (``/api/v1/customers/{id}/block``, ``…/merge``) and of conversations'
labels."""

from __future__ import annotations

from typing import Any

from handoff.web.openapi_base import CSRF, ERRORS, ID, OK, SECURED, body

_ACCOUNT = {
    "display_name": {"type": "string", "maxLength": 64},
    "role": {"type": "string", "enum": ["admin", "operator", "editor"]},
    "teams": {"type": "array", "items": {"type": "string"}},
    "capacity": {"type": "integer", "minimum": 1, "maximum": 50},
}

TEAM_PATHS: dict[str, Any] = {
    "/accounts": {
        "get": {
            "summary": "Admin: every account (`id`, `username`, `display_name`, `role`, `teams`, "
            "`capacity`, `status`, `active`, `last_seen_at`, `conversations` held now), the "
            "`roles` with their Russian "
            "titles, the known `teams` with `team_titles`, and `me`",
            "security": SECURED,
            "responses": {**OK, **ERRORS},
        },
        "post": {
            "summary": "Admin: add a colleague; 201 with the `account`; 409 `username_taken`, "
            "400 `bad_username`, `weak_password` (under 8 characters), `unknown_team`, "
            "`bad_capacity`, `bad_role`, `bad_name`",
            "security": CSRF,
            "requestBody": body(
                {
                    "username": {"type": "string", "maxLength": 64},
                    "password": {"type": "string", "minLength": 8},
                    **_ACCOUNT,
                },
                ["username", "password", "display_name"],
            ),
            "responses": {"201": OK["200"], **ERRORS},
        },
    },
    "/accounts/{id}": {
        "patch": {
            "summary": "Admin: change the name, role, teams, capacity or `active` (switching "
            "an operator off gives their conversations back first); 400 `own_account` for "
            "one's own role or access, 409 `last_admin`",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({**_ACCOUNT, "active": {"type": "boolean"}}),
            "responses": {**OK, **ERRORS},
        }
    },
    "/accounts/{id}/password": {
        "post": {
            "summary": "Admin: a new password (the account's sessions end; `relogin` when it "
            "was one's own)",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({"password": {"type": "string", "minLength": 8}}, ["password"]),
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/block": {
        "post": {
            "summary": "Block the customer (spam, abuse; operators and admins): the bot keeps "
            "answering, a person never gets them; their conversations with or waiting for a "
            "person close (`closed`); 400 `already_blocked`, 404 `customer_not_found`",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({}),
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/unblock": {
        "post": {
            "summary": "Unblock the customer; 400 `not_blocked`",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({}),
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/notes": {
        "post": {
            "summary": "«Заметки о клиенте» (operators and admins): add a note about the customer, "
            "kept across conversations and messengers (`note`: `id`, `text`, `author`, "
            "`author_id`, `at`); the card lists the newest 20 (`customer_card.notes`, "
            "`notes_total`). 400 `empty`, `too_long` (over 1000 characters), `control_chars`; "
            "409 `erased`; 404 `customer_not_found`",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({"text": {"type": "string", "maxLength": 1000}}, ["text"]),
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/notes/{note_id}": {
        "delete": {
            "summary": "Delete a note about the customer: its author or an administrator (403 "
            "`not_your_note`); 404 `note_not_found`",
            "parameters": [
                ID,
                {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "security": CSRF,
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/merge": {
        "post": {
            "summary": "«Это тот же клиент» (operators and admins): the customer `customer_id` "
            "joins this one — their messenger accounts, conversations, messages and ratings "
            "move here, and both histories say who merged them; `customer_id` (this one), "
            "`joined`, `conversations` (how many moved). 400 `same_customer`, `bad_customer`; "
            "409 `erased` (one's data was erased on request), `blocked_differs` (one is blocked, "
            "the other not); 404 `customer_not_found`",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body({"customer_id": {"type": "integer"}}, ["customer_id"]),
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/merges": {
        "get": {
            "summary": "The joins into this customer card that «Разъединить» can still undo, "
            "newest first: `joins` of `id`, `joined_id`, `joined` (the name), `by` (who joined "
            "them: an operator's name or «бот»), `at`, `conversations` (how many would go "
            "back). 404 `customer_not_found`",
            "parameters": [ID],
            "security": SECURED,
            "responses": {**OK, **ERRORS},
        }
    },
    "/customers/{id}/merges/{merge_id}/undo": {
        "post": {
            "summary": "«Разъединить» (operators and admins): the joined customer gets their own "
            "card back — their messenger accounts, the conversations they had when joined (with "
            "messages and ratings) and the notes about them; conversations started after the "
            "join stay here. `customer_id`, `restored`, `conversations`. 404 `merge_not_found`; "
            "409 `already_undone`, `merged_since` (this card was joined into another since), "
            "`erased`",
            "parameters": [
                ID,
                {"name": "merge_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "security": CSRF,
            "responses": {**OK, **ERRORS},
        }
    },
}

LABEL_PATHS: dict[str, Any] = {
    "/labels": {
        "get": {
            "summary": "The team's labels for conversations (`handoff.labels` in config.yml): "
            "`id`, `title`",
            "security": SECURED,
            "responses": OK,
        }
    },
    "/conversations/{id}/labels": {
        "post": {
            "summary": "Set a conversation's labels, the whole set at once (`labels`: ids); "
            "400 `unknown_label` (nothing changed), `bad_labels`; 404",
            "parameters": [ID],
            "security": CSRF,
            "requestBody": body(
                {"labels": {"type": "array", "items": {"type": "string"}}}, ["labels"]
            ),
            "responses": {**OK, **ERRORS},
        }
    },
}
