"""What is measured: the scenarios (one request each, written against the contract's paths) and the
servers (how to start each one for an API, and where each scenario's request goes on it)."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import re
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import HOST, Client, Started, run_quiet, start, stop, wait_ready
from tools import BENCH, node_binary

from specmock.verify.local import free_port

ROOT = BENCH.parent
FIXTURES = ROOT / "fixtures"
# APIs served from a contract of the benchmarks' own (the generic resource behaviour, no handlers),
# by the name specmock gives its document; every other API is one of the bundled contract's.
CONTRACTS = {"shelter": BENCH / "contracts" / "shelter.yaml"}


def contract_args(api: str) -> list[str]:
    """The ``specmock serve`` arguments that serve ``api``: its contract, or none for the bundled one."""
    return [str(CONTRACTS[api])] if api in CONTRACTS else []


# -- the data the requests use -------------------------------------------------------------------------


def _fixture(api: str) -> dict[str, list[dict[str, Any]]]:
    return json.loads((FIXTURES / f"{api}.json").read_text())


def fixture_ids() -> dict[str, str]:
    """Ids from the seed data: a content request and its owner's token, a provider, two of its
    album's images and the user allowed to request them."""
    content, provider = _fixture("content_requests"), _fixture("provider_requests")
    images = [image["id"] for image in provider["images"][:2]]
    return {
        "bearer": content["content_request_users"][0]["token"],
        "cr_token": content["content_requests"][0]["token"],
        "cr_id": str(content["content_requests"][0]["id"]),
        "provider_id": provider["providers"][0]["id"],
        "provider_user": provider["users"][0]["id"],
        "image_form": urllib.parse.urlencode([("image_ids[]", image) for image in images]),
    }


def mint_jwt(user_id: str) -> str:
    """A JWT for a fixture user, from ``specmock token`` (signed with the default secret)."""
    done = run_quiet([sys.executable, "-m", "specmock", "token", "--user", user_id], cwd=ROOT)
    for line in done.stdout.splitlines():
        if line.startswith("Authorization: Token token="):
            return line.split('token="', 1)[1].rstrip('"')
    raise RuntimeError(f"specmock token printed no JWT for {user_id}: {done.stderr.strip()}")


def fixture_tables() -> dict[str, list[dict[str, Any]]]:
    """Every fixture file's tables merged (records with the same id appear once)."""
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    for path in sorted(FIXTURES.glob("*.json")):
        for table, records in json.loads(path.read_text()).items():
            for record in records:
                tables.setdefault(table, {}).setdefault(record["id"], record)
    return {table: list(records.values()) for table, records in tables.items()}


