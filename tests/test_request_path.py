"""The request path (``specmock.engine``): one pipeline per operation, built at start-up from what
Connexion parsed; its parsers, validators and argument plans built once and never per request; the
same reading of a request as Connexion's own middleware (the Connexion internals it relies on are
pinned here, so that an upgrade that changes them fails these tests)."""

from __future__ import annotations

import connexion.utils
import pytest
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.uri_parsing import OpenAPIURIParser
from hypothesis import given
from hypothesis import strategies as st

from specmock import schema_check
from specmock.engine import requests as reading
from specmock.engine.pipeline import OperationMiddleware, Pipeline
from specmock.engine.requests import RequestReader
from tests.conftest import BEARER, FORM, PROVIDER_TOKEN, make_client

PROVIDER = "b870990d-396b-46ca-a92e-ba6a63bacc61"
BODY = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}


def _pipelines(client) -> dict[str, Pipeline]:
    layer = next(layer for layer in client.app.middleware.middleware_stack if isinstance(layer, OperationMiddleware))
    return layer.pipelines


def test_every_operation_has_one_pipeline_and_connexion_layers_we_replace_are_left_out(client):
    from specmock.settings import Settings

    assert set(_pipelines(client)) == set(client.app.contract.operations)
    kinds = {type(layer) for layer in client.app.middleware.middleware_stack}
    assert not kinds & {SwaggerUIMiddleware, SecurityMiddleware}
    assert ResponseValidationMiddleware in kinds  # the tests validate every answer
    with make_client(Settings()) as plain:
        assert ResponseValidationMiddleware not in {type(layer) for layer in plain.app.middleware.middleware_stack}


class _Operation:
    """What the request reader reads of an operation without parameters."""

    consumes = ["application/json", "application/x-www-form-urlencoded", "text/*"]
    parameters: list = []
    security = None
    request_body: dict = {}
    uri_parser_class = OpenAPIURIParser
    _uri_parser_class = OpenAPIURIParser

    def body_definition(self, content_type: str | None = None) -> dict:
        return {}


def _pair() -> tuple[RequestValidationOperation, RequestReader]:
    async def app(scope, receive, send):  # pragma: no cover - never called here
        pass

    return (RequestValidationOperation(app, operation=_Operation()),  # type: ignore[arg-type]
            RequestReader(_Operation(), strict=True, security_query_params=[]))  # type: ignore[arg-type]


_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-+./", min_size=1, max_size=12)
_content_type = st.one_of(
    st.none(),
    st.builds(lambda kind, params: kind + "".join(params), _token,
              st.lists(st.sampled_from(["; charset=utf-8", ";charset=latin-1", "; charset=", "; q=1", ";x"]),
                       max_size=3)),
)


@given(_content_type, st.lists(st.tuples(_token, _token), max_size=3))
def test_content_type_is_read_as_connexion_reads_it(content_type, others):
    headers = [(name.encode(), value.encode()) for name, value in others if name != "content-type"]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
        headers.append((b"content-type", b"ignored/second"))
    connexion_way, ours = _pair()
    assert ours.content_type(headers) == connexion_way.extract_content_type(headers)


@pytest.mark.parametrize("mime_type", ["application/json", "APPLICATION/JSON", "text/plain", "text/csv",
                                       "application/xml", "multipart/form-data", "application/x-www-form-urlencoded"])
def test_media_types_are_accepted_as_connexion_accepts_them(mime_type):
    connexion_way, ours = _pair()
    verdicts = []
    for check in (connexion_way.validate_mime_type, ours.check_media_type, ours.check_media_type):
        try:
            check(mime_type)
            verdicts.append("accepted")
        except UnsupportedMediaTypeProblem as problem:
            verdicts.append(problem.detail)
    assert len(set(verdicts)) == 1, verdicts


def _requests(client) -> list[int]:
    image = client.store.find("images")[0]
    return [
        client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER}).status_code,
        client.post("/api/v4/content_requests", json={"content_request": {}},
                    headers={"Authentication": BEARER}).status_code,
        client.post(f"/api/v1/providers/{PROVIDER}/provider_requests", content=f"image_ids[]={image['id']}",
                    headers={"Authorization": PROVIDER_TOKEN, "Content-Type": FORM}).status_code,
        client.get("/api/v4/content_requests", params={"pending": "true"},
                   headers={"Authentication": BEARER}).status_code,
    ]


def test_nothing_is_built_per_request(client, monkeypatch):
    first = _requests(client)
    built, inspected = [], []
    original_validator = RequestReader._validator
    monkeypatch.setattr(RequestReader, "_validator", lambda self, mime, charset, schema: (
        built.append(mime) if (mime, charset) not in self._body_validators else None)
        or original_validator(self, mime, charset, schema))
    original_inspect = connexion.utils.inspect_function_arguments
    monkeypatch.setattr(connexion.utils, "inspect_function_arguments",
                        lambda fn: inspected.append(fn) or original_inspect(fn))
    assert _requests(client) == _requests(client) == first == [201, 400, 200, 200]
    assert built == [] and inspected == []


