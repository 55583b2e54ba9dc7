"""``paging_consistent``: walking a list page by page gives every item exactly once, in order.

Derived from the list operation's paging parameters and answer shape as
``specmock.contract.resources`` infers them (``page``/``per_page``, ``page``/``page_size``,
``offset``/``limit``, cursors; the total and the ``next``/``previous`` links). Once per resource and
run, after a list answered 2xx, the check reads the list with the contract's own query values,
first making sure there are at least three items (creating them with the contract's example when
there are fewer), in pages of a third of the total, and asserts:

* every page but the last holds exactly the page size, the last at least one item, past the end
  is empty (or a 4xx the operation declares);
* no item appears twice, and the pages put together are the same items in the same order as one
  page holding them all (when the contract allows a page that large);
* the total is the same on every page and equals the number of items walked;
* ``next`` of each page leads to the following page, ``previous`` to the one before, and neither
  exists where there is no such page; a page number or size the answer repeats is the one asked.

A walk that breaks a rule is walked again, and reported only when the second walk reads the same
items with the same faults: a write landing in the middle of it (another worker, another client
of a shared backend) is not taken for a bug.
"""

from __future__ import annotations

import math
import time
from typing import Any

import schemathesis

from specmock.contract.model import Operation
from specmock.contract.resources import Resource
from specmock.verify.context import Exchange, Identity, RunContext, context_of, json_of
from specmock.verify.failures import PagingBroken
from specmock.verify.lists import (
    Page,
    at,
    fetch_page,
    items_of,
    key_of,
    link_of,
    page_query,
    page_sizes,
    parents_of,
    queries,
    total_of,
)
from specmock.verify.seeding import seed

MAX_PAGES = 4
WANTED = 3  # items the walk needs: three pages of one
MAX_CREATED = 12  # items a walk creates at most, where the smallest page size allowed needs more than three


@schemathesis.check
def paging_consistent(ctx: Any, response: Any, case: Any) -> None:
    """Walking a paged list gives every item once, in order, with totals and links that agree."""
    run = context_of(case)
    found = run.resource_of(run.operation_of(case))
    if not found or found[1] != "list" or not 200 <= response.status_code < 300:
        return None
    resource = found[0]
    shown = _page_problems(resource, case, response)
    if shown:
        raise PagingBroken(operation=case.operation.label, message="; ".join(shown))
    if resource.paging.style not in ("page", "offset", "cursor") or not run.spend("paging", resource.name):
        return None
    op = run.op(resource, "list")
    base = queries(run, resource, op) if op is not None else None
    if op is None or not base:
        return None
    sizes = page_sizes(op, resource.paging, run.document)
    if sizes.required and sizes.fit(1) is None:
        return None  # a page size must be sent and the contract allows none a walk can use
    who, parents = run.first_for(response), parents_of(case, resource)
    with run.lock:
        created = _ensure_items(run, resource, who, parents, op, base[0])
        walk = Walk(run, resource, op, who, parents, base[0])
        problems = walk.problems()
        if problems:
            time.sleep(0.2)
            again = Walk(run, resource, op, who, parents, base[0])
            # Reported only when the second walk saw the same data and the same faults: a write by
            # someone else in between (another worker, another client) is nobody's paging bug.
            same = (again.first.keys, again.walked()) == (walk.first.keys, walk.walked())
            problems = again.problems() if same else []
            walk = again
        _clean_up(run, resource, who, parents, created)
    if problems:
        curls = [exchange.curl for exchange in walk.shown[:6]]
        raise PagingBroken(operation=case.operation.label, message="\n".join(
            [f"{op.label}, read in pages of {walk.size}:", *[f"- {p}" for p in problems[:6]], "",
             "Reproduce the walk with:", "", *curls]))
    return None


def _page_problems(resource: Resource, case: Any, response: Any) -> list[str]:
    """What one list answer shows wrong by itself: more items than the page size asked (or the
    contract's default), fewer in total than on the page."""
    body = json_of(response)
    items, total = items_of(body, resource), total_of(body, resource)
    if items is None:
        return []
    problems = []
    asked = (case.query or {}).get(resource.paging.size) if resource.paging.size else None
    size = asked if isinstance(asked, int) and not isinstance(asked, bool) else \
        resource.paging.default_size if resource.paging.size and asked is None else None
    if size is not None and size >= 1 and len(items) > size:
        problems.append(f"{len(items)} items on a page of {size}")
    if total is not None and total < len(items):
        problems.append(f"`{'.'.join(resource.list_shape.total or ())}` is {total}, less than the {len(items)} "
                        "items on the page")
    return problems


