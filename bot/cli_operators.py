"""``zabota operators add|list``: the accounts of operators, editors and admins from a shell
(the first admin too; the rest is the admin's «Сотрудники» page)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

EXIT_OK = 0


def register(sub: Any) -> None:
    ops = sub.add_parser("operators", help="operator accounts")
    ops_sub = ops.add_subparsers(dest="ops_command", required=True, metavar="ACTION")
    add = ops_sub.add_parser("add", help="create an account (the first admin, operators, editors)")
    add.add_argument("username")
    add.add_argument("--role", choices=["admin", "editor", "operator"], default="operator")
    add.add_argument("--name", help="display name")
    add.add_argument("--teams", help="comma-separated teams, e.g. support,billing")
    add.add_argument("--capacity", type=int, default=3, help="simultaneous conversations")
    add.add_argument("--password-env", help="read the password from this environment variable")
    add.set_defaults(func=cmd_operators_add)
    ops_sub.add_parser(
        "list", help="the accounts: login, role, status (off = switched off), teams, name"
    ).set_defaults(func=cmd_operators_list)


async def _operators_add(args: argparse.Namespace) -> int:
    from bot.config import Settings, SettingsError
    from bot.storage.db import Database
    from handoff.auth import create_operator

    password = os.environ.get(args.password_env) if args.password_env else None
    if args.password_env and password is None:  # not the stdin's line: a typo in a script
        raise SettingsError(f"{args.password_env} is not set (--password-env names it)")
    if password is None:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Пароль: ")
    teams = sorted({t.strip() for t in (args.teams or "").split(",") if t.strip()})
    db = Database(Settings.from_env(args.project).database_url)
    try:
        await db.upgrade()
        async with db.write() as session:
            if teams:
                await _check_teams(session, args.project, teams)
            operator = await create_operator(
                session,
                args.username,
                password,
                role=args.role,
                display_name=args.name,
                teams=teams,
                capacity=args.capacity,
            )
            print(f"created {operator.role} {operator.username!r} (id {operator.id})")
    finally:
        await db.dispose()
    return EXIT_OK


async def _check_teams(session: AsyncSession, root: Path, teams: list[str]) -> None:
    """Refuse a team no conversation can reach (a typo would leave the operator idle), as
    the console's «Сотрудники» form does: the same set (:func:`handoff.routing.known_teams`)."""
    from bot.project import load_project
    from handoff.auth import AccountError
    from handoff.routing import known_teams

    project = load_project(root)  # the teams the content names; a broken project says why
    known = await known_teams(session, project.config.handoff, project.kb)
    unknown = [t for t in teams if t not in known]
    if unknown:
        raise AccountError(
            f"unknown team(s): {', '.join(unknown)}; known teams: {', '.join(sorted(known))} "
            "(a new team is added with handoff.team_titles in config.yml)"
        )


def cmd_operators_add(args: argparse.Namespace) -> int:
    return asyncio.run(_operators_add(args))


async def _operators_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.config import Settings
    from bot.storage.db import Database
    from bot.storage.models import Operator

    db = Database(Settings.from_env(args.project).database_url)
    try:
        await db.upgrade()
        async with db.read() as session:
            rows = (await session.scalars(select(Operator).order_by(Operator.username))).all()
    finally:
        await db.dispose()
    if not rows:
        print("no accounts yet: zabota operators add USERNAME --role admin")
        return EXIT_OK
    print(f"{'login':<20} {'role':<9} {'status':<8} {'cap':>3}  {'teams':<24} name")
    for op in rows:
        state = op.status if op.active else "off"
        teams = ",".join(op.teams or []) or "(all)"
        print(
            f"{op.username:<20} {op.role:<9} {state:<8} {op.capacity:>3}  {teams:<24} "
            f"{op.display_name}"
        )
    return EXIT_OK


def cmd_operators_list(args: argparse.Namespace) -> int:
    return asyncio.run(_operators_list(args))
