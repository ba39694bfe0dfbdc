"""``zabota customers forget``: erase a customer's personal data on their request.

    zabota customers forget --id 42
    zabota customers forget --account telegram:123456789 --yes
    zabota customers forget --phone 79991234567

Without ``--yes`` it shows whom it found and asks (on a terminal) or refuses (in a script).
Exit codes as for every ``zabota`` command: 0 done, 2 bad usage or no such customer.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.db import Database

EXIT_OK, EXIT_USAGE = 0, 2


def register(sub: Any) -> None:
    customers = sub.add_parser("customers", help="customers' personal data")
    actions = customers.add_subparsers(dest="customers_command", required=True, metavar="ACTION")
    forget = actions.add_parser(
        "forget",
        help="erase a customer's personal data (texts, accounts, name, phone) on request",
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--id", type=int, help="customer id (shown in the operator console)")
    who.add_argument("--account", help="messenger account as CHANNEL:USER_ID")
    who.add_argument("--phone", help="phone number, e.g. +7 999 123-45-67")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument(
        "--by", default="admin", help="who asked for it, for the audit trail (default: admin)"
    )
    forget.set_defaults(func=cmd_forget)


def cmd_forget(args: argparse.Namespace) -> int:
    query: dict[str, Any] = {"customer_id": args.id, "phone": _phone(args.phone)}
    if args.account:
        channel, sep, user = args.account.partition(":")
        if not sep or not channel or not user:
            print("error: --account must be CHANNEL:USER_ID, e.g. telegram:123", file=sys.stderr)
            return EXIT_USAGE
        query.update(channel=channel, user_id=user)
    found = asyncio.run(_lookup(args, query))
    if found is None:
        print("error: no such customer", file=sys.stderr)
        return EXIT_USAGE
    customer_id, description = found
    print(description)
    if not args.yes:
        if not sys.stdin.isatty():
            print("error: add --yes to erase without asking", file=sys.stderr)
            return EXIT_USAGE
        answer = input("Erase this customer's personal data? It cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing erased")
            return EXIT_OK
    print(f"erased: {asyncio.run(_erase(args, customer_id))}")
    return EXIT_OK


def _phone(given: str | None) -> str | None:
    from bot.storage.customers import normalize_phone

    return normalize_phone(given) if given is not None else None


def _database(args: argparse.Namespace) -> Database:
    from bot.config import Settings
    from bot.storage.db import Database

    return Database(Settings.from_env(args.project).database_url)


async def _lookup(args: argparse.Namespace, query: dict[str, Any]) -> tuple[int, str] | None:
    from sqlalchemy import func, select

    from bot.storage import erasure
    from bot.storage.models import Conversation, Identity

    db = _database(args)
    try:
        await db.upgrade()
        async with db.read() as session:
            try:
                customer_id = await erasure.find_customer(session, **query)
            except erasure.CustomerNotFound:
                return None
            accounts = (
                await session.execute(
                    select(Identity.channel, Identity.user_id).where(
                        Identity.customer_id == customer_id
                    )
                )
            ).all()
            conversations = await session.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.customer_id == customer_id)
            )
    finally:
        await db.dispose()
    listed = ", ".join(f"{c}:{u}" for c, u in accounts) or "no messenger accounts"
    return customer_id, f"customer {customer_id}: {listed}; {conversations} conversation(s)"


async def _erase(args: argparse.Namespace, customer_id: int) -> str:
    from bot.storage import erasure

    db = _database(args)
    try:
        async with db.write() as session:
            result = await erasure.forget_customer(session, customer_id, actor=f"cli:{args.by}")
    finally:
        await db.dispose()
    return result.report.summary()