def _ensure_items(run: RunContext, resource: Resource, who: Identity, parents: dict[str, Any], op: Operation,
                  query: dict[str, Any]) -> list[str]:
    """Create items until the list spans more than one page of the smallest size the contract
    allows (at least three items; at most ``MAX_CREATED`` new ones)."""
    probe = fetch_page(run, resource, op, who, parents, query, 0, None)
    have = probe.total if probe.total is not None else len(probe.items or [])
    smallest = page_sizes(op, resource.paging, run.document).fit(1, at_least=True)
    wanted = max(WANTED, smallest + 1 if smallest else 0)
    if probe.items is None or have >= wanted:
        return []
    return seed(run, resource, who, parents, min(wanted - have, MAX_CREATED))


def _clean_up(run: RunContext, resource: Resource, who: Identity, parents: dict[str, Any], keys: list[str]) -> None:
    delete = run.op(resource, "delete")
    if delete is None or resource.item is None:
        return
    for key in keys:
        run.send(delete, who, {**parents, resource.id_param: key})


class Walk:
    """One walk over a list, and what it found wrong."""

    def __init__(self, run: RunContext, resource: Resource, op: Operation, who: Identity,
                 parents: dict[str, Any], query: dict[str, Any]) -> None:
        self.run, self.resource, self.op, self.who, self.parents, self.query = run, resource, op, who, parents, query
        self.shown: list[Exchange] = []
        self.asked: int | None = None
        self.size: int | None = None
        first = self.first = self._page(0)
        self.total = first.total
        have = self.total if self.total is not None else len(first.items or [])
        self.sizes = page_sizes(op, resource.paging, run.document)
        # A size the contract allows, near a third of the items; none allowed: the server's own size.
        self.asked = self.sizes.fit(math.ceil(have / WANTED) or 1)
        self.size = self.asked  # the page size: the one asked, else the server's, learnt from the first page
        self.pages: list[Page] = []
        self.beyond: Page | None = None  # an empty page read past the end, where nothing told the end
        self.complete = False
        self.errors: list[str] = []
        cursor = None
        for index in range(MAX_PAGES):
            page = self._page(index, cursor)
            if page.items is None:
                self.errors.append(f"page {index + 1} answered {page.exchange.status} without a list")
                return
            if index and not page.items and page.total is None:
                # Without a total a walk finds the end by reading past it: after a full page, an
                # empty one is the end of the list, not a page of it.
                self.beyond, self.complete = page, True
                return
            self.pages.append(page)
            if self.size is None:
                self.size = len(page.items) or None
            cursor = link_of(page.body, resource.list_shape.next) if resource.paging.cursor else None
            if self._last(page, index, cursor):
                self.complete = True
                return

    def _page(self, index: int, cursor: Any = None, size: int | None = None) -> Page:
        """Page ``index`` in pages of the size asked (or of ``size``)."""
        page = fetch_page(self.run, self.resource, self.op, self.who, self.parents, self.query, index,
                          size or self.asked, cursor, self.size)
        self.shown.append(page.exchange)
        return page

    def _last(self, page: Page, index: int, cursor: Any) -> bool:
        if self.resource.paging.cursor:
            return cursor is None or not page.items
        if page.total is not None and self.size:
            return (index + 1) * self.size >= page.total
        return not self.size or len(page.items or []) < self.size

    # -- the rules -------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        if self.errors:
            return self.errors
        found = self._sizes() + self._repeats() + self._totals()
        if self.complete:
            found += self._past_the_end() + self._order()
        return found + self._links() + self._echo()

    def _sizes(self) -> list[str]:
        problems = []
        for page in self.pages[:-1] if self.complete else self.pages:
            if self.size and len(page.items or []) != self.size:
                problems.append(f"page {page.index + 1} holds {len(page.items or [])} items, not the page size "
                                f"{self.size}, and is not the last")
        if self.complete and self.pages and len(self.pages) > 1 and not self.pages[-1].items:
            problems.append(f"the last page ({len(self.pages)}) is empty")
        return problems

    def _repeats(self) -> list[str]:
        seen: dict[str, int] = {}
        problems = []
        for page in self.pages:
            for key in page.keys:
                if key is None:
                    continue
                if key in seen:
                    problems.append(f"item {key} is on page {seen[key] + 1} and again on page {page.index + 1}")
                seen.setdefault(key, page.index)
        return problems

    def walked(self) -> list[str | None]:
        return [key for page in self.pages for key in page.keys]

    def _totals(self) -> list[str]:
        totals = {page.total for page in self.pages if page.total is not None}
        where = ".".join(self.resource.list_shape.total or ())
        if len(totals) > 1:
            return [f"`{where}` changes from page to page: {sorted(totals)}"]
        if totals and self.first.total is not None and totals != {self.first.total}:
            return [f"`{where}` is {self.first.total} in a page of the default size and {min(totals)} in pages of "
                    f"{self.size}: the total must not depend on the page"]
        if self.complete and totals and totals != {len(self.walked())}:
            return [f"`{where}` is {totals.pop()}, but walking every page gives {len(self.walked())} items"]
        return []

    def _past_the_end(self) -> list[str]:
        if self.resource.paging.cursor:
            return []
        page = self.beyond or self._page(len(self.pages))
        declared = {str(code) for code in self.op.spec.get("responses", {})}
        if page.exchange.ok and page.items:
            return [f"page {page.index + 1}, past the end, holds {len(page.items)} items "
                    f"({', '.join(str(k) for k in page.keys[:3])})"]
        if not page.exchange.ok and not (400 <= page.exchange.status < 500 and str(page.exchange.status) in declared):
            return [f"page {page.index + 1}, past the end, answered {page.exchange.status}"]
        return []

    def _order(self) -> list[str]:
        walked = self.walked()
        if None in walked or self.resource.paging.cursor or self.asked is None:
            return []
        count = self.sizes.fit(len(walked), at_least=True)  # one page that holds them all, if allowed
        if count is None:
            return []
        whole = self._page(0, size=count)
        if whole.keys != walked:
            return [f"the pages put together give {_keys(walked)}; one page of {count} gives {_keys(whole.keys)}"]
        return []

    def _links(self) -> list[str]:
        shape = self.resource.list_shape
        problems = []
        for position, page in enumerate(self.pages[:3]):
            last = self.complete and position == len(self.pages) - 1
            if shape.next and not self.resource.paging.cursor:
                problems += self._link(page, "next", shape.next, None if last else position + 1)
            if shape.previous:
                problems += self._link(page, "previous", shape.previous, position - 1 if position else None)
        return problems

    def _link(self, page: Page, name: str, link: Any, target: int | None) -> list[str]:
        value = link_of(page.body, link)
        where = f"`{'.'.join(link.at)}` of page {page.index + 1}"
        if target is None:
            return [f"{where} is {value!r}, but there is no such page"] if value not in (None, "") else []
        if target >= len(self.pages):
            return []
        if value in (None, ""):
            return [f"{where} is {value!r}, but page {target + 1} exists"]
        expected = self.pages[target].keys
        if link.holds == "page":
            return [] if str(value) == str(target + 1) else [f"{where} is {value!r}, not {target + 1}"]
        if link.holds == "cursor":
            got = self._page(target, value).keys
        else:
            answer = self.run.fetch(str(value), self.who, page.exchange.url)
            self.shown.append(answer)
            got = [key_of(item, self.resource) for item in items_of(answer.json(), self.resource) or []] \
                if answer.ok else [f"status {answer.status}"]
        if got != expected:
            return [f"{where} ({str(value)[:120]}) leads to {_keys(got)}, not page {target + 1}: {_keys(expected)}"]
        return []

    def _echo(self) -> list[str]:
        problems = []
        for page in self.pages:
            asked = page_query(self.resource.paging, page.index, self.asked, step=self.size)
            for name, where in self.resource.list_shape.echo.items():
                value = at(page.body, where)
                if name in asked and value is not None and value != asked[name]:
                    problems.append(f"page {page.index + 1} asked {name}={asked[name]} and answered "
                                    f"`{'.'.join(where)}` = {value!r}")
        return problems


def _keys(keys: list[Any]) -> str:
    shown = ", ".join(str(key) for key in keys[:8])
    return f"[{shown}{', ...' if len(keys) > 8 else ''}]"

