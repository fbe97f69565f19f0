"""The fact base as the rest of FactBot uses it: ask, vote, server settings,
sources and usage statistics.

`KnowledgeBase` ties the store and the retriever together and is the one door
from bot/ into knowledge/ (with the Curator for /fact). It is synchronous; the
bot calls it through asyncio.to_thread. `sync` keeps its in-memory index in
step with changes that other processes (shards, the CLI) commit to the store.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import Config, index_path
from .curation.aliases import clean_alias
from .curation.build import build, runtime_lexicon
from .errors import FactNotFoundError, StoreError
from .models import Answer, Fact, Response, ResponseKind, Source
from .retrieval.index_file import IndexFileError, IndexKey, fingerprint, read_index, write_index
from .retrieval.normalize import Normalizer, fold
from .retrieval.retriever import Retriever
from .stats import UsageStats, compute_stats
from .store import FactStore, LoggedQuestion, utc_now
from .store.changes import FACT, FACTS, SETTINGS, Change, FeedPosition
from .store.dbinfo import DatabaseInfo
from .store.dbinfo import database_info as file_info
from .store.question_log import VoteOutcome
from .understanding.conversation import ConversationMemory, Speaker
from .understanding.discord_syntax import strip_discord_syntax
from .understanding.pipeline import Responder, asks_something, clean_message

__all__ = [
    "AskResult",
    "DatabaseInfo",
    "KnowledgeBase",
    "VoteResult",
    "database_info",
    "database_name",
    "open_store",
]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A message is read whole (links, mentions and markup are dropped) up to this
# size, Discord's own limit; what is left must fit retrieval.max_question_chars.
MAX_MESSAGE_CHARS = 4000
# More changes than this to catch up on, and sync rebuilds the whole index
# instead of applying them one by one (a large build, or a long outage).
RELOAD_AFTER_CHANGES = 1000
# Facts reindexed under one hold of the index lock while catching up (a bulk
# import's batches): questions wait at most this many upserts (about 0.3 ms each).
SYNC_FACTS_PER_LOCK = 200


logger = logging.getLogger("factbot.knowledge")


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    question_id: int | None  # the question-log row, for feedback; None if not logged


@dataclass(frozen=True)
class SyncReport:
    """What one `KnowledgeBase.sync` applied."""

    applied_seq: int  # the last change of the feed the index now reflects
    facts: int = 0  # facts reindexed one by one
    reloaded: bool = False  # the whole index was rebuilt (a build, a restore, new aliases)
    settings_changed: bool = False  # server settings may differ: read them again


@dataclass(frozen=True)
class SyncState:
    """How far this process's index has caught up with the store."""

    generation: str  # which copy of the fact base the index came from
    applied_seq: int
    synced_at: str  # the last sync that succeeded (UTC, ISO 8601)


@dataclass(frozen=True)
class VoteResult:
    outcome: VoteOutcome
    up: int  # the answer's votes, this one included
    down: int


