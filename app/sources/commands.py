"""``hookrelay sources add|list|show``: sources from the command line, straight on the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from app.config import Settings
from app.db import create_engine, session_factory
from app.errors import AppError
from app.kit.crypto import SecretBox
from app.kit.uow import unit_of_work
from app.models import Source
from app.sources import repository, service
from app.sources.schemas import SourceCreate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a source and print its ingest URL")
    add.add_argument("name")
    add.add_argument("--provider", required=True, help="stripe, github, standard_webhooks, none, …")
    add.add_argument("--secret", help="the provider's signing secret, as it shows it")
    add.add_argument("--options", default="{}", help="the provider's options, as a JSON object")
    actions.add_parser("list", help="list the sources with their ingest URLs")
    show = actions.add_parser("show", help="print one source (its ingest URL included)")
    show.add_argument("source", help="the source's id")


def run(settings: Settings, args: argparse.Namespace) -> None:
    try:
        for line in asyncio.run(_run(settings, args)):
            print(line)
    except (AppError, ValueError) as exc:
        print(f"hookrelay: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        raise SystemExit(1) from None


async def _run(settings: Settings, args: argparse.Namespace) -> list[str]:
    box = SecretBox(settings.secret_key)
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with unit_of_work(session_factory(engine), None) as session:
            if args.action == "add":
                data = SourceCreate(
                    name=args.name,
                    provider=args.provider,
                    secret=args.secret,
                    options=json.loads(args.options),
                )
                return [_describe(await service.create(session, data, box), box, settings)]
            if args.action == "show":
                return [_describe(await service.get(session, args.source), box, settings)]
            found = await repository.list_(session, cursor=None, limit=1000)
            return [_line(s, box, settings) for s in found]
    finally:
        await engine.dispose()


def _describe(source: Source, box: SecretBox, settings: Settings) -> str:
    shown: dict[str, Any] = {
        "id": source.id,
        "name": source.name,
        "provider": source.provider,
        "ingest_url": service.ingest_url(source, box, settings.base_url),
        "options": source.options,
        "secrets": len(source.secrets),
        "disabled": source.disabled,
    }
    return json.dumps(shown, indent=2)


def _line(source: Source, box: SecretBox, settings: Settings) -> str:
    url = service.ingest_url(source, box, settings.base_url)
    return f"{source.id}  {source.provider:<18} {source.name}  {url}"
