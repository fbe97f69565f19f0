"""The fact base in SQLite: opening, checking, migrating, reading and writing it, and backups."""

from .connection import utc_now
from .fact_store import FactStore
from .question_log import LoggedQuestion
from .records import citation_for, fact_from_record, fact_to_record, record_hash

__all__ = [
    "FactStore",
    "LoggedQuestion",
    "citation_for",
    "fact_from_record",
    "fact_to_record",
    "record_hash",
    "utc_now",
]
