"""«Сотрудники»: an administrator manages the team's accounts from the console
(``/api/v1/accounts``, handoff/accounts.py). On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from handoff.accounts import AccountChange, Accounts
from handoff.auth import hash_password, needs_rehash, verify_password
from handoff.errors import Conflict
from tests.conftest import CHEAP_HASHER
from tests.handoff_kit import Env, login

ANNA = {
    "username": "Anna.K",
    "display_name": "Анна",
    "role": "operator",
    "teams": ["billing"],
    "capacity": 2,
    "password": "anna-secret-1",
}


async def add(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/api/v1/accounts", json={**ANNA, **fields})


async def accounts(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/accounts")
    assert response.status_code == 200, response.text
    return {a["username"]: a for a in response.json()["accounts"]}


def test_passwords_are_kept_as_argon2id_at_the_recommended_cost(
    product_password_hashing: PasswordHasher,
) -> None:
    """The suite hashes at the least cost (tests/conftest.py); the product at argon2-cffi's
    defaults, RFC 9106's low-memory choice (64 MiB, 3 passes, 4 lanes), and a hash made at
    another cost is redone at the next login."""
    stored = hash_password(ANNA["password"])
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(stored, ANNA["password"]) and not verify_password(stored, "anna-secret")
    assert not needs_rehash(stored)
    assert needs_rehash(CHEAP_HASHER.hash(ANNA["password"]))


async def test_the_lead_adds_a_colleague_who_can_then_log_in(env: Env) -> None:
    await env.s.operator("boss", role="admin")
    async with env.client() as lead:
        await login(lead, "boss")
        created = await add(lead)
        assert created.status_code == 201, created.text
        anna = (await accounts(lead))["anna.k"]  # logins are lower-case
        assert {k: anna[k] for k in ("display_name", "role", "teams", "capacity", "active")} == {
            "display_name": "Анна",
            "role": "operator",
            "teams": ["billing"],
            "capacity": 2,
            "active": True,
        }
        spec = (await lead.get("/api/v1/openapi.json")).json()
        assert {"/accounts", "/accounts/{id}", "/accounts/{id}/password"} <= set(spec["paths"])
        listed = (await lead.get("/api/v1/accounts")).json()
        assert listed["roles"]["editor"] == "редактор"
        assert "billing" in listed["teams"]
    async with env.client() as anna_client:
        response = await anna_client.post(
            "/api/v1/session", json={"username": "anna.k", "password": "anna-secret-1"}
        )
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "code", "says"),
    [
        ({"username": "boss"}, 409, "username_taken", "Логин «boss» уже занят."),
        ({"username": "анна"}, 400, "bad_username", "Логин: латинские буквы"),
        ({"password": "short"}, 400, "weak_password", "не короче 8 символов"),
        (
            {"teams": ["warehouse"]},
            400,
            "unknown_team",
            "Команды «warehouse» нет. Есть: billing, sales, support.",  # the known, to pick from
        ),
        ({"capacity": 0}, 400, "bad_capacity", "от 1 до 50"),
        ({"capacity": "три"}, 400, "bad_capacity", "целое число"),
        ({"role": "root"}, 400, "bad_role", "Роль:"),
        ({"display_name": "   "}, 400, "bad_name", "Укажите имя"),
    ],
)
async def test_a_bad_account_is_refused_in_russian(
    env: Env, fields: dict[str, Any], status: int, code: str, says: str
) -> None:
    await env.s.operator("boss", role="admin")
    async with env.client() as lead:
        await login(lead, "boss")
        response = await add(lead, **fields)
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        assert says in response.json()["message"]
        assert "anna.k" not in await accounts(lead)


async def test_only_an_administrator_manages_accounts(env: Env) -> None:
    await env.s.operator("oleg")
    await env.s.operator("eva", role="editor")
    for user in ("oleg", "eva"):
        async with env.client() as client:
            await login(client, user)
            assert (await client.get("/api/v1/accounts")).status_code == 403
            assert (await add(client)).status_code == 403
            page = await client.get("/console/team")
            assert page.status_code == 403


async def test_more_capacity_takes_from_the_queue_at_once(env: Env) -> None:
    boris = await env.s.operator("boris", capacity=1)
    await env.s.operator("boss", role="admin")
    async with env.client() as lead:
        await login(lead, "boss")
        await lead.post("/api/v1/me/status", json={"status": "away"})  # the lead only manages
        first = await env.s.escalate("c1")
        second = await env.s.escalate("c2")
        assert (await env.s.conversation(second)).owner == "queued"  # Boris is full
        changed = await lead.patch(
            f"/api/v1/accounts/{boris}", json={"capacity": 2, "display_name": " Борис  К. "}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["account"]["display_name"] == "Борис К."
    assert (await env.s.conversation(first)).operator_id == boris
    assert (await env.s.conversation(second)).operator_id == boris


async def test_switching_off_an_operator_hands_their_customers_on(env: Env) -> None:
    anna = await env.s.operator("anna", name="Анна")
    await env.s.operator("boss", role="admin", status="offline")
    conv = await env.s.escalate("c1")
    await env.s.service.reply(conv, anna, "Здравствуйте! Проверяю.")
    await env.s.say("c1", "заказ 12345")
    async with env.client() as anna_client:
        await login(anna_client, "anna")
        async with env.client() as lead:
            await login(lead, "boss")
            await lead.post("/api/v1/me/status", json={"status": "away"})  # nobody else free
            off = await lead.patch(f"/api/v1/accounts/{anna}", json={"active": False})
            assert off.status_code == 200, off.text
            assert off.json()["account"]["status"] == "offline"
        # Her open console is logged out, and she cannot log in again.
        assert (await anna_client.get("/api/v1/me")).status_code == 401
    async with env.client() as again:
        response = await again.post(
            "/api/v1/session", json={"username": "anna", "password": "correct-horse-1"}
        )
        assert response.status_code == 401
    assert (await env.s.conversation(conv)).owner == "queued"
    assert (await env.s.texts("c1"))[-1].startswith("Оператор Анна сейчас не на связи")


async def test_a_new_password_ends_the_old_sessions(env: Env) -> None:
    oleg = await env.s.operator("oleg")
    boss = await env.s.operator("boss", role="admin")
    async with env.client() as oleg_client, env.client() as lead:
        await login(oleg_client, "oleg")
        await login(lead, "boss")
        short = await lead.post(f"/api/v1/accounts/{oleg}/password", json={"password": "1234"})
        assert short.status_code == 400
        assert (await oleg_client.get("/api/v1/me")).status_code == 200  # nothing changed
        done = await lead.post(
            f"/api/v1/accounts/{oleg}/password", json={"password": "new-secret-22"}
        )
        assert done.json() == {"ok": True, "relogin": False}
        assert (await oleg_client.get("/api/v1/me")).status_code == 401
        own = await lead.post(
            f"/api/v1/accounts/{boss}/password", json={"password": "boss-pass-33"}
        )
        assert own.json() == {"ok": True, "relogin": True}
    async with env.client() as fresh:
        response = await fresh.post(
            "/api/v1/session", json={"username": "oleg", "password": "new-secret-22"}
        )
        assert response.status_code == 200


async def test_an_administrator_cannot_lock_themselves_out(env: Env) -> None:
    boss = await env.s.operator("boss", role="admin")
    async with env.client() as lead:
        await login(lead, "boss")
        for change in ({"active": False}, {"role": "operator"}):
            response = await lead.patch(f"/api/v1/accounts/{boss}", json=change)
            assert response.status_code == 400
            assert response.json()["error"] == "own_account"
        missing = await lead.patch("/api/v1/accounts/999999", json={"capacity": 2})
        assert missing.status_code == 404
        bad = await lead.patch(f"/api/v1/accounts/{boss}", json={"active": "нет"})
        assert bad.json()["error"] == "bad_active"
    # Nor can anyone else switch off the last administrator (the command line has no «self»).
    accounts_ = Accounts(env.s.db, env.s.service)
    with pytest.raises(Conflict, match="единственный администратор"):
        await accounts_.change(boss, AccountChange(active=False), known_teams=set(), actor_id=0)
    second = await env.s.operator("deputy", role="admin")
    changed = await accounts_.change(
        boss, AccountChange(role="operator"), known_teams=set(), actor_id=second
    )
    assert changed.role == "operator"


async def test_an_editor_made_operator_starts_getting_conversations(env: Env) -> None:
    eva = await env.s.operator("eva", role="editor", status="offline")
    await env.s.operator("boss", role="admin", status="offline")
    async with env.client() as lead:
        await login(lead, "boss")
        response = await lead.patch(f"/api/v1/accounts/{eva}", json={"role": "operator"})
        assert response.json()["account"]["role"] == "operator"
    async with env.client() as eva_client:
        await login(eva_client, "eva")
        assert (await eva_client.get("/api/v1/conversations")).status_code == 200
