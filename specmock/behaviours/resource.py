"""The generic resource behaviour: a stateful mock of any contract's resources
(``specmock.contract.resources`` infers them), stored in the same store as everything else.

Each item is stored as ``{"id": <identifier>, "scope": [<parent ids>], "owner": <caller or None>,
"data": {<the item>}}`` in the table ``<document>.<resource>``. The rules each action follows are
small functions in ``specmock.behaviours.records`` (new records, merge patch, filters, paging);
this module looks items up, applies them and shapes the answer by the operation's response schema.
"""

from __future__ import annotations

import typing as t

from specmock.behaviours import records as rules
from specmock.behaviours.base import Call, Result
from specmock.behaviours.shaping import Shaper
from specmock.contract.model import Contract, Document, Operation
from specmock.contract.resources import Resource
from specmock.contract.schemas import flat, properties, request_schema, response_schema
from specmock.problems import BadRequest, Conflict, FieldError, NotFound


def table_of(resource: Resource) -> str:
    return f"{resource.document}.{resource.name}"


class ItemLookup:
    """Where one resource's items are, and which of them a request may see: its parents' ids (as
    the numbers they are stored by where an operation types them so), the item's own, its owner."""

    def __init__(self, contract: Contract, resource: Resource, parents: dict[str, Resource]) -> None:
        self.resource = resource
        self.table = table_of(resource)
        self.parents = parents  # parent path parameter -> its resource, where the parent is one
        self.numeric = rules.numeric_path_parameters(contract.operations[key] for key in resource.operations.values())
        self.numeric |= {name for name, parent in parents.items() if parent.id_kind == "integer"}

    def scope(self, call: Call) -> list[t.Any]:
        """The parent ids of the request, each checked to exist where the parent is a resource."""
        scope = [rules.whole_number(value) if name in self.numeric else value
                 for name in self.resource.parents for value in [call.path_params.get(name)]]
        for index, name in enumerate(self.resource.parents):
            parent = self.parents.get(name)
            if parent is None:
                continue
            record = call.store.peek(table_of(parent), scope[index])
            if record is None or record["scope"] != scope[:index] or (
                    parent.owner and record["owner"] != call.caller.key):
                raise NotFound(f"No {parent.name} item with {parent.id_property} {scope[index]!r}")
        return scope

    def record(self, call: Call) -> dict[str, t.Any]:
        """The stored record the request names (read-only), else a 404 problem."""
        identifier = rules.path_id(call.path_params.get(self.resource.id_param), self.resource)
        scope = self.scope(call)
        record = call.store.peek(self.table, identifier)
        if record is None or record["scope"] != scope or (self.resource.owner and record["owner"] != call.caller.key):
            raise NotFound(f"No {self.resource.name} item with {self.resource.id_property} {identifier!r}")
        return record


