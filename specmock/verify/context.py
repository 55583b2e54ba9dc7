"""What specmock's checks know while Schemathesis runs them: the document under test and the
resources inferred from it (``specmock.contract.resources``, the same inference the mock serves
by), the two callers, and how to send the few follow-up requests a check needs.

``specmock verify`` hands each Schemathesis run its settings in the ``SPECMOCK_VERIFY`` environment
variable (JSON): ``first`` and ``second`` (header name -> value for each caller; ``second`` is null
when no second identity is known) and ``checks`` (the document's domain check modules). Without it
(the checks loaded by a plain Schemathesis run) the first caller is whoever the checked request
was sent as, and the checks that need a second caller skip.

Follow-up requests go through Schemathesis's own cases (``APIOperation.Case``), so bodies are
serialised per media type the way Schemathesis sends them and every request has a ``curl`` line
with credentials filtered.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from schemathesis.core import NOT_SET

from specmock.contract.manifest import read_manifest
from specmock.contract.model import Contract, Document, Operation
from specmock.contract.resources import Resource, infer_document
from specmock.contract.schemas import request_schema

ENV = "SPECMOCK_VERIFY"
TIMEOUT = 10
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Identity:
    """One caller: a name for messages and the headers it sends."""

    name: str
    headers: dict[str, str]


def json_of(response: Any) -> Any:
    """The JSON body of an answer Schemathesis received, or None when it is not JSON."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Exchange:
    """One follow-up request and its answer."""

    who: str
    method: str
    url: str
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes
    curl: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def line(self) -> str:
        """``PUT /api/v1/notes/ab12 as the second caller answered 200``."""
        return f"{self.method} {urlsplit(self.url).path} as the {self.who} answered {self.status}"


def settings() -> dict[str, Any]:
    try:
        value = json.loads(os.environ.get(ENV) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class RunContext:
    """One document under test, as one Schemathesis schema holds it."""

    schema: Any
    document: Document = field(init=False)
    contract: Contract = field(init=False)
    resources: list[Resource] = field(init=False)
    first: Identity = field(init=False)
    second: Identity | None = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _spent: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        raw = self.schema.raw_schema
        path = Path("verify.json")
        self.document = Document("api", path, raw, read_manifest(raw, path))
        self.contract = Contract([self.document])
        self.resources = infer_document(self.contract, self.document)
        env = settings()
        self.first = Identity("first caller", dict(env.get("first") or {}))
        second = env.get("second")
        self.second = Identity("second caller", {**self.first.headers, **second}) if second else None

    # -- budget ----------------------------------------------------------------------------------

    def spend(self, *key: Any, times: int = 1) -> bool:
        """Whether a check may do its extra requests for ``key`` once more (at most ``times`` per run)."""
        with self.lock:
            if self._spent[key] >= times:
                return False
            self._spent[key] += 1
            return True

    # -- the contract ------------------------------------------------------------------------------

    def operation_of(self, case: Any) -> Operation | None:
        method, path = case.operation.method.lower(), case.operation.path
        return next((op for op in self.contract.operations.values() if op.method == method and op.path == path), None)

    def resource_of(self, op: Operation | None) -> tuple[Resource, str] | None:
        """The resource an operation acts on and its action (create, list, read, ...)."""
        if op is None:
            return None
        for resource in self.resources:
            action = resource.action_of(op.key)
            if action:
                return resource, action
        return None

    def op(self, resource: Resource, action: str) -> Operation | None:
        key = resource.operations.get(action)
        return self.contract.operations.get(key) if key else None

    def item_operations(self, resource: Resource) -> list[Operation]:
        """Every operation on one item: its path, or a path below it with the item's parameter in the
        same place (``/orders/{id}/cancel``)."""
        if resource.item is None:
            return []
        depth = len(resource.item.strip("/").split("/"))
        prefix = resource.collection.rstrip("/") + "/{"
        return [op for op in self.contract.operations.values()
                if op.path.startswith(prefix) and len(op.path.strip("/").split("/")) >= depth
                and op.path.strip("/").split("/")[depth - 1].startswith("{")]

    @staticmethod
    def public(op: Operation) -> bool:
        """Whether the contract lets anyone call the operation, without a credential."""
        requirement = op.security()
        return not requirement or {} in requirement

    # -- callers -----------------------------------------------------------------------------------

    def first_for(self, response: Any) -> Identity:
        """The first caller: the configured one, else whoever the checked request was sent as."""
        if self.first.headers:
            return self.first
        auth = quiet_import("specmock.auth")
        fields = {c.field.lower() for c in auth.credentials_of(self.document).values() if c.location == "header"}
        sent = response.request.headers
        return Identity("first caller", {name: sent[name] for name in sent if name.lower() in fields})

    # -- requests ----------------------------------------------------------------------------------

    def send(self, op: Operation, who: Identity, path: dict[str, Any] | None = None,
             query: dict[str, Any] | None = None, body: Any = NOT_SET) -> Exchange:
        """Call a contract operation as ``who``."""
        api_op = self.schema[op.path][op.method.upper()]
        media = request_schema(self.document, op.spec)
        case = api_op.Case(path_parameters=dict(path or {}), query=dict(query or {}), headers=dict(who.headers),
                           body=body, media_type=media[0] if media and body is not NOT_SET else None)
        try:
            response = case.call(timeout=TIMEOUT)
        except requests.RequestException as error:
            return Exchange(who.name, op.method.upper(), error.request.url if error.request else op.path, 0, {},
                            str(error).encode(), case.as_curl_command())
        return Exchange(who.name, op.method.upper(), response.request.url or "", response.status_code,
                        {name.lower(): values[0] for name, values in response.headers.items() if values},
                        response.content or b"", case.as_curl_command())

    def fetch(self, url: str, who: Identity | None, base: str) -> Exchange:
        """GET a URL an answer handed out, resolved against ``base``. Credentials go only to the API's
        own host, and are dropped when a redirect leaves it."""
        url = urljoin(base, url)
        own = urlsplit(self.schema.get_base_url()).netloc
        headers = dict(who.headers) if who and urlsplit(url).netloc == own else {}
        sent, first = dict(headers), url
        who_name = who.name if who and sent else "anonymous caller"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                answer = requests.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False)
                location = answer.headers.get("location")
                if not (300 <= answer.status_code < 400 and location):
                    break
                url = urljoin(url, location)
                if urlsplit(url).netloc != own:
                    headers = {}
        except requests.RequestException as error:  # status 0: nothing answered
            return Exchange(who_name, "GET", url, 0, {}, str(error).encode(), curl_get(first, sent))
        return Exchange(who_name, "GET", url, answer.status_code,
                        {name.lower(): value for name, value in answer.headers.items()}, answer.content,
                        curl_get(first, sent))


def quiet_import(name: str) -> Any:
    """A module that imports Connexion, imported only when a check needs it (it costs a third of a
    second) and without the warning Connexion's import of Starlette's test client prints."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
        return importlib.import_module(name)


def curl_get(url: str, headers: dict[str, str]) -> str:
    import shlex

    parts = ["curl", "-X", "GET"] + [f"-H {shlex.quote(f'{name}: [Filtered]')}" for name in headers]
    return " ".join([*parts, shlex.quote(url)])


_CONTEXTS: dict[int, RunContext] = {}
_LOCK = threading.Lock()


def context_of(case: Any) -> RunContext:
    """The run context of the schema a case belongs to (made on first use)."""
    schema = case.operation.schema
    with _LOCK:
        found = _CONTEXTS.get(id(schema))
        if found is None or found.schema is not schema:
            found = _CONTEXTS[id(schema)] = RunContext(schema)
        return found
