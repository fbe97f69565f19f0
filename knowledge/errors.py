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
