"""Multi-user checks: one caller's items stay theirs (broken object level authorization, OWASP API
security risk #1).

They apply to every resource that has an owner (rule 5 of ``specmock.contract.resources``: a
read-only ``owner`` property, or the hint ``x-specmock-resource: {owner: true}``) and need a second
caller (``specmock verify`` mints one for the mock; ``--second-header`` gives one for a real
backend). After the first caller created an item (at most twice per resource and run), as the
second caller:

* ``owner_only_lists``: no list shows the item, and the second caller's list shares no item with
  the first caller's;
* ``owner_only_item_access``: every operation on the item that needs a credential (read, replace,
  merge, delete and any other operation on a path below the item) is refused: no answer carries
  the item, and the item, read by its owner, is intact afterwards (neither changed nor gone).

They only ever touch items the first caller has just created, never data that was there before.
Operations the contract makes public (``security: []``, a recipient's link) are not attacked.
Fields that differ between two reads by the owner (a countdown, a timestamp of the read) are not
compared.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from specmock.contract.model import Operation
from specmock.verify.bodies import bodies, takes_body
from specmock.verify.context import Exchange, Identity, RunContext
from specmock.verify.failures import ListShowsOthersItems, OtherCallerReachesItem
from specmock.verify.lists import fetch_page, key_of, names_item, queries, search, size_bounds, unwrap
from specmock.verify.writes import Written, written

TIMES = 2


def _attackable(case: Any, response: Any, check: str) -> Written | None:
    write = written(case, response)
    if write is None or not write.resource.owner or write.run.second is None:
        return None
    if write.run.public(write.op) or not write.run.spend(check, write.resource.name, times=TIMES):
        return None
    return write


@schemathesis.check
def owner_only_lists(ctx: Any, response: Any, case: Any) -> None:
    """No list shows another caller's items."""
    write = _attackable(case, response, "owner-lists")
    if write is None:
        return None
    run, second = write.run, write.run.second
    assert second is not None
    with run.lock:
        found = search(run, write.resource, second, write.parents, write.key)
        if found.found is not None:
            problem = f"{write.resource.name} {write.key}, just created by the first caller, is listed to the second " \
                      "caller"
            curls = [exchange.curl for exchange in found.exchanges[-1:]]
        else:
            problem, curls = _shared(write, second)
    if problem:
        raise ListShowsOthersItems(operation=case.operation.label, message="\n".join([problem, "", *curls]))
    return None


def _shared(write: Written, second: Identity) -> tuple[str | None, list[str]]:
    """Items both callers' lists show (first page of the first query, in the largest pages allowed)."""
    run, resource = write.run, write.resource
    op = run.op(resource, "list")
    base = queries(run, resource, op) if op else None
    if op is None or not base:
        return None, []
    size = size_bounds(op, resource.paging, run.document)[1]
    mine = fetch_page(run, resource, op, write.who, write.parents, base[0], 0, size)
    theirs = fetch_page(run, resource, op, second, write.parents, base[0], 0, size)
    shared = sorted(set(k for k in mine.keys if k) & set(k for k in theirs.keys if k))
    if shared:
        return (f"the first and the second caller's lists both show {', '.join(shared[:5])}",
                [mine.exchange.curl, theirs.exchange.curl])
    return None, []


@schemathesis.check
def owner_only_item_access(ctx: Any, response: Any, case: Any) -> None:
    """Another caller cannot read, change or delete an item that is not theirs."""
    write = _attackable(case, response, "owner-items")
    if write is None:
        return None
    with write.run.lock:
        problems, curls = Attack(write).perform()
    if problems:
        title = f"{OtherCallerReachesItem.kind_title}: {problems[0][0]}"
        raise OtherCallerReachesItem(operation=case.operation.label, title=title, message="\n".join(
            [*[f"- {text}" for _, text in problems], "", "Reproduce (the first request as the second caller):", "",
             *curls]))
    return None


class Attack:
    """The second caller's requests on one item of the first caller's, and what they did."""

    def __init__(self, write: Written) -> None:
        self.write = write
        self.run: RunContext = write.run
        self.second: Identity = write.run.second  # type: ignore[assignment]
        self.read = self.run.op(write.resource, "read")

    def operations(self) -> list[Operation]:
        ops = [op for op in self.run.item_operations(self.write.resource) if not self.run.public(op)]
        order = {"get": 0, "head": 0, "delete": 2}
        return sorted(ops, key=lambda op: (order.get(op.method, 1), op.path))

    def perform(self) -> tuple[list[tuple[str, str]], list[str]]:
        before, volatile = self.snapshot(), set()
        if before is None:
            return [], []
        again = self.snapshot()
        if again is not None:
            volatile = set(_differing(before, again))
        problems: list[tuple[str, str]] = []
        curls: list[str] = []
        for op in self.operations():
            exchange = self.attempt(op)
            if exchange is None:
                continue
            after = self.snapshot()
            changed = "gone" if after is None else ", ".join(sorted(set(_differing(before, after)) - volatile))
            shows = exchange.ok and _holds(exchange.json(), self.write)
            if changed or shows:
                what = ("its owner finds it gone afterwards" if changed == "gone" else
                        f"its owner reads other {changed} afterwards" if changed else "the answer carries the item")
                problems.append((op.label, f"{exchange.line()}: {what}"))
                curls.append(exchange.curl)
            if changed:
                break
        return problems, curls

    def attempt(self, op: Operation) -> Exchange | None:
        path = {**self.write.parents, _item_param(op, self.write): self.write.key}
        if not takes_body(self.run.document, op):
            return self.run.send(op, self.second, path)
        for body in bodies(self.run.document, op, limit=1):
            return self.run.send(op, self.second, path, body=body)
        return None  # no body known to be valid: the answer would prove nothing

    def snapshot(self) -> dict[str, Any] | None:
        """The item as its owner reads it (None when gone)."""
        write = self.write
        if self.read is not None:
            answer = self.run.send(self.read, write.who, write.path())
            item = unwrap(answer.json(), write.resource, self.read) if answer.ok else None
            return item if isinstance(item, dict) else None
        found = search(self.run, write.resource, write.who, write.parents, write.key).found
        return found if isinstance(found, dict) else None


def _item_param(op: Operation, write: Written) -> str:
    """The name an operation below the item path gives the item's parameter (``{token}``)."""
    depth = len(write.resource.item.strip("/").split("/"))  # type: ignore[union-attr]
    return op.path.strip("/").split("/")[depth - 1][1:-1]


def _differing(one: dict[str, Any], other: dict[str, Any]) -> list[str]:
    return [name for name in sorted(set(one) | set(other)) if one.get(name) != other.get(name)]


def _holds(body: Any, write: Written, depth: int = 0) -> bool:
    """Whether an answer carries the item (an object naming it by its key or identifier)."""
    if depth > 4:
        return False
    if isinstance(body, dict):
        if names_item(body, write.resource, write.key) or key_of(body, write.resource) == write.key:
            return True
        return any(_holds(value, write, depth + 1) for value in body.values())
    if isinstance(body, list):
        return any(_holds(value, write, depth + 1) for value in body[:50])
    return False

