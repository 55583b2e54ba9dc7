"""Behaviours: what an operation does with a validated request. Chosen once per operation, in order:

1. a **domain handler**: a function named by the operationId in the document's handler module
   (``x-specmock.handlers``) or in a module given with ``--handlers``;
2. the **generic resource** behaviour, where the operation creates, lists, reads, replaces, merges
   or deletes an inferred resource (``specmock.contract.resources``);
3. the **documented** answer (its example, or data generated from its schema).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import typing as t
from pathlib import Path

from connexion.operations import AbstractOperation

from specmock.behaviours.base import Behaviour, Body, Call, Result
from specmock.behaviours.documented import Documented
from specmock.behaviours.handlers import HandlerBehaviour
from specmock.behaviours.resource import ItemLookup, ResourceBehaviour
from specmock.behaviours.shaping import Shaper
from specmock.contract.loading import SpecError
from specmock.contract.model import Contract, Operation
from specmock.contract.resources import Resource, infer

__all__ = ["Behaviour", "Behaviours", "Body", "Call", "Result", "load_module"]


def load_module(name: str) -> t.Any:
    """A handler module by dotted name, or by the path of a ``.py`` file."""
    if name.endswith(".py") or "/" in name:
        path = Path(name).resolve()
        if not path.is_file():
            raise SpecError(f"--handlers {name}: no such file")
        spec = importlib.util.spec_from_file_location(f"specmock_user_handlers_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise SpecError(f"--handlers {name}: not a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the user's code: say what broke, without a traceback
            raise SpecError(f"--handlers {name}: importing it failed: {type(exc).__name__}: {exc}") from None
        return module
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SpecError(f"handlers module {name!r} cannot be imported: {exc}") from None


class Behaviours:
    """The behaviour of every operation of a contract."""

    def __init__(self, contract: Contract, handler_modules: t.Sequence[str] = ()) -> None:
        self.contract = contract
        self.user_modules = [load_module(name) for name in handler_modules]
        self.document_modules = {name: load_module(document.manifest.handlers)
                                 for name, document in contract.documents.items() if document.manifest.handlers}
        self.resources: dict[str, Resource] = infer(contract)
        self.shapers = {name: Shaper(document) for name, document in contract.documents.items()}
        self._by_operation = {key: resource for resource in self.resources.values()
                              for key in resource.operations.values()}

    def handler(self, operation: Operation) -> t.Callable[..., t.Any] | None:
        modules = [*self.user_modules, self.document_modules.get(operation.document.name)]
        for module in modules:
            function = getattr(module, operation.operation_id, None) if module is not None else None
            if callable(function):
                return function
        return None

    def kind(self, operation: Operation) -> str:
        if self.handler(operation) is not None:
            return "handler"
        return "resource" if operation.key in self._by_operation else "documented"

    def documented(self, operation: Operation) -> Documented:
        return Documented(operation, self.shapers[operation.document.name])

    def for_operation(self, operation: Operation, connexion_operation: AbstractOperation) -> Behaviour:
        function = self.handler(operation)
        if function is not None:
            return HandlerBehaviour(function, connexion_operation, [
                resource for resource in self.resources.values() if resource.document == operation.document.name])
        resource = self._by_operation.get(operation.key)
        shaper = self.shapers[operation.document.name]
        if resource is not None:
            action = resource.action_of(operation.key)
            return ResourceBehaviour(self.contract, resource, action, operation, self._parents(resource),  # type: ignore
                                     shaper)
        return self._documented_under_item(operation, shaper)

    def _parents(self, resource: Resource) -> dict[str, Resource]:
        """Each parent path parameter of ``resource`` whose values are another resource's ids."""
        return {name: parent for name in resource.parents
                for parent in [self._parent(resource, name)] if parent is not None}

    def _parent(self, resource: Resource, name: str) -> Resource | None:
        for other in self.resources.values():
            if other.document == resource.document and other.item and other.id_param == name \
                    and resource.collection.startswith(other.item + "/"):
                return other
        return None

    def _documented_under_item(self, operation: Operation, shaper: Shaper) -> Documented:
        """A documented answer; under a resource's item path (``/orders/{id}/cancel``), a 404 when the
        item does not exist and the contract declares one."""
        under = [resource for resource in self.resources.values()
                 if resource.document == operation.document.name and resource.item
                 and operation.path.startswith(resource.item + "/")]
        if not under or "404" not in {str(code) for code in operation.spec.get("responses", {})}:
            return Documented(operation, shaper)
        owner = max(under, key=lambda resource: len(resource.item or ""))
        items = ItemLookup(self.contract, owner, self._parents(owner))
        return Documented(operation, shaper, items.record)


def is_awaitable(value: t.Any) -> bool:
    return inspect.isawaitable(value)
