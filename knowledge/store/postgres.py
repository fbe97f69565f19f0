"""The fact base on a PostgreSQL server (database.url): the PostgreSQL side of
the store's backend seam (knowledge.store.backend), in one place per concern:
connecting (and saying clearly what is wrong with the URL, the credentials or
the server), the schema and its version, its `Tx` and `Dialect`, and the
change feed's cheap "did anything change?" check.

Why a change takes a lock: a reader of the change feed keeps a cursor (the
last `seq` it applied) and reads `seq > cursor`. PostgreSQL hands out sequence
numbers when a row is inserted, not when its transaction commits, so with two
writers seq 8 can commit before seq 7 does; a reader polling in between would
move its cursor to 8 and never see 7. A transaction that adds a change row
therefore first takes one transaction-scoped advisory lock
(`pg_advisory_xact_lock`, `PgTx.lock_change_feed`), so such writers commit one
at a time and sequence numbers become visible in order, as they do on SQLite,
which has one writer at a time. Writes that add no change row (the question
log, votes) and reads take no lock.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row, tuple_row

from ..errors import SchemaTooNewError, StoreError
from .backend import Dialect, Tx, utc_now
from .changes import FEED_POSITION_SQL, Change, FeedPosition, feed_position_of, record_change
from .dbinfo import DatabaseInfo

SETTING = "database.url (or FACTBOT_DATABASE__URL)"
URL_SCHEMES = ("postgresql", "postgres")

# The one advisory lock every write takes (any constant; "FactBot" in hex-ish).
WRITE_LOCK_KEY = 0x0FAC7B07

# The schema, as numbered steps; `factbot_schema` holds the last one applied.
# Never edit a step that has shipped: add one. The logical schema is SQLite's
# (migrations.py, up to 0007_fact_search): same tables, columns and keys.
SCHEMA_STEPS: tuple[tuple[str, ...], ...] = (
    (
        "create table meta (key text primary key, value text)",
        "create table sources (id text primary key, title text, publisher text, date text, "
        "url text, attribution text, paragraphs text)",
        "create table facts (id text primary key, text text not null, "
        "source_id text references sources (id), paragraph integer, quote text, "
        "citation_note text, origin text not null, guild_id bigint, created_by text, "
        "created_at text not null, updated_by text, updated_at text not null, "
        "deleted_at text, deleted_by text, deleted_reason text, curated_hash text)",
        "create index facts_guild_id on facts (guild_id)",
        "create index facts_live_by_update on facts (updated_at desc, id, guild_id) "
        "where deleted_at is null",
        "create index facts_removed_by_update on facts (updated_at desc, id, guild_id) "
        "where deleted_at is not null",
        # PostgreSQL's full-text search stands in for SQLite's FTS5 table.
        "create index facts_text_search on facts using gin (to_tsvector('simple', text))",
        "create table fact_questions (fact_id text references facts (id), position integer, "
        "question text, primary key (fact_id, position))",
        "create table fact_keywords (fact_id text references facts (id), position integer, "
        "keyword text, primary key (fact_id, position))",
        "create table aliases (alias text primary key, canonical text)",
        "create table audit_log (id bigserial primary key, at text, actor text, action text, "
        "fact_id text, guild_id bigint, before text, after text)",
        "create index audit_log_fact_id on audit_log (fact_id)",
        "create table question_log (id bigserial primary key, asked_at text, question text, "
        "status text, confidence double precision, fact_ids text, scores text, "
        "latency_ms double precision, guild_id bigint, channel_id bigint, user_hash text, "
        "via text, reviewed_at text, reviewed_by text)",
        "create index question_log_asked_at on question_log (asked_at)",
        "create index question_log_guild_asked on question_log (guild_id, asked_at)",
        "create index question_log_status_guild on question_log (status, guild_id)",
        "create table feedback (question_id bigint references question_log (id), "
        "user_hash text, vote integer, at text, primary key (question_id, user_hash))",
        "create table guild_settings (guild_id bigint primary key, admin_role_id bigint, "
        "updated_by text, updated_at text)",
        "create table auto_answer_channels (guild_id bigint, channel_id bigint, "
        "updated_by text, updated_at text, primary key (guild_id, channel_id))",
        "create table changes (seq bigserial primary key, at text not null, "
        "kind text not null, key text)",
        "create table lexicon_entries (kind text, canonical text, position integer, "
        "phrase text, primary key (kind, canonical, position))",
        "create table server_aliases (guild_id bigint, alias text, canonical text not null, "
        "created_by text, created_at text, primary key (guild_id, alias))",
        "create table imports (id bigserial primary key, file text, digest text not null, "
        "guild_id bigint, actor text, started_at text not null, updated_at text, "
        "finished_at text, to_write integer not null, written integer not null)",
    ),
    (
        # The order facts were added in (SQLite's rowid), which the index loads them in.
        "alter table facts add column row_order bigserial",
        "create unique index facts_row_order on facts (row_order)",
    ),
)
SCHEMA_VERSION = len(SCHEMA_STEPS)


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in URL_SCHEMES


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))


POSTGRES = Dialect(
    name="postgresql",
    row_order="row_order",
    json_values_sql="select value from json_array_elements_text({param}::json) value",
    json_rows_sql="json_array_elements_text({column}::json) {alias}(value)",
    joined_sql="string_agg({column}, ' ' order by {order})",
    contains_sql="strpos({text}, {part}) > 0",
    trimmed_sql="btrim({text}, {characters})",
    latest_sql="(array_agg({value} order by {order} desc))[1]",
)


def pg_sql(sql: str) -> bytes:
    """The store's SQL (`?` placeholders) as psycopg takes it (`%s`, and `%%`
    for a literal percent sign)."""
    return sql.replace("%", "%%").replace("?", "%s").encode()


class PgTx(Tx):
    """Statements on one psycopg cursor (inside PostgresStore.transaction, or reads)."""

    dialect = POSTGRES

    def __init__(self, cur: psycopg.Cursor[dict[str, Any]]) -> None:
        self.cur = cur
        self._feed_locked = False

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        self.cur.execute(pg_sql(sql), list(params))
        return list(self.cur.fetchall()) if self.cur.description else []

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        self.cur.execute(pg_sql(sql), list(params))
        return self.cur.rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.cur.executemany(pg_sql(sql), rows)

    def columns(self, table: str) -> list[str]:
        self.cur.execute(f'select * from "{table}" limit 0'.encode())
        return [column.name for column in self.cur.description or ()]

    def stream(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor (inside the snapshot's transaction), fetched in batches.
        with self.cur.connection.cursor(
            name=f"factbot_stream_{secrets.token_hex(4)}", row_factory=tuple_row
        ) as named:
            named.itersize = 2000
            named.execute(pg_sql(sql), list(params))
            yield from named

    def lock_change_feed(self) -> None:
        if not self._feed_locked:
            self.cur.execute("select pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
            self._feed_locked = True


def _connect(url: str, timeout_s: int) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(url, connect_timeout=timeout_s, autocommit=True, row_factory=dict_row)


def _explain(exc: psycopg.Error) -> str:
    """psycopg's message, first line, without the libpq noise."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class PostgresStore:
    """The connection to one fact base on a PostgreSQL server."""

    dialect = PgTx.dialect

    def __init__(
        self, conn: psycopg.Connection[dict[str, Any]], url: str, connect_timeout_s: int = 5
    ) -> None:
        self.conn = conn
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self._lock = threading.RLock()

    @classmethod
    def open(cls, url: str, *, connect_timeout_s: int = 5) -> Self:
        """Connect to the server at `url`, create or upgrade the schema.

        Raises StoreError naming the setting and what to do when the URL is not
        a PostgreSQL one, the server cannot be reached, or refuses the
        credentials or the database; SchemaTooNewError when a newer FactBot
        wrote the schema (which is then left untouched)."""
        if not is_postgres_url(url):
            raise StoreError(
                f"{SETTING} = {redacted(url)!r}: not a PostgreSQL URL; "
                "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            )
        try:
            conn = _connect(url, connect_timeout_s)
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"{SETTING} = {redacted(url)!r}: cannot connect: {_explain(exc)}; check "
                "that the server runs and is reachable, and the user, password and "
                "database name"
            ) from None
        except psycopg.ProgrammingError as exc:  # a URL libpq cannot parse
            raise StoreError(
                f"{SETTING} = {redacted(url)!r}: not a valid PostgreSQL URL: {_explain(exc)}"
            ) from None
        store = cls(conn, url, connect_timeout_s)
        try:
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def _migrate(self) -> None:
        with self.write() as cur:
            cur.execute(
                "create table if not exists factbot_schema (version integer not null, "
                "applied_at text not null)"
            )
            cur.execute("select coalesce(max(version), 0) v from factbot_schema")
            row = cur.fetchone()
            version = int(row["v"]) if row else 0
            if version > SCHEMA_VERSION:
                raise SchemaTooNewError(
                    f"{SETTING} = {redacted(self.url)!r}: the database's schema is version "
                    f"{version}, written by a newer FactBot (this one knows up to "
                    f"{SCHEMA_VERSION}); upgrade FactBot, or point {SETTING} at another "
                    "database. Nothing was changed."
                )
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in SCHEMA_STEPS[number - 1]:
                    cur.execute(statement.encode())
                cur.execute(
                    "insert into factbot_schema (version, applied_at) values (%s, %s)",
                    [number, utc_now()],
                )
            if version == 0:
                cur.execute(
                    "insert into meta (key, value) values ('generation', %s)",
                    [secrets.token_hex(8)],
                )

    @property
    def schema_version(self) -> int:
        """The number of the last schema step applied."""
        return int(self.read("select coalesce(max(version), 0) v from factbot_schema")[0]["v"])

    @contextmanager
    def write(self) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        """A write with the change feed's advisory lock taken first (see the
        module's docstring), as a psycopg cursor (`%s` placeholders): for
        copying and maintenance. The store modules use `transaction`."""
        with self.transaction() as tx:
            tx.lock_change_feed()
            yield cast(PgTx, tx).cur

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """The one write path: one transaction (nested ones are savepoints).
        Raises StoreError when the server refuses or is gone; the transaction
        is then rolled back, nothing half-applied."""
        with self._lock:
            try:
                self._reconnect_if_lost()
                with self.conn.transaction(), self.conn.cursor() as cur:
                    yield PgTx(cur)
            except psycopg.Error as exc:
                raise StoreError(f"{self.name}: write failed: {_explain(exc)}") from exc

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """Several reads under the connection's lock (no transaction)."""
        with self._lock:
            try:
                self._reconnect_if_lost()
                with self.conn.cursor() as cur:
                    yield PgTx(cur)
            except psycopg.Error as exc:
                raise StoreError(f"{self.name}: read failed: {_explain(exc)}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Reads that all see one consistent state of the database, while other
        processes keep writing (a read-only REPEATABLE READ transaction)."""
        with self._lock:
            try:
                self._reconnect_if_lost()
                with self.conn.transaction(), self.conn.cursor() as cur:
                    cur.execute("set transaction isolation level repeatable read, read only")
                    yield PgTx(cur)
            except psycopg.Error as exc:
                raise StoreError(f"{self.name}: read failed: {_explain(exc)}") from exc

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """One read-only query (`?` placeholders); rows as dicts. Raises
        StoreError when the server refuses or is gone."""
        with self.reading() as tx:
            return tx.query(sql, params)

    @property
    def name(self) -> str:
        """The database, as messages name it (the URL without its password)."""
        return redacted(self.url)

    def check_file_is_ours(self) -> None:
        """Nothing to check: there is no file to be replaced under us."""

    def _reconnect_if_lost(self) -> None:
        """After the server restarted or the network dropped, psycopg closes the
        connection; the next read or write opens a new one (and raises, to be
        reported as a failed read or write, while the server is still away)."""
        if self.conn.closed:
            self.conn = _connect(self.url, self.connect_timeout_s)

    # The change feed, as changes.py has it for SQLite.

    @staticmethod
    def record_change(
        cur: psycopg.Cursor[dict[str, Any]], kind: str, key: str | int | None = None
    ) -> None:
        """Add one row to the feed inside write() (changes.record_change on a cursor)."""
        record_change(PgTx(cur), kind, key)

    def change_marker(self) -> int:
        """The last change committed, by any process: one index lookup, the
        cheap stand-in for SQLite's PRAGMA data_version."""
        return int(self.read("select coalesce(max(seq), 0) seq from changes")[0]["seq"])

    def feed_position(self) -> FeedPosition:
        return feed_position_of(self.read(FEED_POSITION_SQL)[0])

    def changes_between(self, after: int, up_to: int) -> list[Change]:
        return [
            Change(seq=int(r["seq"]), kind=r["kind"], key=r["key"])
            for r in self.read(
                "select seq, kind, key from changes where seq > ? and seq <= ? order by seq",
                [after, up_to],
            )
        ]


def database_info(url: str, *, connect_timeout_s: int = 5) -> DatabaseInfo:
    """What `python -m bot status` reports of the fact base at `url`: its size,
    live facts, schema steps and change feed. Only reads (never creates the
    schema). Raises StoreError naming database.url when it cannot."""
    try:
        with _connect(url, connect_timeout_s) as conn:
            found = conn.execute("select to_regclass('factbot_schema') t").fetchone()
            if found is None or found["t"] is None:
                raise StoreError(f"{SETTING} = {redacted(url)!r}: not a FactBot database")
            row = conn.execute(
                "select (select coalesce(max(version), 0) from factbot_schema) version, "
                "(select count(*) from facts where deleted_at is null) facts, "
                "pg_database_size(current_database()) size, "
                + FEED_POSITION_SQL.removeprefix("select ")
            ).fetchone()
    except psycopg.Error as exc:
        raise StoreError(f"{SETTING} = {redacted(url)!r}: cannot read: {_explain(exc)}") from None
    assert row is not None
    applied = range(1, int(row["version"]) + 1)
    return DatabaseInfo(
        path=redacted(url),
        size_bytes=int(row["size"]),
        wal_bytes=0,
        facts=int(row["facts"]),
        schema_steps=tuple(str(n) for n in applied),
        pending_steps=tuple(str(n) for n in range(len(applied) + 1, SCHEMA_VERSION + 1)),
        unknown_steps=tuple(str(n) for n in applied if n > SCHEMA_VERSION),
        latest_change=int(row["seq"]),
        generation=row["generation"],
    )
