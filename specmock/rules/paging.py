"""Paging: which slice of a list a page holds, and the links to its neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

T = TypeVar("T")


def page_slice(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """The items of ``page`` (counted from 1) when pages hold ``per_page`` items; empty past the end."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


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