def test_body_validators_per_operation_are_capped(client):
    for charset in range(reading.MAX_BODY_VALIDATORS + 10):
        response = client.post("/api/v4/content_requests", content=b'{"content_request": {}}',
                               headers={"Authentication": BEARER,
                                        "Content-Type": f"application/json;charset=utf-{charset}"})
        assert response.status_code in (400, 415), response.text
    readers = [pipeline.reader for pipeline in _pipelines(client).values() if pipeline.reader._body_validators]
    assert readers and all(len(reader._body_validators) <= reading.MAX_BODY_VALIDATORS for reader in readers)


@pytest.mark.parametrize("spelling", ["Application/JSON", "APPLICATION/json", "application/Json"])
def test_client_spellings_of_a_media_type_do_not_grow_the_caches(client, spelling):
    client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER})
    before = len(schema_check._CHECKS)
    for suffix in range(20):
        client.post("/api/v4/content_requests", content=b'{"content_request": {}}',
                    headers={"Authentication": BEARER, "Content-Type": f"{spelling}; x={suffix}"})
    assert len(schema_check._CHECKS) == before


def test_request_bodies_are_still_validated_after_caching(client):
    for _ in range(2):
        response = client.post("/api/v4/content_requests", json={"content_request": {"name": 5}},
                               headers={"Authentication": BEARER})
        assert response.status_code == 400
        assert {e["field"] for e in response.json()["errors"]} >= {"body.content_request.name"}


def _token(client) -> str:
    return client.store.find("content_requests")[0]["token"]


def test_parameters_are_parsed_once_per_request_and_reach_the_handler(client, monkeypatch):
    calls = []
    original = OpenAPIURIParser.resolve_query
    monkeypatch.setattr(OpenAPIURIParser, "resolve_query",
                        lambda self, data: calls.append(data) or original(self, data))
    response = client.get("/api/v4/content_requests", params={"pending": "true", "per_page": "2", "sort_to": "asc"},
                          headers={"Authentication": BEARER})
    assert response.status_code == 200 and len(response.json()["content_requests"]) == 2
    assert len(calls) == 1
    names = [item["name"] for item in response.json()["content_requests"]]
    descending = client.get("/api/v4/content_requests", params={"pending": "true", "per_page": "2"},
                            headers={"Authentication": BEARER}).json()["content_requests"]
    assert names != [item["name"] for item in descending]  # sort_to reached the handler


def test_a_form_body_is_parsed_once_per_request(client, monkeypatch):
    from specmock.engine import validators

    calls = []
    original = validators.urlencoded_fields
    monkeypatch.setattr(validators, "urlencoded_fields", lambda raw: calls.append(raw) or original(raw))
    image = client.store.find("images")[0]
    response = client.post(f"/api/v1/providers/{PROVIDER}/provider_requests",
                           content=f"image_ids[]={image['id']}".encode(),
                           headers={"Authorization": PROVIDER_TOKEN, "Content-Type": FORM})
    assert response.status_code == 200 and response.json()[0]["image_id"] == image["id"]
    assert len(calls) == 1


def test_handler_arguments_are_planned_for_every_bundled_operation(client):
    behaviours = [pipeline.behaviour for pipeline in _pipelines(client).values()]
    assert behaviours and all(getattr(behaviour, "plan", None) is not None for behaviour in behaviours)


def test_the_cross_check_notices_a_plan_that_differs_from_connexion(client, monkeypatch):
    from specmock.behaviours.arguments import Plan

    original = Plan.arguments

    def off_by_one(self, request, body, context):
        kwargs = original(self, request, body, context)
        if "per_page" in kwargs:
            kwargs["per_page"] += 1
        return kwargs

    monkeypatch.setattr(Plan, "arguments", off_by_one)
    response = client.get("/api/v4/content_requests", params={"pending": "true"}, headers={"Authentication": BEARER})
    assert response.status_code == 500


def test_a_path_value_holding_a_line_break_reaches_its_operation(client):
    # Connexion mounts each API with Starlette's `{path:path}`; specmock's path convertor lets it
    # span a line break (an upgrade that mounts otherwise must keep this true).
    answer = client.get("/api/v4/content_requests/ab%0Acd", headers={"Authentication": BEARER})
    assert answer.status_code == 400, answer.text  # the operation's own answer: not a token, not an id
    assert answer.json()["errors"][0]["field"].startswith("path")
    assert client.get("/api/v4/nothing%0Ahere").status_code == 404


