"""The fact base in SQLite: opening, checking, migrating, reading and writing it, and backups."""
