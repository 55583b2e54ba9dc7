"""Small helpers over an ASGI scope, shared by the request path's steps."""

from __future__ import annotations

import typing as t

from starlette.types import Message, Receive, Scope

from specmock.problems import PayloadTooLarge

_PARSED = "specmock_request"


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of a header in an ASGI header list (``name`` in lower case, as ASGI spells
    header names), read without building a ``Headers`` object on every request."""
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class RawHeaders(t.Mapping[str, str]):
    """An ASGI header list read as a mapping of lower-case names to their first values, without
    decoding every header up front."""

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def __getitem__(self, name: str) -> str:
        value = header(self.raw, name.encode("latin-1"))
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: t.Any = None) -> t.Any:  # type: ignore[override]
        value = header(self.raw, name.encode("latin-1"))
        return default if value is None else value

    def __iter__(self) -> t.Iterator[str]:
        return iter(dict.fromkeys(name.decode("latin-1") for name, _ in self.raw))

    def __len__(self) -> int:
        return len({name for name, _ in self.raw})


def hand_over(scope: Scope, **parsed: t.Any) -> None:
    """Keep what a body validator parsed (and found valid) for the behaviour, which would otherwise
    parse it again: ``json`` (the JSON body), ``form`` (the urlencoded form, resolved)."""
    scope.setdefault("extensions", {}).setdefault(_PARSED, {}).update(parsed)


def handed_over(scope: Scope) -> dict[str, t.Any]:
    return scope.get("extensions", {}).get(_PARSED, {})


def operation_key(scope: Scope) -> str | None:
    """The key of the operation Connexion's router matched (None off the contract's routes)."""
    return scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")


def replay(raw: bytes) -> Receive:
    """A ``receive`` channel that gives ``raw`` as the whole body, once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive


async def read_body(receive: Receive, limit: int = 0) -> bytes:
    """The whole body from ``receive``; past ``limit`` bytes (when set), a 413 problem."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if limit and size > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes")
        more = message.get("more_body", False)
    return b"".join(chunks)
