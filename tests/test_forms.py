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
