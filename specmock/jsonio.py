"""JSON in and out: orjson, falling back to the standard library for what orjson refuses or misreads
(strings with lone surrogates, which clients may store; integers beyond 64 bits)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# orjson reads integers beyond 64 bits as floats, which then fail `type: integer` and no longer find a
# record stored by one; the standard library keeps them whole (text with such a number is rare: the
# slower parser is the exception).
_BIG_INTEGER = re.compile(rb"[0-9]{19,}")
_BIG_INTEGER_TEXT = re.compile(r"[0-9]{19,}")


class FastJSON:
    """The json module Connexion serialises answers with (``Jsonifier(FastJSON)``)."""

    @staticmethod
    def dumps(data: Any, **_: Any) -> str:
        return dumps(data).decode()

    @staticmethod
    def loads(data: bytes | str, **_: Any) -> Any:
        return loads(data)


def loads(data: bytes | str) -> Any:
    """JSON text as Python values, integers beyond 64 bits kept whole. Raises ``json.JSONDecodeError``
    (orjson's is one) for text that is not JSON."""
    big = (_BIG_INTEGER if isinstance(data, bytes) else _BIG_INTEGER_TEXT).search(data)  # type: ignore[arg-type]
    return json.loads(data) if big else orjson.loads(data)


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data).encode()
