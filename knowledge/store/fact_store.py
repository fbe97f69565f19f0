"""FactStore: the one object that reads and writes a fact base.

Each part lives in its own module: the connection and write path
(connection.py), facts and their audit log (facts.py), the full-text
search over them (fact_search.py), sources and aliases
(references.py), the question log and votes (question_log.py), server
settings (server_settings.py), server aliases (server_aliases.py), the change
feed (changes.py) and the journal of bulk imports (imports.py). Every
method is thread-safe.

`FactStore.open` opens an SQLite file, `FactStore.open_url` a PostgreSQL
database (database.url); the modules are the same on both, through the
backend seam (backend.py), except fact search, which PgFactSearch
(pg_search.py) answers on PostgreSQL.
"""

from __future__ import annotations

from typing import Self

from .changes import ChangeFeed
from .fact_search import FactSearch
from .facts import FactTable
from .imports import ImportJournal
from .question_log import QuestionLog
from .references import References
from .server_aliases import ServerAliases
from .server_settings import ServerSettings


class FactStore(
    FactTable,
    FactSearch,
    ImportJournal,
    References,
    QuestionLog,
    ServerSettings,
    ServerAliases,
    ChangeFeed,
):
    """Reads and writes the fact base. Every method is thread-safe."""

    @classmethod
    def open_url(cls, url: str, *, connect_timeout_s: int = 5) -> Self:
        """Open (and create or upgrade the schema of) the fact base on the
        PostgreSQL server at `url`.

        Raises StoreError naming database.url and what to do when the URL is
        wrong, the server cannot be reached or refuses the credentials or the
        database; SchemaTooNewError when a newer FactBot wrote the schema."""
        from .pg_search import PostgresFactStore  # psycopg is imported only when used
        from .postgres import PostgresStore

        backend = PostgresStore.open(url, connect_timeout_s=connect_timeout_s)
        return PostgresFactStore(backend)  # type: ignore[return-value]
