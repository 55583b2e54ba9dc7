"""Urlencoded bodies are read field for field as Starlette's own form parser reads them."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.formparsers import FormParser, MultiPartException

from specmock.engine.validators import UrlencodedForm

HEADERS = Headers({"content-type": "application/x-www-form-urlencoded"})
PIECES = st.sampled_from(["&", "=", "+", "%", "%2", "%2C", "%E2%82%AC", "%ff", "a", "image_ids[]", "é", ";", " ",
                          "\x00", "%00", "&&", "=="])


def _read(parser_cls: type, raw: bytes) -> list[tuple[str, str]] | str:
    async def stream():
        yield raw

    try:
        return list(asyncio.run(parser_cls(HEADERS, stream()).parse()).multi_items())
    except MultiPartException as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES | st.text(max_size=4), max_size=12).map("".join))
def test_fields_match_starlettes_parser(body):
    raw = body.encode("utf-8")
    assert _read(UrlencodedForm, raw) == _read(FormParser, raw)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_match_starlettes_parser(raw):
    assert _read(UrlencodedForm, raw) == _read(FormParser, raw)


def test_too_many_fields_is_refused_like_starlette():
    raw = "&".join(f"f{n}=v" for n in range(1001)).encode()
    assert _read(UrlencodedForm, raw) == _read(FormParser, raw) == "Too many fields. Maximum number of fields is 1000."
    assert isinstance(_read(UrlencodedForm, b"&" * 5000 + b"a=1"), list)  # blank fields are not fields


_SCHEMAS = [
    {"type": "object", "properties": {"image_ids[]": {"type": "array", "items": {"type": "string"}},
                                      "note": {"type": "string"}, "count": {"type": "integer"}}},
    {"type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                      "files": {"type": "array", "items": {"type": "string", "format": "base64"}},
                                      "flag": {"type": "boolean"}, "tags": {"type": "array", "items": {
                                          "type": "integer"}}},
     "encoding": {}},
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_SCHEMAS), st.lists(st.sampled_from(["image_ids[]=a", "image_ids[]=b,c", "note=x", "note=",
                                                            "count=3", "count=x", "file=f", "files=a", "flag=true",
                                                            "tags=1", "tags=1,2", "z=9", "%ff=1", "&"]),
                                           max_size=6).map("&".join))
def test_form_fields_are_connexions(schema, body):
    from connexion.validators import FormDataValidator

    from specmock.engine.uri import RepeatedKeysURIParser
    from specmock.engine.validators import SpecmockFormValidator

    parser = RepeatedKeysURIParser([], {"schema": schema})
    validator = SpecmockFormValidator(schema=schema, required=False, nullable=False, encoding="utf-8",
                                      strict_validation=True, uri_parser=parser)

    async def stream():
        yield body.encode()

    scope = {"type": "http", "headers": [(b"content-type", b"application/x-www-form-urlencoded")]}
    outcomes = []
    for read in (lambda: asyncio.run(FormDataValidator._parse(validator, stream(), scope)),
                 lambda: validator.form_of(body.encode())):
        try:
            outcomes.append(read())
        except Exception as problem:  # noqa: BLE001 - the verdict is compared, whatever it is
            outcomes.append((type(problem).__name__, str(problem)))
    assert outcomes[0] == outcomes[1]
