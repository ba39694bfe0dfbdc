"""``zabota customers``: a customer's personal data on their request (docs/privacy.md).

    zabota customers export --id 42 --output olga.json
    zabota customers export --account telegram:123456789 > olga.json
    zabota customers forget --id 42
    zabota customers forget --account telegram:123456789 --yes
    zabota customers forget --phone 79991234567

``export`` writes everything stored about the person as JSON (:mod:`bot.storage.export`).
``forget`` erases it; without ``--yes`` it shows whom it found (name, phone, accounts) and asks
(on a terminal) or refuses (in a script). Exit codes as for every ``zabota`` command: 0 done,
2 bad usage or no such customer.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
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
    _who(forget)
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument(
        "--by", default="admin", help="who asked for it, for the audit trail (default: admin)"
    )
    forget.set_defaults(func=cmd_forget)
    export = actions.add_parser(
        "export",
        help="write everything stored about a customer as JSON (their right of access)",
    )
    _who(export)
    export.add_argument(
        "--output", type=Path, help="file to write (a new one); default: standard output"
    )
    export.set_defaults(func=cmd_export)


def _who(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--id", type=int, help="customer id (shown in the operator console)")
    who.add_argument("--account", help="messenger account as CHANNEL:USER_ID")
    who.add_argument("--phone", help="phone number, e.g. +7 999 123-45-67")


def _query(args: argparse.Namespace) -> dict[str, Any] | None:
    """What to look the customer up by; None (and the reason on stderr) if it is malformed."""
    query: dict[str, Any] = {"customer_id": args.id, "phone": _phone(args.phone)}
    if args.phone is not None and not query["phone"]:
        print(f"error: --phone {args.phone!r} is not a phone number", file=sys.stderr)
        return None
    if args.account:
        channel, sep, user = args.account.partition(":")
        if not sep or not channel or not user:
            print("error: --account must be CHANNEL:USER_ID, e.g. telegram:123", file=sys.stderr)
            return None
        query.update(channel=channel, user_id=user)
    return query


def cmd_forget(args: argparse.Namespace) -> int:
    query = _query(args)
    if query is None:
        return EXIT_USAGE
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
    from bot.storage.models import Conversation, Customer, Identity

    db = _database(args)
    try:
        await db.upgrade()
        async with db.read() as session:
            try:
                customer_id = await erasure.find_customer(session, **query)
            except erasure.CustomerNotFound:
                return None
            customer = await session.get(Customer, customer_id)
            assert customer is not None  # find_customer found it in this session
            accounts = (
                await session.execute(
                    select(Identity.channel, Identity.user_id, Identity.display_name).where(
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
    listed = ", ".join(f"{c}:{u}" for c, u, _ in accounts) or "no messenger accounts"
    names = sorted({n for n in (customer.display_name, *(n for _, _, n in accounts)) if n})
    return customer_id, (
        f"customer {customer_id}: {listed}; {conversations} conversation(s)\n"
        f"name: {', '.join(names) or 'not given'}; phone: {customer.phone or 'not given'}"
    )


async def _erase(args: argparse.Namespace, customer_id: int) -> str:
    from bot.storage import erasure

    db = _database(args)
    try:
        async with db.write() as session:
            result = await erasure.forget_customer(session, customer_id, actor=f"cli:{args.by}")
        await db.drop_old_versions()  # the SQLite log still holds the erased texts
    finally:
        await db.dispose()
    return result.report.summary()


def cmd_export(args: argparse.Namespace) -> int:
    query = _query(args)
    if query is None:
        return EXIT_USAGE
    output: Path | None = args.output
    if output is not None and output.exists():
        print(f"error: {output} exists; give a new file name", file=sys.stderr)
        return EXIT_USAGE
    text = asyncio.run(_export(args, query))
    if text is None:
        print("error: no such customer", file=sys.stderr)
        return EXIT_USAGE
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
        sys.stdout.flush()
        return EXIT_OK
    try:
        with output.open("x", encoding="utf-8") as file:
            file.write(text + "\n")
    except OSError as error:
        print(f"error: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"written: {output}", file=sys.stderr)
    return EXIT_OK


async def _export(args: argparse.Namespace, query: dict[str, Any]) -> str | None:
    from bot.storage import erasure, export

    db = _database(args)
    try:
        await db.upgrade()
        async with db.read() as session:
            try:
                customer_id = await erasure.find_customer(session, **query)
            except erasure.CustomerNotFound:
                return None
            return (await export.personal_data(session, customer_id)).to_json()
    finally:
        await db.dispose()
