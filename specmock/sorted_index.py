"""Sorted indexes: a table's records split into groups, each group kept in one order, so that a
list filtered by the group and sorted that way is read as a slice (its total as a length) instead
of a scan and a sort of the whole table.

The store keeps each index it was asked for in step with every insert, update and removal, and
builds it again from the data after a reset or an undone write. An index whose keys cannot be
compared (a record with a number where the others hold text) is dropped: the caller then scans, as
it would without one.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Ordering:
    """How an index groups a table's records and orders each group (ascending): both read a stored
    record and must not depend on anything else (the time, another table)."""

    name: str
    group: Callable[[Record], Hashable]
    order: Callable[[Record], Any]


class SortedIndex:
    def __init__(self, ordering: Ordering) -> None:
        self.ordering = ordering
        self.groups: dict[Hashable, list[tuple[Any, int]]] = {}

    def add(self, record: Record, doc_id: int) -> None:
        """Raises ``TypeError`` when the record's order key cannot be compared with the group's."""
        entry = (self.ordering.order(record), doc_id)
        members = self.groups.setdefault(self.ordering.group(record), [])
        if not members or members[-1] < entry:  # the usual case: the newest record
            members.append(entry)
        else:
            bisect.insort(members, entry)

    def discard(self, record: Record, doc_id: int) -> None:
        key = self.ordering.group(record)
        members = self.groups.get(key, [])
        entry = (self.ordering.order(record), doc_id)
        at = bisect.bisect_left(members, entry)
        if at < len(members) and members[at] == entry:
            del members[at]
            if not members:
                del self.groups[key]

    def entries(self, group: Hashable) -> list[tuple[Any, int]]:
        """(order key, doc id) of the group's records, ascending."""
        return self.groups.get(group, [])


class Ordered(Sequence):
    """One group of a sorted index as a sequence of stored records (read them, never change them),
    valid while the store's lock is held."""

    def __init__(self, entries: list[tuple[Any, int]], document: Callable[[int], Record]) -> None:
        self._entries = entries
        self._document = document

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, at: Any) -> Any:
        if isinstance(at, slice):
            return [self._document(doc_id) for _, doc_id in self._entries[at]]
        return self._document(self._entries[at][1])

    def __iter__(self) -> Iterator[Record]:
        return (self._document(doc_id) for _, doc_id in self._entries)
