"""FactStore: the one object that reads and writes a fact base.

Each part lives in its own module: the connection and write path
(connection.py), facts and their audit log (facts.py), the full-text
search over them (fact_search.py), sources and aliases
(references.py), the question log and votes (question_log.py), server
settings (server_settings.py), server aliases (server_aliases.py), the change
feed (changes.py) and the journal of bulk imports (imports.py). Every
method is thread-safe.
"""

from __future__ import annotations

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
