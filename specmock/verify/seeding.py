"""Items a check creates itself, when the list it reads holds too few: made with the create
operation's own example (or a value built from its schema), as the given caller."""

from __future__ import annotations

from typing import Any

from specmock.contract.resources import Resource
from specmock.verify.bodies import bodies
from specmock.verify.context import Identity, RunContext
from specmock.verify.lists import key_of, unwrap


def seed(run: RunContext, resource: Resource, who: Identity, parents: dict[str, Any], count: int) -> list[str]:
    """The keys of up to ``count`` new items (fewer when the create refuses the bodies)."""
    create = run.op(resource, "create")
    candidates = bodies(run.document, create) if create else []
    keys: list[str] = []
    for _ in range(count):
        for body in candidates:
            answer = run.send(create, who, parents, body=body)
            key = key_of(unwrap(answer.json(), resource, create), resource) if answer.ok else None
            if key is not None:
                keys.append(key)
                break
        else:
            break
    return keys
