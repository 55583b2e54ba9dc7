"""JSON out: orjson, falling back to the standard library for what orjson refuses (strings with lone
surrogates, which clients may store)."""

from __future__ import annotations

import json
from typing import Any

import orjson


class FastJSON:
    """The json module Connexion serialises answers with (``Jsonifier(FastJSON)``)."""

    @staticmethod
    def dumps(data: Any, **_: Any) -> str:
        return dumps(data).decode()

    loads = staticmethod(orjson.loads)


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data).encode()
