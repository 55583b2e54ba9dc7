"""Domain handlers as behaviours: plain functions named by operationId, taking the request's
parameters and body by name (as Connexion passes them) plus, by name, ``store`` (the store),
``caller`` (who is calling), ``base_url`` (how the caller reached the mock) and ``resources`` (the
document's generic resources, ``resources["pets"].get(1)``), and returning ``(data, status)`` like
any Connexion handler."""

from __future__ import annotations

import typing as t

from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments

from specmock.behaviours import arguments
from specmock.behaviours.arguments import connexion_arguments, plan_for
from specmock.behaviours.base import Call, Result
from specmock.behaviours.resource import Resources
from specmock.contract.resources import Resource


class HandlerBehaviour:
    def __init__(self, function: t.Callable[..., t.Any], operation: AbstractOperation,
                 resources: t.Sequence[Resource] = ()) -> None:
        self.function = function
        self.operation = operation
        self.resources = resources
        self.names, self.has_kwargs = inspect_function_arguments(function)
        self.plan = plan_for(operation, self.names, self.has_kwargs)

    def __call__(self, call: Call) -> Result:
        context = {"store": call.store, "caller": call.caller, "base_url": call.base_url, **call.context}
        if "resources" in self.names or self.has_kwargs:
            context["resources"] = Resources(call.store, self.resources)
        if self.plan is None:
            kwargs = connexion_arguments(self.operation, call.request, call.body, self.names, self.has_kwargs, context)
        else:
            kwargs = self.plan.arguments(call.request, call.body, context)
            if arguments.CROSS_CHECK:
                expected = connexion_arguments(self.operation, call.request, call.body, self.names, self.has_kwargs,
                                               context)
                assert kwargs == expected, (call.operation.label, kwargs, expected)
        return self.function(**kwargs)