def explicit_form_encoding(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the default encoding of form-encoded array properties written out
    (``style: form, explode: true``, what OpenAPI 3.0 implies). Prism reads repeated
    ``image_ids[]=`` keys as an array only when the encoding is explicit; it answers 422 otherwise."""
    spec = copy.deepcopy(spec)
    schemas = spec.get("components", {}).get("schemas", {})

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    for item in spec.get("paths", {}).values():
        for operation in item.values():
            media = (operation.get("requestBody", {}) if isinstance(operation, dict) else {}).get("content", {})
            form = media.get("application/x-www-form-urlencoded")
            if form and "schema" in form:
                properties = resolve(form["schema"]).get("properties", {})
                encoding = form.setdefault("encoding", {})
                for name, schema in properties.items():
                    if resolve(schema).get("type") == "array":
                        encoding.setdefault(name, {"style": "form", "explode": True})
    return spec


# -- the run's context ---------------------------------------------------------------------------------


@dataclass
class Context:
    """Files and credentials shared by every server of a run, kept in a scratch directory."""

    work: Path
    specs: dict[str, dict[str, Any]]
    ids: dict[str, str]
    jwt: str
    specmock_extra: list[str] = field(default_factory=list)  # more `specmock serve` options
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def fresh(self, name: str) -> Path:
        """A path in the scratch directory that no earlier call returned."""
        return self.work / f"{next(self._numbers):03d}-{name}"

    def fill(self, text: str) -> str:
        """``text`` with each ``{name}`` of a fixture id replaced by the id (other braces stay)."""
        return re.sub(r"\{(\w+)\}", lambda match: self.ids.get(match[1], match[0]), text)

    def base_path(self, api: str) -> str:
        return self.specs[api]["servers"][0]["url"].rstrip("/")

    def prism_spec(self, api: str) -> Path:
        path = self.work / f"prism-{api}.json"
        if not path.exists():
            path.write_text(json.dumps(explicit_form_encoding(self.specs[api])))
        return path

    def json_server_db(self) -> Path:
        """Every fixture table, and the animals the shelter's list example shows."""
        path = self.fresh("json-server-db.json")
        tables = fixture_tables()
        if "shelter" in self.specs:
            listing = self.specs["shelter"]["paths"]["/animals"]["get"]["responses"]["200"]
            tables["animals"] = listing["content"]["application/json"]["example"]
        path.write_text(json.dumps(tables))
        return path


def specmock_argv(*extra: str) -> list[str]:
    """``specmock serve`` on loopback; ``extra`` holds its other arguments (a contract, options)."""
    return [sys.executable, "-m", "specmock", "serve", "--host", HOST, "--log-level", "warning", *extra]


def prepare(work: Path, apis: set[str]) -> Context:
    """The specs as the running mock serves them (``/docs/<api>/openapi.json``) and the credentials
    the scenarios send."""
    specs: dict[str, dict[str, Any]] = {}
    for contract in sorted({tuple(contract_args(api)) for api in apis}):
        port = free_port()
        server = start(specmock_argv(*contract, "--port", str(port)), port, work / "prepare.log", cwd=ROOT)
        try:
            wait_ready(server, "/", want_ok=True)
            client = Client(port)
            for api in sorted(api for api in apis if tuple(contract_args(api)) == contract):
                specs[api] = json.loads(client.request("GET", f"/docs/{api}/openapi.json").body)
            client.close()
        finally:
            stop(server)
    ids = fixture_ids()
    return Context(work=work, specs=specs, ids=ids, jwt=mint_jwt(ids["provider_user"]))


# -- scenarios -----------------------------------------------------------------------------------------

CONTENT_REQUEST = json.dumps({"content_request": {
    "name": "Holiday", "recipient": "Ann", "prompt": "Beach photos", "expiration_date": "2030/06/07",
    "time_type": "multi_use"}})
ANIMAL = json.dumps({"name": "Rex", "species": "dog", "status": "available", "age": 3})


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    api: str
    method: str
    path: str  # relative to the API's base path; ``{...}`` names a fixture id
    body: str = ""
    content_type: str | None = None
    credential: str | None = None  # "bearer" (content requests) or "jwt" (the v1 APIs)

    def headers(self, ctx: Context) -> dict[str, str]:
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        if self.credential == "bearer":
            headers["Authentication"] = f"Bearer {ctx.ids['bearer']}"
        elif self.credential == "jwt":
            headers["Authorization"] = f'Token token="{ctx.jwt}"'
        return headers


SCENARIOS = (
    Scenario("cr-list", "content requests: list (pending=true)", "content_requests", "GET",
             "/content_requests?pending=true", credential="bearer"),
    Scenario("cr-create", "content requests: create (JSON)", "content_requests", "POST", "/content_requests",
             body=CONTENT_REQUEST, content_type="application/json", credential="bearer"),
    Scenario("pr-create", "provider requests: create (form, 2 images)", "provider_requests", "POST",
             "/providers/{provider_id}/provider_requests", body="{image_form}",
             content_type="application/x-www-form-urlencoded", credential="jwt"),
    Scenario("cr-get", "content requests: read by token", "content_requests", "GET", "/content_requests/{cr_token}"),
    # The generic resource behaviour on the benchmarks' own contract (bench/contracts/shelter.yaml).
    Scenario("gen-list", "shelter, generic behaviour: list (status=available)", "shelter", "GET",
             "/animals?status=available"),
    Scenario("gen-create", "shelter, generic behaviour: create (JSON)", "shelter", "POST", "/animals", body=ANIMAL,
             content_type="application/json"),
    Scenario("gen-get", "shelter, generic behaviour: read by id", "shelter", "GET", "/animals/1"),
)


# -- servers -------------------------------------------------------------------------------------------

# json-server has its own routes: a filter on a field (no `pending` flag), one generic create per
# collection (the form-encoded body is stored as one record) and reads by id.
JSON_SERVER_ROUTES = {
    "cr-list": "/content_requests?status=pending",
    "cr-create": "/content_requests",
    "pr-create": "/provider_requests",
    "cr-get": "/content_requests/{cr_id}",
    "gen-list": "/animals?status=available",
    "gen-create": "/animals",
    "gen-get": "/animals/1",
}


@dataclass(frozen=True)
class Server:
    name: str
    title: str
    argv: Callable[[Context, str, int], list[str]]  # (context, API, port) -> command line
    route: Callable[[Context, Scenario], str]  # where a scenario's request goes
    ready_path: str = "/"
    node: bool = False  # needs the npm peers

    @contextlib.contextmanager
    def running(self, ctx: Context, api: str) -> Iterator[Started]:
        """This server started for ``api``, answering, stopped on exit."""
        port = free_port()
        server = start(self.argv(ctx, api, port), port, ctx.fresh(f"{self.name}.log"), cwd=ROOT)
        try:
            server.ready_seconds = wait_ready(server, self.ready_path)
            yield server
        finally:
            stop(server)


def _contract_route(ctx: Context, scenario: Scenario) -> str:
    return ctx.base_path(scenario.api) + ctx.fill(scenario.path)


def _prism(*extra: str) -> Callable[[Context, str, int], list[str]]:
    def argv(ctx: Context, api: str, port: int) -> list[str]:
        return [str(node_binary("prism")), "mock", "-h", HOST, "-p", str(port), *extra, str(ctx.prism_spec(api))]
    return argv


SERVERS = (
    Server("specmock", "specmock (memory)",
           lambda ctx, api, port: specmock_argv(*contract_args(api), "--port", str(port), *ctx.specmock_extra),
           _contract_route),
    Server("specmock-db", "specmock --db",
           lambda ctx, api, port: specmock_argv(*contract_args(api), "--port", str(port), "--db",
                                                str(ctx.fresh("specmock.db.json")), *ctx.specmock_extra),
           _contract_route),
    Server("specmock-uvloop", "specmock --loop uvloop",
           lambda ctx, api, port: specmock_argv(*contract_args(api), "--port", str(port), "--loop", "uvloop",
                                                *ctx.specmock_extra),
           _contract_route),
    Server("prism", "Prism static (as shipped)", _prism(), lambda ctx, s: ctx.fill(s.path), node=True),
    Server("prism-silent", "Prism static -v silent", _prism("-v", "silent"), lambda ctx, s: ctx.fill(s.path),
           node=True),
    Server("json-server", "json-server --quiet",
           lambda ctx, api, port: [str(node_binary("json-server")), "--quiet", "--host", HOST, "--port", str(port),
                                   str(ctx.json_server_db())],
           lambda ctx, s: ctx.fill(JSON_SERVER_ROUTES[s.name]), node=True),
    Server("floor", "Starlette floor",
           lambda ctx, api, port: [sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(BENCH),
                                   "--host", HOST, "--port", str(port), "--log-level", "warning", "--loop", "asyncio"],
           lambda ctx, s: "/hello", ready_path="/hello"),
)
