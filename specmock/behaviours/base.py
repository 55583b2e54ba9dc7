"""What every behaviour receives and gives back.

A behaviour is a callable ``behaviour(call) -> result``: ``call`` carries the request as the
request path parsed and validated it; ``result`` is ``(data, status)``, ``(data, status, headers)``
or a Starlette ``Response``, exactly what a Connexion handler returns. ``data`` is JSON data, or
bytes/str sent as they are under the ``Content-Type`` the headers give.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from specmock.auth import Caller
from specmock.contract.model import Operation

Result = t.Any


class Request(t.Protocol):
    """The request as the request path read it (``specmock.engine.requests.Request``)."""

    @property
    def path_params(self) -> dict[str, t.Any]: ...  # typed by the parameter definitions

    @property
    def query_params(self) -> dict[str, t.Any]: ...

    @property
    def path(self) -> str: ...  # the URL's path, as Starlette's URL gives it


@dataclass
class Body:
    """The request body as the behaviour receives it: the media type, and the parsed value (JSON,
    the resolved form, or the raw bytes of other media types; None when there is none)."""

    media_type: str
    value: t.Any


@dataclass
class Call:
    operation: Operation
    request: Request
    body: Body
    caller: Caller
    store: t.Any
    base_url: str
    context: dict[str, t.Any] = field(default_factory=dict)  # what domain handlers may take by name

    @property
    def path_params(self) -> dict[str, t.Any]:
        return self.request.path_params

    @property
    def query(self) -> dict[str, t.Any]:
        return self.request.query_params


Behaviour = t.Callable[[Call], Result]
