"""Named exceptions raised by the knowledge package.

Callers (the CLI, the console and the bot) turn these into messages; anything
else that escapes is a bug.
"""


class KnowledgeError(Exception):
    """Base class for every error the knowledge package raises on purpose."""


class ConfigError(KnowledgeError):
    """A config file is missing, unreadable or holds a bad value.

    The message names the file and the key.
    """


class FactFileError(KnowledgeError):
    """A curated facts, sources or aliases file is malformed.

    The message names the file and, where there is one, the fact id.
    """


class CitationError(FactFileError):
    """A fact's quote is not found verbatim in the paragraph it cites."""


class StoreError(KnowledgeError):
    """The SQLite fact base cannot be opened, read or written.

    The message names the database file.
    """


class SchemaTooNewError(StoreError):
    """The database was written by a newer FactBot; it is left untouched."""


class FactNotFoundError(KnowledgeError):
    """No fact with the given id is visible to the caller."""


class InvalidQuestionError(KnowledgeError):
    """A question is empty, too long or has no searchable text."""


class FactChangedError(KnowledgeError):
    """Facts changed after a preview of a change was made (a dry run, an open form,
    a confirm button): nothing was written. `fact_ids` names them."""

    def __init__(self, fact_ids: list[str] | tuple[str, ...], redo: str = "start again") -> None:
        self.fact_ids = tuple(fact_ids)
        names = ", ".join(f"`{i}`" for i in self.fact_ids[:5])
        if len(self.fact_ids) > 5:
            names += f" and {len(self.fact_ids) - 5} more"
        super().__init__(f"{names} changed since this preview; {redo}. Nothing was written.")


class ScopeConflictError(KnowledgeError):
    """A write would turn a fact of one scope (a server, or the curated facts) into
    another's; nothing was written."""


class AlreadyAppliedError(KnowledgeError):
    """A plan (an import's dry run) was applied before; applying it again does nothing."""


class AliasError(KnowledgeError):
    """A server alias cannot be added or removed (malformed, unknown, too many);
    nothing was written."""