class KnowledgeBase:
    """Answers questions from a FactStore through an in-memory Retriever."""

    def __init__(self, store: FactStore, config: Config) -> None:
        self.store = store
        self.config = config
        self._lock = threading.Lock()  # guards the retriever
        self._sync_lock = threading.Lock()  # one sync or reload at a time
        self._index_path = index_path(config) if store.path is not None else None
        self._writers: list[threading.Thread] = []  # saving the index, in the background
        conversation = config.conversation
        self.conversations = ConversationMemory(
            followup_seconds=conversation.followup_seconds,
            reply_seconds=conversation.reply_followup_seconds,
            max_speakers=conversation.max_speakers,
        )
        self._synced_at = utc_now()
        # Where the feed stands is read before the facts, so nothing committed
        # while they load is missed (it is applied, again, by the next sync).
        self._marker = store.change_marker()
        self._position = store.feed_position()
        saved = self._saved_retriever()
        self.loaded_saved_index = saved is not None  # else built from the facts
        if saved is None:
            self.retriever = self._new_retriever(self._position)
        else:
            # The saved index reflects an earlier point of the feed: catch up
            # with what was committed since (while this process was down).
            self.retriever, self._position = saved
            self._marker = (-1, -1)  # no marker SQLite gives: sync reads the feed
            self.sync()

    @classmethod
    def open(cls, config: Config, *, create: bool = False) -> KnowledgeBase:
        """Open the configured store (open_store) and index its live facts.

        With create=True (the bot's first run), a missing file is created, and
        a fact base without sources is built from the packaged files first.

        Raises StoreError (naming the file, or database.url) if it is missing
        (without create) or unusable, SchemaTooNewError if a newer FactBot
        wrote it, and FactFileError if the packaged files are invalid.
        """
        store = open_store(config, create=create)
        try:
            if create and not store.sources():
                report = build(store)
                logger.info("built the fact base at %s: %d facts", store.name, len(report.added))
            return cls(store, config)
        except BaseException:
            store.close()
            raise

    def _empty_retriever(self) -> tuple[Retriever, str]:
        """A retriever with the store's lexicon, sources and server aliases and
        no facts yet, and the fingerprint a saved index must have to fit it."""
        server_aliases = self.store.server_aliases()
        retriever = Retriever(
            Normalizer(runtime_lexicon(self.store)),
            self.config.retrieval,
            self.store.sources(),
            server_aliases=server_aliases,
        )
        if self._index_path is None:
            return retriever, ""
        lexicon = [
            self.store.aliases(),
            self.store.lexicon_entries(),
            {str(guild): aliases for guild, aliases in server_aliases.items()},
        ]
        return retriever, fingerprint(json.dumps(lexicon, sort_keys=True).encode())

    def _new_retriever(self, position: FeedPosition) -> Retriever:
        """The index built from the store's live facts (read after `position`),
        then saved in the background."""
        retriever, made_with = self._empty_retriever()
        retriever.load(self.store.live_facts())
        self._save_index(retriever, IndexKey(position.generation, position.seq, made_with))
        return retriever

    def _saved_retriever(self) -> tuple[Retriever, FeedPosition] | None:
        """The saved index and the feed position it reflects, when there is
        one that fits this fact base; None (logged, unless there is no file)
        when it is missing, damaged, made by other code or lexicon, or further
        behind the feed than catching up is worth."""
        path = self._index_path
        if path is None or not path.exists():
            return None
        retriever, made_with = self._empty_retriever()
        try:
            key, arrays = read_index(path)
        except IndexFileError as exc:
            logger.warning("cannot use the saved index (%s); building it from the facts", exc)
            return None
        now = self._position
        if key.fingerprint != made_with or key.generation != now.generation:
            why = "other code or lexicon" if key.generation == now.generation else "another copy"
            logger.info("the saved index %s was made for %s; building it anew", path, why)
            return None
        if not now.seq - RELOAD_AFTER_CHANGES <= key.seq <= now.seq:
            logger.info("the saved index %s is too far behind the fact base; building it", path)
            return None
        try:
            retriever.restore(arrays)
        except (KeyError, ValueError, IndexError) as exc:
            logger.warning("the saved index %s does not fit (%r); building it anew", path, exc)
            return None
        return retriever, FeedPosition(key.generation, key.seq)

    def _save_index(self, retriever: Retriever, key: IndexKey) -> None:
        """Save the index (not yet shared with other threads) in the background."""
        path = self._index_path
        if path is None:
            return
        try:
            arrays = retriever.to_arrays()
        except ValueError as exc:
            logger.warning("cannot save the index to %s: %s", path, exc)
            return
        writer = threading.Thread(
            target=_write_index, args=(path, key, arrays), name="factbot-index-writer"
        )
        writer.start()
        self._writers = [w for w in self._writers if w.is_alive()] + [writer]

    def reload(self) -> None:
        """Re-read sources, aliases and facts (after a build)."""
        with self._sync_lock:
            self._reload(self.store.change_marker(), self.store.feed_position())

    def _reload(self, marker: object, position: FeedPosition) -> None:
        retriever = self._new_retriever(position)
        with self._lock:
            self.retriever = retriever
        self._marker, self._position = marker, position

    def sync(self) -> SyncReport:
        """Apply what was committed to the store since the last sync, by any
        process: a changed fact is reindexed alone; new aliases, sources or
        synonym files, a restore, or a long way to catch up rebuild the index.
        When nothing was committed this costs no query.

        Raises StoreError when the store cannot be read; nothing is applied
        then, and the next call tries again from the same place."""
        with self._sync_lock:
            self.store.check_file_is_ours()
            marker = self.store.change_marker()
            if marker == self._marker:
                self._synced_at = utc_now()
                return SyncReport(self._position.seq)
            position = self.store.feed_position()
            last = self._position
            if (
                position.generation != last.generation
                or not last.seq <= position.seq <= last.seq + RELOAD_AFTER_CHANGES
            ):
                changes = None
            else:
                changes = self.store.changes_between(last.seq, position.seq)
                if any(change.kind not in (FACT, FACTS, SETTINGS) for change in changes):
                    changes = None
            fact_ids = self._changed_fact_ids(changes or [])
            # More facts to reindex than the index holds: building it anew is
            # cheaper (a bulk import into a small fact base).
            if changes is not None and len(fact_ids) > max(
                RELOAD_AFTER_CHANGES, len(self.retriever)
            ):
                changes = None
            if changes is None:
                self._reload(marker, position)
                report = SyncReport(position.seq, reloaded=True, settings_changed=True)
            else:
                self._reindex(fact_ids)
                self._marker, self._position = marker, position
                report = SyncReport(
                    position.seq,
                    facts=len(fact_ids),
                    settings_changed=any(c.kind == SETTINGS for c in changes),
                )
            self._synced_at = utc_now()
            return report

    def _changed_fact_ids(self, changes: list[Change]) -> list[str]:
        """The facts the changes name, each once, in order."""
        fact_ids: list[str] = []
        for change in changes:
            if change.kind == FACT and change.key:
                fact_ids.append(change.key)
            elif change.kind == FACTS and change.key:
                fact_ids.extend(self.store.audited_fact_ids(change.key))
        return list(dict.fromkeys(fact_ids))

    def _reindex(self, fact_ids: list[str]) -> None:
        """Upsert (or drop, when no longer live) each fact, a few hundred under
        each hold of the lock, so questions are answered in between."""
        for start in range(0, len(fact_ids), SYNC_FACTS_PER_LOCK):
            chunk = fact_ids[start : start + SYNC_FACTS_PER_LOCK]
            live = self.store.live_facts_by_id(chunk)
            with self._lock:
                for fact_id in chunk:
                    if fact_id in live:
                        self.retriever.upsert(live[fact_id])
                    else:
                        self.retriever.remove(fact_id)

    def sync_state(self) -> SyncState:
        return SyncState(self._position.generation, self._position.seq, self._synced_at)

    def ask(
        self,
        question: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | str | None = None,
        via: str = "cli",
        log: bool = True,
    ) -> AskResult:
        """Answer a question and (unless log=False) record it in the question log.

        Raises InvalidQuestionError for empty or over-long questions.
        """
        if isinstance(question, str):  # lone surrogates cannot be stored in the log
            question = _LONE_SURROGATE.sub("\ufffd", question)
        with self._lock:
            answer = self.retriever.ask(question, guild_id=guild_id)
        question_id = None
        if log:
            try:
                question_id = self._log(answer, guild_id, channel_id, user_id, via)
            except StoreError:
                # The answer comes from memory: give it even when the log cannot be
                # written (disk full, lock held too long); it just gets no vote buttons.
                logger.exception("could not record the question in the question log")
        return AskResult(answer=answer, question_id=question_id)

    def respond(
        self,
        message: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | str | None = None,
        via: str = "cli",
        replying: bool = False,
        questions_only: bool = False,
        log: bool = True,
    ) -> Response:
        """What FactBot says to a chat message: every question in it answered
        (follow-ups read against the same person's last question in the same
        channel), or a small-talk reply with an example question this server's
        facts answer. `questions_only` (auto-answer channels) says nothing to
        small talk or statements. The answer is logged unless log=False.

        Raises InvalidQuestionError for an empty or over-long message.
        """
        if isinstance(message, str):
            message = _LONE_SURROGATE.sub("\ufffd", message)
        with self._lock:
            retriever = self.retriever
        if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_CHARS:
            retriever.check_question(message)  # empty or far too long: refused before parsing
        if cleaned := clean_message(message):
            retriever.check_question(cleaned)  # what is left must fit the question limit

        def ask(question: str) -> Answer:
            with self._lock:  # a sync may be changing the index in another thread
                return retriever.ask(question, guild_id=guild_id)

        def known(word: str) -> bool:
            with self._lock:
                return _known(retriever, word, guild_id)

        responder = Responder(
            ask,
            retriever.normalizer,
            self.conversations,
            known=known,
            max_facts=self.config.retrieval.max_facts,
        )
        response = responder.respond(
            message,
            Speaker(guild_id, channel_id, user_id),
            replying=replying,
            questions_only=questions_only,
        )
        if response.kind is ResponseKind.SMALL_TALK:
            if questions_only:
                return Response(ResponseKind.NOTHING)
            return replace(response, example=self.example_question(guild_id, message))
        if response.kind is not ResponseKind.ANSWER or response.answer is None or not log:
            return response
        try:
            asked = " ".join(strip_discord_syntax(message).split())  # their words, no markup
            logged = replace(response.answer, question=asked or response.answer.question)
            question_id = self._log(logged, guild_id, channel_id, user_id, via)
        except StoreError:
            logger.exception("could not record the question in the question log")
            return response
        return replace(response, question_id=question_id)

    @staticmethod
    def asks_something(message: str) -> bool:
        """True when some clause of the message reads as a question (not small
        talk): what an auto-answer channel answers. Cheap, searches nothing."""
        return asks_something(message)

    def example_question(self, guild_id: int | None, seed: str = "") -> str:
        """A question the facts this server sees answer (its own facts first),
        to show how to ask; "" when there are none."""
        pick = zlib.crc32(seed.encode("utf-8", "replace"))
        with self._lock:
            fact = self.retriever.example_fact(guild_id, pick)
        return fact.questions[0] if fact is not None else ""

    def _log(
        self,
        answer: Answer,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | str | None,
        via: str,
    ) -> int:
        return self.store.log_question(
            LoggedQuestion(
                question=answer.question,
                status=answer.status.value,
                confidence=answer.confidence,
                fact_ids=tuple(sf.fact.id for sf in answer.facts)
                or tuple(s.fact_id for s in answer.suggestions),
                scores=tuple(sf.score for sf in answer.facts)
                or tuple(s.score for s in answer.suggestions),
                latency_ms=answer.latency_ms,
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                via=via,
            )
        )

    def answer_suggestion(
        self,
        question_id: int,
        index: int,
        *,
        guild_id: int | None,
        channel_id: int | None = None,
        user_id: int | str | None = None,
        via: str = "pick",
    ) -> AskResult:
        """The answer for "did you mean" choice `index` of a logged question.

        Only choices offered in the same server can be picked. Raises
        FactNotFoundError if the question, the choice or the fact is gone.
        """
        row = self.store.logged_question(question_id)
        if row["status"] != "suggest" or row["guild_id"] != guild_id:
            raise FactNotFoundError("that choice is no longer available")
        if not 0 <= index < len(row["fact_ids"]):
            raise FactNotFoundError("that choice is no longer available")
        fact_id = row["fact_ids"][index]
        offered = self._offered_question(row, index)
        with self._lock:
            answer = self.retriever.answer_with(fact_id, offered, guild_id)
        return AskResult(answer, self._log(answer, guild_id, channel_id, user_id, via))

    def _offered_question(self, row: dict[str, Any], index: int) -> str:
        """The "did you mean" question that was offered (asked again, as the log
        keeps fact ids only); the fact's first question if the choices changed."""
        fact_id = row["fact_ids"][index]
        asked = self.respond(row["question"], guild_id=row["guild_id"], log=False).answer
        again = asked.suggestions if asked is not None else ()
        if index < len(again) and again[index].fact_id == fact_id:
            return again[index].question
        questions = self.store.get_fact(fact_id).questions
        return questions[0] if questions else row["question"]

    # -- a server's aliases ----------------------------------------------
    def server_aliases(self, guild_id: int) -> dict[str, str]:
        """One server's aliases: alias -> the name it stands for."""
        return self.store.server_aliases(guild_id).get(guild_id, {})

    def add_server_alias(self, guild_id: int, alias: str, canonical: str, *, actor: str) -> str:
        """Make `alias` stand for `canonical` in one server's questions and
        facts (nowhere else), audited; returns the alias as stored. The index
        is rebuilt with it before this returns.

        Raises AliasError for a malformed alias or when the server has too many."""
        alias, canonical = clean_alias(alias, canonical)
        self.store.add_server_alias(guild_id, alias, canonical, actor=actor)
        self.sync()
        return alias

    def remove_server_alias(self, guild_id: int, alias: str, *, actor: str) -> str:
        """Forget one of a server's aliases, audited; returns what it stood for.

        Raises AliasError when the server has no such alias."""
        canonical = self.store.remove_server_alias(
            guild_id, " ".join(fold(alias).split()), actor=actor
        )
        self.sync()
        return canonical

    def index(self, fact: Fact) -> None:
        """Add or replace a fact in the live index (after it was saved)."""
        with self._lock:
            self.retriever.upsert(fact)

    def unindex(self, fact_id: str) -> None:
        """Drop a fact from the live index (after it was removed)."""
        with self._lock:
            self.retriever.remove(fact_id)

    @property
    def sources(self) -> dict[str, Source]:
        """The sources facts cite, by id (as indexed)."""
        return self.retriever.sources

    # -- votes -------------------------------------------------------------
    def vote(
        self, question_id: int, user_id: int | str, up: bool, *, guild_id: int | None
    ) -> VoteResult:
        """Record one user's vote on one answer (a second vote replaces the first).

        Raises FactNotFoundError if the answer is not in that server's question log.
        """
        outcome = self.store.record_vote(question_id, user_id, 1 if up else -1, guild_id=guild_id)
        ups, downs = self.store.votes(question_id)
        return VoteResult(outcome=outcome, up=ups, down=downs)

    # -- server settings -----------------------------------------------------
    def set_auto_answer(self, guild_id: int, channel_id: int, on: bool, *, actor: str) -> None:
        """Answer (or stop answering) questions in a channel without a mention."""
        self.store.set_auto_answer(guild_id, channel_id, on, actor=actor)

    def auto_answer_channels(self) -> set[int]:
        return self.store.auto_answer_channels()

    def set_admin_role(self, guild_id: int, role_id: int | None, *, actor: str) -> None:
        """Set (or, with None, clear) the role that may administer FactBot in a server."""
        self.store.set_admin_role(guild_id, role_id, actor=actor)

    def admin_roles(self) -> dict[int, int]:
        """guild id -> the admin role set for it."""
        return self.store.admin_roles()

    # -- statistics ------------------------------------------------------------
    def fact_counts(self, guild_id: int | None = None) -> dict[str, int]:
        """Live facts by origin ("curated", "admin"), of one server or all."""
        return self.store.fact_counts(guild_id)

    def usage_stats(self, guild_id: int | None) -> UsageStats:
        """Usage of one server, or (None) of all."""
        return compute_stats(self.store, guild_id)

    def close(self) -> None:
        for writer in self._writers:
            writer.join()
        self.store.close()


