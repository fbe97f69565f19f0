"""What a retriever restored from the saved index reads from its arrays when
asked, instead of holding every fact's objects: the facts (one JSON record
each) and other per-fact columns, and lookups by key (fact ids, phrasing
keys). What changed since it was saved is kept as objects beside them.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import fields
from typing import Any, Generic, TypeVar

from ..models import Fact

T = TypeVar("T")


_FIELDS = tuple(field.name for field in fields(Fact))
_TUPLES = tuple(i for i, field in enumerate(fields(Fact)) if str(field.type).startswith("tuple"))


def fact_record(fact: Fact) -> str:
    """A fact as one JSON array of its fields (NUL characters escaped)."""
    return json.dumps([getattr(fact, name) for name in _FIELDS], ensure_ascii=False)


def fact_from_record(record: str) -> Fact:
    """The fact fact_record wrote (its lists were tuples)."""
    values: list[Any] = json.loads(record)
    for i in _TUPLES:
        values[i] = tuple(values[i])
    return Fact(*values)


class SavedColumn(Generic[T]):
    """A list-like column by fact number: its first `saved` entries are read
    from the saved index (`read(number)`) when they are asked for, and up to
    `remember` of them kept (questions keep reaching the same facts); the
    entries set or appended since are kept as they are."""

    __slots__ = ("_added", "_changed", "_read", "_recent", "_remember", "_saved")

    def __init__(self, read: Callable[[int], T], saved: int, remember: int = 0) -> None:
        self._read = read
        self._saved = saved
        self._changed: dict[int, T] = {}
        self._added: list[T] = []
        self._recent: dict[int, T] = {}
        self._remember = remember

    def _saved_value(self, number: int) -> T:
        recent = self._recent
        if number in recent:
            return recent[number]
        value = self._read(number)
        if self._remember:
            if len(recent) >= self._remember:
                recent.clear()  # (atomic: readers may share the column)
            recent[number] = value
        return value

    def __len__(self) -> int:
        return self._saved + len(self._added)

    def __getitem__(self, number: int) -> T:
        if number >= self._saved:
            return self._added[number - self._saved]
        if number < 0:
            raise IndexError(number)
        changed = self._changed
        return changed[number] if number in changed else self._saved_value(number)

    def __setitem__(self, number: int, value: T) -> None:
        if number >= self._saved:
            self._added[number - self._saved] = value
        elif number < 0:
            raise IndexError(number)
        else:
            self._changed[number] = value  # read before _recent

    def __iter__(self) -> Iterator[T]:
        return (self[number] for number in range(len(self)))

    def append(self, value: T) -> None:
        self._added.append(value)


class _Gone:
    """A key deleted from a SavedLookup since it was saved."""


_GONE = _Gone()


class SavedLookup(MutableMapping[str, T]):
    """A mapping whose saved part is read from the saved index: its keys in
    ascending order (found by binary search) and `value(i)` for the i-th.
    Keys set or deleted since are kept in a dict."""

    __slots__ = ("_changed", "_keys", "_size", "_value")

    def __init__(self, keys: Sequence[str], value: Callable[[int], T]) -> None:
        self._keys = keys
        self._value = value
        self._changed: dict[str, T | _Gone] = {}
        self._size = len(keys)

    def _saved(self, key: str) -> int:
        """Where the key is among the saved keys, -1 when it is not."""
        i = bisect.bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else -1

    def __getitem__(self, key: str) -> T:
        changed = self._changed.get(key)
        if changed is None:
            i = self._saved(key)
            if i >= 0:
                return self._value(i)
        elif not isinstance(changed, _Gone):
            return changed
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        changed = self._changed.get(key)
        if changed is None:
            return self._saved(key) >= 0
        return not isinstance(changed, _Gone)

    def __setitem__(self, key: str, value: T) -> None:
        if key not in self:
            self._size += 1
        self._changed[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._changed[key] = _GONE
        self._size -= 1

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        changed = self._changed
        for i in range(len(self._keys)):
            if self._keys[i] not in changed:
                yield self._keys[i]
        yield from (key for key, value in changed.items() if not isinstance(value, _Gone))
