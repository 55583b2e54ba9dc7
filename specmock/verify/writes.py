"""Read-your-writes: what a create, update or delete answered is what the next read and the next
list show.

* ``created_reads_back_equal``: after a create answered 2xx, the resource's read of the same item
  (by its path key, rule 9 of ``specmock.contract.resources``) answers 200 with the same values.
* ``lists_show_writes``: after a create, the item is in the resource's list (read with each value
  the contract gives its required filters), with the values the create answered; after an update,
  the list shows the updated values; after a delete, the item is in no list. At most twice per
  resource and kind of write in a run, every page read within a bound (an item not found within it
  proves nothing, and is not reported); an item that the read says is gone meanwhile (another
  client deleted it) is not reported either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis

from specmock.contract.model import Operation
from specmock.contract.resources import Resource
from specmock.verify.context import Identity, RunContext, context_of, json_of
from specmock.verify.failures import ListLagsWrites, ReadBackMismatch
from specmock.verify.lists import key_of, parents_of, search, unwrap

READS_PER_RESOURCE = 20


@dataclass
class Written:
    """The item a write answered: its resource, the operation, the item and its path key."""

    run: RunContext
    resource: Resource
    action: str
    op: Operation
    item: Any
    key: str
    parents: dict[str, Any]
    who: Identity

    def path(self) -> dict[str, Any]:
        return {**self.parents, self.resource.id_param: self.key}


def written(case: Any, response: Any, actions: tuple[str, ...] = ("create",)) -> Written | None:
    """The item a 2xx write of a resource answered (or, for a delete, named), else None."""
    if not 200 <= response.status_code < 300:
        return None
    run = context_of(case)
    op = run.operation_of(case)
    found = run.resource_of(op)
    if op is None or not found or found[1] not in actions or found[0].item is None:
        return None
    resource, action = found
    if action == "create":
        try:
            item = unwrap(response.json(), resource, op)
        except (ValueError, UnicodeDecodeError):
            return None
        key = key_of(item, resource)
    else:
        item = None if action == "delete" else json_of(response)
        item = unwrap(item, resource, op) if item is not None else None
        value = (case.path_parameters or {}).get(resource.id_param)
        key = None if value is None else str(value)
    if key is None:
        return None
    return Written(run, resource, action, op, item, key, parents_of(case, resource), run.first_for(response))


def differing(answered: Any, shown: Any) -> list[str]:
    """The fields both hold with different values."""
    if not isinstance(answered, dict) or not isinstance(shown, dict):
        return []
    return sorted(name for name, value in answered.items() if name in shown and shown[name] != value)


def _describe(names: list[str], answered: dict[str, Any], shown: dict[str, Any]) -> str:
    return "; ".join(f"{name}: {str(answered[name])[:60]!r} answered, {str(shown[name])[:60]!r} shown"
                     for name in names[:4])


@schemathesis.check
def created_reads_back_equal(ctx: Any, response: Any, case: Any) -> None:
    """What a create answered is what a read of the same item answers."""
    write = written(case, response)
    if write is None or not isinstance(write.item, dict):
        return None
    read = write.run.op(write.resource, "read")
    if read is None or not write.run.spend("read-back", write.resource.name, times=READS_PER_RESOURCE):
        return None
    answer = write.run.send(read, write.who, write.path())
    if answer.status != 200:
        raise ReadBackMismatch(operation=case.operation.label, message=(
            f"{answer.line()} right after the create answered {response.status_code}\n\n{answer.curl}"))
    stored = unwrap(answer.json(), write.resource, read)
    names = differing(write.item, stored)
    if names:
        raise ReadBackMismatch(operation=case.operation.label, message=(
            f"{answer.line()}, and differs from the create's answer in {_describe(names, write.item, stored)}"
            f"\n\n{answer.curl}"))
    return None


@schemathesis.check
def lists_show_writes(ctx: Any, response: Any, case: Any) -> None:
    """A list shows what the last create, update or delete did."""
    write = written(case, response, ("create", "replace", "merge", "delete"))
    if write is None or write.run.op(write.resource, "list") is None:
        return None
    if not write.run.spend("lists-show-writes", write.resource.name, write.action, times=2):
        return None
    with write.run.lock:
        problem, curls = _problem(write)
    if problem:
        raise ListLagsWrites(operation=case.operation.label, message="\n".join([problem, "", *curls]))
    return None


def _problem(write: Written) -> tuple[str | None, list[str]]:
    run, resource = write.run, write.resource
    found = search(run, resource, write.who, write.parents, write.key)
    curls = [exchange.curl for exchange in found.exchanges[:4]]
    listed = f"{resource.name} {write.key}"
    if write.action == "delete":
        if found.found is not None:
            return f"{listed} is still listed after the delete answered 2xx", curls
        return None, curls
    if found.found is None:
        if write.action != "create" or not found.complete or found.refused or _gone(write):
            return None, curls
        return (f"{listed}, which the create answered, is in none of the lists read right after it "
                f"({len(found.exchanges)} page(s), every query the contract names)"), curls
    names = differing(write.item, found.found)
    if names:
        return (f"the list shows {listed} with other values than the {write.action} answered: "
                f"{_describe(names, write.item, found.found)}"), curls
    return None, curls


def _gone(write: Written) -> bool:
    """Whether the item no longer exists (another client deleted it): not the list's fault."""
    read = write.run.op(write.resource, "read")
    return read is not None and write.run.send(read, write.who, write.path()).status == 404