def _write_index(path: Path, key: IndexKey, arrays: dict[str, Any]) -> None:
    try:
        write_index(path, key, arrays)
    except OSError as exc:
        logger.warning("cannot save the index to %s: %s", path, exc)


def database_info(config: Config) -> DatabaseInfo:
    """A read-only look at the configured fact base (the file, or the
    PostgreSQL database), for health checks. Raises StoreError when it cannot."""
    if config.database.url:
        from .store.postgres import database_info as postgres_info  # psycopg only if used

        return postgres_info(config.database.url)
    return file_info(config.database.path)


def database_name(config: Config) -> Path | str:
    """The configured fact base as messages name it: the file, or the
    PostgreSQL URL without its password."""
    if config.database.url:
        from .store.postgres import redacted

        return redacted(config.database.url)
    return config.database.path


def open_store(config: Config, *, create: bool = False) -> FactStore:
    """The fact base the config names: the PostgreSQL database at database.url
    when it is set (its schema created or upgraded), else the SQLite file at
    database.path (created only with create=True).

    Raises StoreError naming the file or database.url, and saying how to fix
    it; SchemaTooNewError when a newer FactBot wrote the database."""
    database = config.database
    if database.url:
        return FactStore.open_url(database.url)
    return FactStore.open(
        Path(database.path), busy_timeout_ms=database.busy_timeout_ms, create=create
    )


def _known(retriever: Retriever, word: str, guild_id: int | None) -> bool:
    """True when the word (or a near spelling) is in the vocabulary the server sees."""
    prepared = retriever.prepare(word, guild_id)
    return prepared is not None and any(found for _, found in prepared.expansions)