class ResourceBehaviour:
    """One action (create, list, read, replace, merge, delete) of one resource."""

    def __init__(self, contract: Contract, resource: Resource, action: str, operation: Operation,
                 parents: dict[str, Resource], shaper: Shaper) -> None:
        self.resource = resource
        self.action = action
        self.operation = operation
        self.document: Document = operation.document
        self.items = ItemLookup(contract, resource, parents)
        self.table = self.items.table
        self.shaper = shaper
        self.status = rules.success_status(operation, action)
        self.answer_schema = response_schema(self.document, operation.responses().get(str(self.status)))
        body = request_schema(self.document, operation.spec)
        self.request_properties = properties(self.document, body[1]) if body else {}
        self.item_properties = properties(self.document, resource.item_schema) if resource.item_schema else {}
        self.changeable = rules.changeable(self.item_properties, self.request_properties, body is not None)
        self.required = rules.required_properties(resource, shaper)
        self.conflicts = "409" in operation.responses()
        self._handle = getattr(self, f"_{action}")

    def __call__(self, call: Call) -> Result:
        return self._handle(call)

    # -- actions ---------------------------------------------------------------------------------

    def _create(self, call: Call) -> Result:
        body = call.body.value if isinstance(call.body.value, dict) else {}
        scope = self._scope(call)
        store = call.store
        with store.locked():
            identifier = rules.given_id(body, self.resource, self.item_properties)
            refusal = None if identifier is None else rules.unusable_id(identifier, self.resource, self.shaper)
            if refusal is not None:
                raise BadRequest.for_field(f"body.{self.resource.id_property}", *refusal)
            if identifier is not None and store.has(self.table, identifier):
                if self.conflicts:
                    raise Conflict(f"A {self.resource.name} item with {self.resource.id_property} "
                                   f"{identifier!r} exists already")
                store.remove(self.table, identifier)  # no 409 in the contract: the POST replaces it
            if identifier is None:
                identifier = rules.new_id(self.resource, store, self.table, self.shaper)
            data = rules.new_item(body, identifier, self.resource, self.item_properties, self.request_properties,
                                  call.caller.key, call.path_params, self.shaper)
            store.insert(self.table, {"id": identifier, "scope": scope, "owner": self._owner(call), "data": data})
        return self._answer(data), self.status

    def _list(self, call: Call) -> Result:
        scope = self._scope(call)
        owner = self._owner(call)
        accepts = rules.matcher(call.query, self.resource, self.item_properties)
        items = [record["data"] for record in call.store.scan(self.table, lambda record: (
            record["scope"] == scope and (owner is None or record["owner"] == owner) and accepts(record["data"])))]
        items = rules.ordered(items, call.query, self.item_properties)
        page = rules.page_of(items, call.query, self.resource.paging)
        body = rules.list_answer(page, len(items), self.resource, call.query,
                                 call.base_url + call.request.path, self.answer_schema is not None
                                 and flat(self.document, self.answer_schema).get("type") == "array")
        return self._shaped(rules.clone(body)), self.status

    def _read(self, call: Call) -> Result:
        return self._answer(self._record(call)["data"]), self.status

    def _replace(self, call: Call) -> Result:
        with call.store.locked():
            record = self._record(call)
            body = call.body.value if isinstance(call.body.value, dict) else {}
            data = rules.replaced(record["data"], body, self.resource, self.item_properties, self.changeable,
                                  self.required)
            self._refuse_misfits(body, data)
            call.store.update(self.table, record["id"], {"data": data})
        return self._answer(data), self.status

    def _merge(self, call: Call) -> Result:
        with call.store.locked():
            record = self._record(call)
            data = rules.merged(record["data"], call.body.value, self.resource, self.item_properties,
                                self.changeable)
            self._refuse_misfits(call.body.value, data)
            call.store.update(self.table, record["id"], {"data": data})
        return self._answer(data), self.status

    def _delete(self, call: Call) -> Result:
        with call.store.locked():
            record = self._record(call)
            call.store.remove(self.table, record["id"])
        if self.status == 204 or self.answer_schema is None:
            return None, self.status
        return self._answer(record["data"]), self.status

    # -- helpers -------------------------------------------------------------------------------

    def _owner(self, call: Call) -> str | None:
        return call.caller.key if self.resource.owner else None

    def _scope(self, call: Call) -> list[t.Any]:
        return self.items.scope(call)

    def _record(self, call: Call) -> dict[str, t.Any]:
        return rules.clone(self.items.record(call))

    def _refuse_misfits(self, body: t.Any, data: dict[str, t.Any]) -> None:
        """A change leaves a valid item: each property the body sets that its schema does not describe
        (it is any object, or takes other properties) must fit the item schema. What the body schema
        describes, the contract allows, and the request's validation has checked."""
        errors = []
        for name in body if isinstance(body, dict) else ():
            if name in data and name in self.item_properties and name not in self.request_properties:
                found = self.shaper.violation(self.shaper.schema(self.item_properties[name]), data[name])
                if found is not None:
                    errors.append(FieldError(f"body.{name}", str(found.validator), found.message))
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise BadRequest(f"{errors[0].field}: {errors[0].message}{more}", errors=errors)

    def _answer(self, data: dict[str, t.Any]) -> t.Any:
        if self.answer_schema is None:
            return None
        wrapper = self.resource.wrappers.get(self.operation.key)
        return self._shaped({wrapper[0]: data} if wrapper else data)

    def _shaped(self, body: t.Any) -> t.Any:
        return self.shaper.shape(self.answer_schema, body) if self.answer_schema is not None else body


class Items:
    """One generic resource's items as a domain handler sees them (``resources["pets"]``): plain
    dicts, copied in and out; items of a nested resource are scoped by their parents' ids."""

    def __init__(self, store: t.Any, resource: Resource) -> None:
        self.store = store
        self.resource = resource
        self.table = table_of(resource)

    def get(self, identifier: t.Any) -> dict[str, t.Any] | None:
        record = self.store.get(self.table, identifier)
        return None if record is None else record["data"]

    def all(self, *parents: t.Any) -> list[dict[str, t.Any]]:
        return [record["data"] for record in self.store.find(
            self.table, lambda record: not parents or record["scope"] == list(parents))]

    def put(self, item: dict[str, t.Any], *parents: t.Any, owner: str | None = None) -> dict[str, t.Any]:
        """Store ``item`` (replacing the one with its identifier)."""
        identifier = item[self.resource.id_property]
        with self.store.locked():
            record = self.store.get(self.table, identifier)
            if record is None:
                self.store.insert(self.table, {"id": identifier, "scope": list(parents), "owner": owner,
                                               "data": item})
            else:
                self.store.update(self.table, identifier, {"data": item})
        return item

    def delete(self, identifier: t.Any) -> bool:
        return self.store.remove(self.table, identifier)


class Resources(dict):
    """The generic resources of one document, by name, for a domain handler's ``resources`` argument."""

    def __init__(self, store: t.Any, resources: t.Iterable[Resource]) -> None:
        super().__init__((resource.name, Items(store, resource)) for resource in resources)