# -- the request path's own reading, against Connexion's ----------------------------------------------------

_LIST = "/api/v4/content_requests"
_query_key = st.sampled_from(["pending", "per_page", "page", "sort_by", "sort_to", "query", "tag[]", "x", "a b"])
_query_value = st.text(alphabet="ab1 ,+%&=é-", max_size=6)


def _pipeline(client, operation_id: str) -> Pipeline:
    return next(p for p in _pipelines(client).values() if p.operation.operation_id == operation_id)


@pytest.fixture(scope="module")
def reading_client():
    from specmock.settings import Settings

    with make_client(Settings()) as client:
        yield client


@given(st.lists(st.tuples(_query_key, _query_value), max_size=5), st.text(alphabet="a1-+", max_size=8))
def test_query_and_path_values_are_read_as_connexion_reads_them(reading_client, pairs, token):
    from urllib.parse import urlencode

    from connexion.lifecycle import ConnexionRequest

    from specmock.engine.requests import Request

    client = reading_client
    for operation, path_params in (("list_content_requests", {}), ("get_content_request", {"token": token})):
        parser = _pipeline(client, operation).reader.uri_parser
        for query in (urlencode(pairs).encode(), "&".join(f"{k}={v}" for k, v in pairs).encode()):
            scope = {"type": "http", "method": "GET", "path": _LIST, "headers": [], "query_string": query,
                     "path_params": path_params}
            ours, theirs = Request(scope, parser), ConnexionRequest(scope, uri_parser=parser)
            assert ours.query_params == theirs.query_params
            assert ours.path_params == theirs.path_params


_body = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"{}", b'{"content_request": {}}', b"null", b"[]", b"image_ids[]=a&image_ids[]=b",
                     b"image_ids[]=a,b", b"image_ids[]=&x=1", b'{"content_request": {"name": "n"}}']),
)


@given(_body, st.sampled_from([None, "0", "5", "abc"]), st.sampled_from([None, "application/json", FORM]))
def test_a_body_already_read_is_judged_as_connexions_receive_channel_judges_it(reading_client, raw, length,
                                                                             content_type):
    import asyncio

    from specmock.engine.scope import handed_over, replay

    client = reading_client
    for operation in ("create_content_request", "create_provider_requests"):
        reader = _pipeline(client, operation).reader
        for mime in reader.operation.consumes:
            validator = reader._validator(mime, "utf-8", reader.operation.body_schema(mime))
            outcomes = []
            for way in ("read", "wrap_receive"):
                headers = [(b"content-length", (length if length != "5" else str(len(raw))).encode())] if length else []
                headers += [(b"content-type", content_type.encode())] if content_type else []
                scope = {"type": "http", "headers": headers, "extensions": {}}
                run = validator.read(raw, scope) if way == "read" else validator.wrap_receive(replay(raw), scope=scope)
                try:
                    asyncio.run(run)
                    outcomes.append(("ok", handed_over(scope)))
                except Exception as problem:  # noqa: BLE001 - the verdict is compared, whatever it is
                    outcomes.append((type(problem).__name__, getattr(problem, "detail", str(problem))))
            assert outcomes[0] == outcomes[1], (operation, mime)


def test_the_uri_parsers_tables_built_once_are_connexions(reading_client):
    """Connexion's URI parser rebuilds ``param_schemas`` and ``form_defns`` on every access; specmock's
    builds each once: the same tables, as long as Connexion derives them from the definitions."""
    assert isinstance(OpenAPIURIParser.param_schemas, property) and isinstance(OpenAPIURIParser.form_defns, property)
    for pipeline in _pipelines(reading_client).values():
        parser = pipeline.reader.uri_parser
        assert parser.param_schemas == OpenAPIURIParser.param_schemas.fget(parser)
        assert parser.form_defns == OpenAPIURIParser.form_defns.fget(parser)
        assert parser.param_schemas is parser.param_schemas


@given(st.text(alphabet="/ab?#\\%20 é:@;=+", min_size=1, max_size=12).map(lambda p: "/" + p),
       st.sampled_from([[(b"host", b"127.0.0.1:8000")], [(b"host", b"mock.test")], []]))
def test_the_path_is_read_as_starlettes_url_reads_it(reading_client, path, headers):
    from starlette.requests import Request as StarletteRequest

    from specmock.engine.requests import Request

    parser = _pipeline(reading_client, "list_content_requests").reader.uri_parser
    scope = {"type": "http", "method": "GET", "path": path, "headers": headers, "query_string": b"a=1",
             "server": ("127.0.0.1", 8000), "scheme": "http", "root_path": ""}
    assert Request(scope, parser).path == StarletteRequest(scope).url.path
