"""Request validation with validators built once per operation: the same verdicts as Connexion's
own middleware, no validator built per request, and no cache growing with what clients send."""

from __future__ import annotations

import pytest
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.uri_parsing import OpenAPIURIParser
from hypothesis import given
from hypothesis import strategies as st

from specmock import validating
from specmock.validating import OnceValidatingMiddleware, OnceValidatingOperation
from tests.conftest import BEARER, FORM, PROVIDER_TOKEN

PROVIDER = "b870990d-396b-46ca-a92e-ba6a63bacc61"
BODY = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}


class _Operation:
    """What the validation layer reads of an operation without parameters or security."""

    consumes = ["application/json", "application/x-www-form-urlencoded", "text/*"]
    parameters: list = []
    security = None
    uri_parser_class = OpenAPIURIParser

    def body_definition(self, content_type: str | None = None) -> dict:
        return {}


def _pair() -> tuple[RequestValidationOperation, OnceValidatingOperation]:
    async def app(scope, receive, send):  # pragma: no cover - never called here
        pass

    return (RequestValidationOperation(app, operation=_Operation()),  # type: ignore[arg-type]
            OnceValidatingOperation(app, operation=_Operation()))  # type: ignore[arg-type]


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
    connexion_way, once = _pair()
    assert once.extract_content_type(headers) == connexion_way.extract_content_type(headers)


@pytest.mark.parametrize("mime_type", ["application/json", "APPLICATION/JSON", "text/plain", "text/csv",
                                       "application/xml", "multipart/form-data", "application/x-www-form-urlencoded"])
def test_media_types_are_accepted_as_connexion_accepts_them(mime_type):
    connexion_way, once = _pair()
    verdicts = []
    for operation in (connexion_way, once, once):  # twice: the table is built on the first call
        try:
            operation.validate_mime_type(mime_type)
            verdicts.append("accepted")
        except UnsupportedMediaTypeProblem as problem:
            verdicts.append(problem.detail)
    assert len(set(verdicts)) == 1, verdicts


def test_no_validator_is_built_per_request(client, monkeypatch):
    image = client.store.find("images")[0]

    def requests() -> list[int]:
        return [
            client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER}).status_code,
            client.post("/api/v4/content_requests", json={"content_request": {}},
                        headers={"Authentication": BEARER}).status_code,
            client.post(f"/api/v1/providers/{PROVIDER}/provider_requests", content=f"image_ids[]={image['id']}",
                        headers={"Authorization": PROVIDER_TOKEN, "Content-Type": FORM}).status_code,
            client.get("/api/v4/content_requests", params={"pending": "true"},
                       headers={"Authentication": BEARER}).status_code,
        ]

    first = requests()
    built = []
    original = OnceValidatingOperation._uri_parser
    monkeypatch.setattr(OnceValidatingOperation, "_uri_parser", lambda self: built.append(self) or original(self))
    assert requests() == requests() == first == [201, 400, 200, 200]
    assert built == []


def test_body_validators_per_operation_are_capped(client):
    for charset in range(validating.MAX_BODY_VALIDATORS + 10):
        response = client.post("/api/v4/content_requests", content=b'{"content_request": {}}',
                               headers={"Authentication": BEARER,
                                        "Content-Type": f"application/json;charset=utf-{charset}"})
        assert response.status_code in (400, 415), response.text
    operations = [op for op in _operations(client.app) if op._body_validators]
    assert operations and all(len(op._body_validators) <= validating.MAX_BODY_VALIDATORS for op in operations)


def _operations(app) -> list[OnceValidatingOperation]:
    layer = next(layer for layer in app.middleware.middleware_stack if isinstance(layer, OnceValidatingMiddleware))
    return [operation for apis in layer.apis.values() for api in apis for operation in api.operations.values()]
