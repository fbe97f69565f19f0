"""`python -m knowledge fact ...`: curate facts from a terminal.

Whoever runs the bot's files acts as the bot owner: curated facts may be
edited, and `--guild` picks the server an admin fact belongs to.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from ..config import Config
from ..curation.bulk_import import BATCH_FACTS, bulk_import, unfinished_import_notes
from ..curation.curator import Curator, FactDraft
from ..service import KnowledgeBase, open_store
from ..store import FactStore
from .progress import ProgressPrinter
from .text_output import format_citation


def add_fact_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fact = commands.add_parser(
        "fact", help="add, edit, remove, restore, show, export and import facts; server aliases"
    )
    fact.set_defaults(handler=run_fact_command)
    sub = fact.add_subparsers(dest="fact_command", metavar="ACTION", required=True)

    def with_fields(parser: argparse.ArgumentParser, required: bool) -> None:
        parser.add_argument("--text", required=required, help="the fact: one claim, readable alone")
        parser.add_argument(
            "--question", action="append", dest="questions", help="an alternate question (repeat)"
        )
        parser.add_argument(
            "--keyword", action="append", dest="keywords", help="an alias or keyword (repeat)"
        )
        parser.add_argument("--source", help="source id, with --paragraph and --quote")
        parser.add_argument("--paragraph", type=int)
        parser.add_argument("--quote", help="verbatim quote from the paragraph")
        parser.add_argument(
            "--citation", help="free-text citation (URL and note) for facts from elsewhere"
        )

    add = sub.add_parser("add", help="add an admin fact to a server")
    add.add_argument("--guild", type=int, required=True, help="the server the fact belongs to")
    with_fields(add, required=True)
    add.add_argument("--force", action="store_true", help="save even if a near-duplicate exists")
    add.set_defaults(fact_handler=_add)

    edit = sub.add_parser("edit", help="change a fact (only the fields given)")
    edit.add_argument("id")
    with_fields(edit, required=False)
    edit.set_defaults(fact_handler=_edit)

    for name, handler, text in (
        ("remove", _remove, "hide a fact (it can be restored)"),
        ("restore", _restore, "bring a removed fact back"),
        ("show", _show, "a fact with its citation, origin, author, dates and votes"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("id")
        cmd.set_defaults(fact_handler=handler)

    history = sub.add_parser("history", help="every change to a fact; --rollback to undo")
    history.add_argument("id")
    history.add_argument(
        "--rollback", type=int, metavar="ENTRY", help="return to the version after ENTRY"
    )
    history.set_defaults(fact_handler=_history)

    export = sub.add_parser("export", help="facts as JSON (curated ones flagged)")
    export.add_argument(
        "--guild", type=int, help="one server's admin facts (default: every server's)"
    )
    export.add_argument(
        "--output", "-o", type=Path, help="write to a file instead of standard output"
    )
    export.set_defaults(fact_handler=_export)

    imp = sub.add_parser(
        "import",
        help="import a JSON export or JSON Lines file, any size: a dry run unless --apply",
    )
    imp.add_argument("file", type=Path, help="a `fact export` JSON file, or .jsonl (a fact a line)")
    imp.add_argument("--guild", type=int, help="the server new admin facts belong to")
    imp.add_argument(
        "--apply", action="store_true", help="write the changes (in batches, resumable)"
    )
    imp.add_argument(
        "--batch-size",
        type=_positive,
        default=BATCH_FACTS,
        metavar="N",
        help=f"facts written per transaction (default {BATCH_FACTS:,})",
    )
    imp.set_defaults(fact_handler=None, store_handler=_import)

    alias = sub.add_parser("alias", help="a server's own aliases: add, remove, list")
    actions = alias.add_subparsers(dest="alias_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("add", _alias_add, "make NAME stand for CANONICAL in one server's questions and facts"),
        ("remove", _alias_remove, "forget one of a server's aliases"),
        ("list", _alias_list, "a server's aliases"),
    ):
        cmd = actions.add_parser(name, help=text)
        cmd.add_argument("--guild", type=int, required=True, help="the server")
        if name != "list":
            cmd.add_argument("name", help="what people type, e.g. 'the hall'")
        if name == "add":
            cmd.add_argument("canonical", help="the name it stands for, as the facts write it")
        cmd.set_defaults(fact_handler=handler)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def run_fact_command(args: argparse.Namespace, config: Config) -> int:
    if args.fact_handler is None:  # no index needed: open the database alone
        store = open_store(config)
        try:
            return int(args.store_handler(args, store))
        finally:
            store.close()
    kb = KnowledgeBase.open(config)
    try:
        code: int = args.fact_handler(args, Curator(kb))
        return code
    finally:
        kb.close()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _draft(args: argparse.Namespace, base: FactDraft | None = None) -> FactDraft:
    base = base or FactDraft(text="")
    changes = {
        "text": args.text,
        "questions": tuple(args.questions) if args.questions else None,
        "keywords": tuple(args.keywords) if args.keywords else None,
        "source_id": args.source,
        "paragraph": args.paragraph,
        "quote": args.quote,
        "citation": args.citation,
    }
    return FactDraft(**{**base.__dict__, **{k: v for k, v in changes.items() if v is not None}})


def _add(args: argparse.Namespace, curator: Curator) -> int:
    draft = _draft(args)
    duplicates = curator.near_duplicates(draft.text, args.guild)
    if duplicates and not args.force:
        print("A similar fact already exists; add --force to save anyway:", file=sys.stderr)
        for fact, score in duplicates:
            print(f"  {fact.id} ({score:.0f}%): {fact.text}", file=sys.stderr)
        return 1
    fact = curator.add(draft, guild_id=args.guild, actor=_actor())
    print(f"Added {fact.id}")
    return 0


def _edit(args: argparse.Namespace, curator: Curator) -> int:
    # The fields not given keep what was read; if another writer changes the fact
    # in between, the edit is refused rather than undoing that change.
    version = curator.version(args.id)
    current = curator.visible_fact(args.id, None)
    fact = curator.edit(
        args.id,
        _draft(args, FactDraft.from_fact(current)),
        guild_id=None,
        actor=_actor(),
        is_owner=True,
        expected=version,
    )
    print(f"Updated {fact.id}")
    return 0


def _remove(args: argparse.Namespace, curator: Curator) -> int:
    curator.remove(args.id, guild_id=None, actor=_actor(), is_owner=True)
    print(f"Removed {args.id} (restore it with `fact restore {args.id}`)")
    return 0


def _restore(args: argparse.Namespace, curator: Curator) -> int:
    curator.restore(args.id, guild_id=None, actor=_actor(), is_owner=True)
    print(f"Restored {args.id}")
    return 0


def _show(args: argparse.Namespace, curator: Curator) -> int:
    details = curator.show(args.id, None)
    fact = details.fact
    scope = "every server" if fact.guild_id is None else f"server {fact.guild_id}"
    print(f"{fact.id}  [{fact.origin}, {scope}{', REMOVED' if details.removed else ''}]")
    print(f"  {fact.text}")
    print("\n".join(format_citation(details.citation, indent="  ")))
    if fact.questions:
        print("  Questions: " + " | ".join(fact.questions))
    if fact.keywords:
        print("  Keywords: " + " | ".join(fact.keywords))  # a keyword may hold a comma
    print(
        f"  Created {details.created_at} by {details.created_by}; updated {details.updated_at} by {details.updated_by}"
    )
    print(f"  Votes: +{details.votes_up} / -{details.votes_down}")
    return 0


def _history(args: argparse.Namespace, curator: Curator) -> int:
    if args.rollback is not None:
        fact = curator.rollback(
            args.id, args.rollback, guild_id=None, actor=_actor(), is_owner=True
        )
        print(f"Rolled {fact.id} back to the version after entry {args.rollback}")
        return 0
    for entry in curator.history(args.id, None):
        changed = f" ({', '.join(entry.changes)})" if entry.changes else ""
        print(f"{entry.id:>6}  {entry.at}  {entry.actor:<20} {entry.action}{changed}")
    return 0


def _export(args: argparse.Namespace, curator: Curator) -> int:
    data = curator.export(args.guild)
    if args.output:
        args.output.write_text(data + "\n", encoding="utf-8")
        print(f"Wrote {args.output}")
    else:
        print(data)
    return 0


def _alias_add(args: argparse.Namespace, curator: Curator) -> int:
    alias = curator.kb.add_server_alias(args.guild, args.name, args.canonical, actor=_actor())
    print(f"In server {args.guild}, {alias!r} now stands for {args.canonical.strip()!r}")
    return 0


def _alias_remove(args: argparse.Namespace, curator: Curator) -> int:
    canonical = curator.kb.remove_server_alias(args.guild, args.name, actor=_actor())
    print(f"Removed {args.name.strip()!r} (it stood for {canonical!r}) from server {args.guild}")
    return 0


def _alias_list(args: argparse.Namespace, curator: Curator) -> int:
    aliases = curator.kb.server_aliases(args.guild)
    if not aliases:
        print(f"Server {args.guild} has no aliases of its own.")
    for alias, canonical in aliases.items():
        print(f"{alias} -> {canonical}")
    return 0


def _import(args: argparse.Namespace, store: FactStore) -> int:
    for note in unfinished_import_notes(store):
        print(note, file=sys.stderr)
    progress = ProgressPrinter()
    try:
        report = bulk_import(
            store,
            args.file,
            guild_id=args.guild,
            actor=_actor(),
            apply=args.apply,
            progress=progress,
            batch_facts=args.batch_size,
        )
    finally:
        progress.finish()
    print(report.summary())
    if not args.apply:
        print("Dry run: nothing was changed. Add --apply to write it.")
    elif report.applied:
        print(f"Applied: {report.added} added, {report.changed} changed.")
    else:
        print("Applied: 0 added, 0 changed (nothing to write).")
    return 0
