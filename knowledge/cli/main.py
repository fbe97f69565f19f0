"""`python -m knowledge`: build the fact base, ask it questions, grade it.

A thin shell: it opens the store, calls one library function and turns the
library's named exceptions into a message on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ..config import Config, load_config, require_sqlite
from ..curation.build import build
from ..curation.curator import MAX_IMPORT_BYTES, Curator
from ..errors import FactFileError, InvalidQuestionError, KnowledgeError
from ..retrieval.evaluation import evaluate, load_items
from ..service import KnowledgeBase, open_store
from ..store import portable
from ..store.backup import backup, restore
from ..store.migrations import known_migration_names
from .console import run_console
from .facts import add_fact_commands
from .text_output import format_response, response_json

SCRATCH_GUILD = 1  # the server a fact pack is loaded into by `eval --facts`


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        config = load_config(args.config)
        code: int = args.handler(args, config)
        return code
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped early (`... | head`): end quietly, as Unix tools do.
        # Python would flush stdout again at exit and fail once more, so point it
        # at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge", description="FactBot's fact base: build, ask, evaluate."
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $FACTBOT_CONFIG or ./config.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build_cmd = commands.add_parser("build", help="(re)build the fact base from the repo's files")
    build_cmd.add_argument(
        "--overwrite-edits",
        action="store_true",
        help="replace curated facts the bot owner edited with the files' version",
    )
    build_cmd.set_defaults(handler=_build)

    ask_cmd = commands.add_parser(
        "ask", help="answer questions (arguments, or one per line on standard input)"
    )
    ask_cmd.add_argument("questions", nargs="*", help="questions; none = read standard input")
    ask_cmd.add_argument("--json", action="store_true", help="one JSON object per question")
    ask_cmd.add_argument("--explain", action="store_true", help="also show the top candidates")
    ask_cmd.add_argument(
        "--guild", type=int, help="answer as this server: its own facts too (default: curated only)"
    )
    ask_cmd.set_defaults(handler=_ask)

    eval_cmd = commands.add_parser("eval", help="grade answers on a JSON-lines question set")
    eval_cmd.add_argument("file", type=Path)
    eval_cmd.add_argument(
        "--verbose", "-v", action="store_true", help="list every item not answered right"
    )
    eval_cmd.add_argument(
        "--facts",
        type=Path,
        help="first import this fact pack (`fact export` JSON) into a scratch server, ask as it",
    )
    eval_cmd.add_argument("--guild", type=int, help="ask as this server (default: curated only)")
    eval_cmd.set_defaults(handler=_eval)

    console_cmd = commands.add_parser("console", help="an interactive question prompt")
    console_cmd.add_argument(
        "--guild", type=int, help="answer as this server: its own facts too (default: curated only)"
    )
    console_cmd.set_defaults(handler=_console)

    backup_cmd = commands.add_parser(
        "backup", help="copy the fact base to PATH (safe while the bot runs)"
    )
    backup_cmd.add_argument("path", type=Path, help="the backup file to write")
    backup_cmd.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup_cmd.add_argument(
        "--portable",
        action="store_true",
        help="a JSON Lines export that restores into SQLite or PostgreSQL "
        "(always, with database.url set)",
    )
    backup_cmd.set_defaults(handler=_backup)

    restore_cmd = commands.add_parser(
        "restore", help="replace the fact base with a checked backup (SQLite file or portable)"
    )
    restore_cmd.add_argument("path", type=Path, help="the backup file to restore")
    restore_cmd.set_defaults(handler=_restore)

    migrate_cmd = commands.add_parser(
        "migrate", help="copy the fact base into a new, empty PostgreSQL database"
    )
    direction = migrate_cmd.add_mutually_exclusive_group()
    direction.add_argument(
        "--to", metavar="URL", help="postgresql://USER@HOST/DATABASE (default: database.url)"
    )
    direction.add_argument(
        "--from", dest="source", metavar="URL", help="copy back into a new file at database.path"
    )
    migrate_cmd.set_defaults(handler=_migrate)

    add_fact_commands(commands)
    return parser


def _build(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config, create=True)
    try:
        report = build(store, overwrite_edits=args.overwrite_edits)
        counts = store.fact_counts()
    finally:
        store.close()
    print(
        f"Built {store.name}: {report.sources} source(s), "
        f"{counts['curated']} curated and {counts['admin']} admin facts live."
    )
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("restored", report.restored),
        ("retired", report.retired),
    ):
        if ids:
            print(f"  {label} {len(ids)}:{_id_list(ids)}")
    if not report.changed:
        print("  no changes")
    if report.conflicts:
        print(
            f"  kept {len(report.conflicts)} owner-edited fact(s) that also changed in the files:"
            f"{_id_list(report.conflicts)}\n"
            "  (review them; --overwrite-edits takes the files' version)"
        )
    return 0


def _id_list(ids: Sequence[str], shown: int = 5) -> str:
    """Fact ids one per line, the first `shown` of them and how many more
    (`python -m knowledge fact export` lists them all)."""
    lines = [f"\n    {fact_id}" for fact_id in ids[:shown]]
    if len(ids) > shown:
        lines.append(f"\n    … and {len(ids) - shown} more")
    return "".join(lines)


def _ask(args: argparse.Namespace, config: Config) -> int:
    kb = KnowledgeBase.open(config)
    try:
        questions = args.questions or (line.rstrip("\n") for line in sys.stdin)
        asked_any = False
        for question in questions:
            if not args.questions and not question.strip():
                continue
            asked_any = True
            try:
                response = kb.respond(question, guild_id=args.guild, user_id="cli", via="cli")
            except InvalidQuestionError as exc:
                if args.json:
                    print(
                        json.dumps(
                            {"question": question[:200], "status": "invalid", "error": str(exc)}
                        )
                    )
                else:
                    print(f"Q: {question[:200]}\n{exc}\n")
                continue
            if args.json:
                print(json.dumps(response_json(question, response), ensure_ascii=False))
            else:
                print(format_response(question, response))
                if args.explain:
                    for searched in response.questions:
                        for line in kb.retriever.explain(searched, args.guild):
                            print("  candidate " + line)
                print()
        if not asked_any:
            print("No question given.", file=sys.stderr)
            return 1
    finally:
        kb.close()
    return 0


def _eval(args: argparse.Namespace, config: Config) -> int:
    items = load_items(args.file)
    guild_id = args.guild
    with _scratch_copy(config, args.facts) as eval_config:
        kb = KnowledgeBase.open(eval_config)
        try:
            if args.facts is not None:
                guild_id = SCRATCH_GUILD if guild_id is None else guild_id
                _load_fact_pack(kb, args.facts, guild_id)
            report = evaluate(kb, items, guild_id=guild_id)
        finally:
            kb.close()
    print(f"Evaluated {len(items)} questions from {args.file.name}")
    print(report.table())
    if args.verbose:
        for result in report.results:
            if not result.correct:
                answer = result.answer
                got = answer.status.value if answer else "invalid"
                if result.response is not None and answer is None:
                    got = result.response.kind.value
                shown = "; ".join(sf.fact.id for sf in answer.facts) if answer else ""
                if answer and not shown:
                    shown = "; ".join(s.fact_id for s in answer.suggestions)
                item = result.item
                print(
                    f"  {result.outcome.upper()} {item.id} [{item.kind}] {item.question!r} "
                    f"-> {got} {shown}"
                )
    return 0


@contextmanager
def _scratch_copy(config: Config, facts: Path | None) -> Iterator[Config]:
    """The config itself, or (with a fact pack to load) one for a throwaway
    copy of the database, so the real one is never written."""
    if facts is None:
        yield config
        return
    require_sqlite(
        config, "eval --facts", "run it on a copy made with `python -m knowledge migrate --from`"
    )
    with tempfile.TemporaryDirectory(prefix="factbot-eval-") as folder:
        scratch = Path(folder) / "scratch.db"
        backup(config.database.path, scratch)
        yield replace(config, database=replace(config.database, path=scratch))


def _load_fact_pack(kb: KnowledgeBase, path: Path, guild_id: int) -> None:
    """Import a fact pack into one server; KnowledgeError if it is unusable."""
    try:
        data = path.read_bytes()[: MAX_IMPORT_BYTES + 1]
    except OSError as exc:
        raise FactFileError(f"{path}: cannot read: {exc}") from None
    curator = Curator(kb)
    plan = curator.plan_import(data, guild_id=guild_id, is_owner=True)
    curator.apply_import(plan, actor="eval")
    print(
        f"Loaded {len(plan.added) + len(plan.changed)} facts from {path.name} into a scratch "
        f"server ({len(plan.rejected)} rejected)."
    )
    for label, reason in plan.rejected:
        print(f"  rejected {label}: {reason}")


def _backup(args: argparse.Namespace, config: Config) -> int:
    if args.portable or config.database.url:
        store = open_store(config)
        try:
            exported = portable.export(store, args.path, force=args.force)
        finally:
            store.close()
        print(
            f"Exported {store.name} to {exported.path}: {_row_summary(exported)}, "
            f"schema {exported.schema_version}, {exported.size_bytes:,} bytes."
        )
        return 0
    report = backup(config.database.path, args.path, force=args.force)
    print(
        f"Backed up {config.database.path} to {report.path}: {report.facts} live facts, "
        f"schema {report.schema_version}, {report.size_bytes:,} bytes."
    )
    return 0


def _row_summary(report: portable.ExportReport) -> str:
    rows = report.rows
    return (
        f"{rows.get('facts', 0):,} facts, {rows.get('audit_log', 0):,} audit entries, "
        f"{rows.get('question_log', 0):,} logged questions"
    )


def _restore(args: argparse.Namespace, config: Config) -> int:
    if portable.is_portable(args.path) or config.database.url:
        store = open_store(config, create=True)
        try:
            restored, kept = portable.replace_with_export(args.path, store)
        finally:
            store.close()
        print(
            f"Restored {store.name} from {args.path} (a {restored.source} export): "
            f"{_row_summary(restored)}."
        )
        if kept:
            print(f"  What it replaced is kept as {kept}.")
        return 0
    report = restore(args.path, config.database.path)
    print(
        f"Restored {report.path} from {args.path}: {report.facts} live facts, "
        f"schema {report.schema_version}."
    )
    if report.kept:
        print(f"  The database it replaced is kept as {report.kept}.")
    if report.schema_version != known_migration_names()[-1]:
        print("  FactBot upgrades it to the current schema when it next opens it.")
    return 0


def _migrate(args: argparse.Namespace, config: Config) -> int:
    from ..store.pg_copy import copy_from_postgres, copy_to_postgres  # psycopg when asked

    if args.source is None:
        report = copy_to_postgres(config.database.path, args.to or config.database.url)
        print(f"Copied {report.source} to {report.target}:")
    else:
        report = copy_from_postgres(args.source, config.database.path)
        print(f"Copied {report.target} to {report.source}:")
    for table, count in report.rows.items():
        print(f"  {table}: {count:,} rows")
    return 0


def _console(args: argparse.Namespace, config: Config) -> int:
    kb = KnowledgeBase.open(config)
    try:
        run_console(kb, guild_id=args.guild)
    finally:
        kb.close()
    return 0
