"""Paging: which slice of a list a page holds, and the links to its neighbours."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")


def page_slice(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """The items of ``page`` (counted from 1) when pages hold ``per_page`` items; empty past the end."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


def ordered_page(items: Sequence[T], reverse: bool, page: int, per_page: int) -> list[T]:
    """``page_slice`` of items already in order (or of their reverse), reading only that page's."""
    if not reverse:
        return page_slice(items, page, per_page)
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    stop = max(len(items) - (page - 1) * per_page, 0)
    return list(items[max(stop - per_page, 0) : stop])[::-1]


def sorted_page(items: Sequence[T], key: Callable[[T], Any], reverse: bool, page: int, per_page: int) -> list[T]:
    """``page_slice`` of ``sorted(items, key=key, reverse=reverse)``, without sorting everything:
    the first pages of a large list cost a heap of ``page * per_page`` items, not a full sort."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    wanted = page * per_page
    if wanted >= len(items) // 4:
        return page_slice(sorted(items, key=key, reverse=reverse), page, per_page)
    # Stored items mostly come in ascending order (ids, creation times): a descending page reads them
    # from the end, so the heap fills with the winners at once instead of replacing its top every item.
    best = heapq.nlargest(wanted, reversed(items), key=key) if reverse else heapq.nsmallest(wanted, items, key=key)
    return best[wanted - per_page:]


def page_links(
    url: str, query: dict[str, object], page: int, per_page: int, count: int
) -> tuple[str | None, str | None]:
    """Absolute URLs of the next and previous pages (None where there is none)."""

    def link(number: int) -> str:
        return f"{url}?{urlencode({**query, 'page': number})}"

    last = max(1, -(-count // per_page))
    following = link(page + 1) if page < last else None
    previous = link(min(page - 1, last)) if page > 1 else None
    return following, previous
