"""The store's backend seam: what the store modules need from a database, and
the few places where SQLite's SQL and PostgreSQL's differ.

The store modules (facts.py, changes.py, question_log.py, ...) write SQL once,
with `?` placeholders and what both databases understand (`on conflict ... do
update`, `is not distinct from`, `returning`), and run it through a `Tx`: one
transaction inside `write()`, or plain reads outside one. A backend is chosen
once, when the store is opened (sqlite_backend.py for a file, postgres.py for
database.url), and brings its `Tx` and its `Dialect`, the SQL fragments that
differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def utc_now() -> str:
    """Now, as the fact base stores times (ISO 8601, UTC, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Dialect:
    """The SQL that differs between the backends, as templates: SQLITE here,
    POSTGRES in postgres.py."""

    name: str
    row_order: str  # the column that keeps facts in the order they were added
    json_values_sql: str  # {param}: a JSON list parameter
    json_rows_sql: str  # {column}, {alias}
    joined_sql: str  # {column}, {order}
    contains_sql: str  # {text}, {part}
    trimmed_sql: str  # {text}, {characters}
    latest_sql: str  # {value}, {order}

    def json_values(self, param: str = "?") -> str:
        """A subquery of the values of a JSON list parameter (`id in (...)`)."""
        return self.json_values_sql.format(param=param)

    def json_rows(self, column: str, alias: str) -> str:
        """A FROM item with one row (`alias.value`) per element of a JSON list column."""
        return self.json_rows_sql.format(column=column, alias=alias)

    def joined(self, column: str, order: str) -> str:
        """The aggregate joining `column` of a group with spaces, in `order`."""
        return self.joined_sql.format(column=column, order=order)

    def contains(self, text: str, part: str) -> str:
        """A condition: `part` occurs in `text`."""
        return self.contains_sql.format(text=text, part=part)

    def trimmed(self, text: str, characters: str) -> str:
        """`text` without `characters` at either end."""
        return self.trimmed_sql.format(text=text, characters=characters)

    def latest(self, value: str, order: str) -> str:
        """In a grouped query, `value` of the group's row with the largest
        `order` (the query must select max(order) too: SQLite then takes a
        bare column from that row)."""
        return self.latest_sql.format(value=value, order=order)


SQLITE = Dialect(
    name="sqlite",
    row_order="rowid",
    json_values_sql="select value from json_each({param})",
    json_rows_sql="json_each({column}) {alias}",
    joined_sql="group_concat({column}, ' ')",  # in the order the rows are read
    contains_sql="instr({text}, {part}) > 0",
    trimmed_sql="trim({text}, {characters})",
    latest_sql="{value}",
)


def ids_param(ids: Iterable[Any]) -> str:
    """A list of values as the JSON parameter `Dialect.json_values` reads."""
    return json.dumps(list(ids))


class Tx:
    """One transaction on the fact base (or, outside write(), its reads).

    A backend implements query, execute and executemany; the helpers below
    build the same SQL for both."""

    dialect: Dialect

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        """The table's column names, in order."""
        raise NotImplementedError

    def stream(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """A query's rows as tuples, read from the database as they are
        iterated (for exports: a whole table is never held in memory)."""
        raise NotImplementedError

    def lock_change_feed(self) -> None:
        """Before a change row is added: make change rows commit in `seq` order
        (nothing to do where there is one writer at a time)."""

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def insert(self, table: str, row: dict[str, Any], *, returning: str | None = None) -> Any:
        """INSERT one row; with `returning`, that column of the new row (its id)."""
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" * len(row))
        sql = f'insert into "{table}" ({columns}) values ({marks})'
        if returning is None:
            self.execute(sql, list(row.values()))
            return None
        return self.scalar(f"{sql} returning {returning}", list(row.values()))

    def upsert(
        self, table: str, row: dict[str, Any], pk: Sequence[str], *, keep_existing: bool = False
    ) -> None:
        """INSERT one row, or update the row with the same primary key (with
        keep_existing, leave that row as it is)."""
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" * len(row))
        keys = ", ".join(f'"{c}"' for c in pk)
        others = [c for c in row if c not in pk]
        action = (
            "do update set " + ", ".join(f'"{c}" = excluded."{c}"' for c in others)
            if others and not keep_existing
            else "do nothing"
        )
        self.execute(
            f'insert into "{table}" ({columns}) values ({marks}) on conflict ({keys}) {action}',
            list(row.values()),
        )

    def update(self, table: str, key: dict[str, Any], values: dict[str, Any]) -> int:
        """UPDATE the row(s) matching `key`; how many changed."""
        sets = ", ".join(f'"{c}" = ?' for c in values)
        where = " and ".join(f'"{c}" = ?' for c in key)
        return self.execute(
            f'update "{table}" set {sets} where {where}', [*values.values(), *key.values()]
        )

    def exists(self, table: str, where: str, params: Iterable[Any] = ()) -> bool:
        return bool(self.query(f'select 1 from "{table}" where {where} limit 1', params))
