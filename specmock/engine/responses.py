"""The answer of one operation, built from what its behaviour returned (or the problem it raised)
and what the contract declares for the status: the media type, the declared response headers, the
body serialised once.

Declared headers are filled by what they mean: ``x-specmock-value: caller-jwt`` is a fresh JWT for
the caller (same claims, issued now), ``uuid`` a new UUID; ``ETag`` is the body's weak MD5; any
other header its example (or a value generated from its schema). Errors are RFC 9457 problems,
sent as ``application/problem+json`` unless the operation declares another body for that status
(a ``{code, message}`` error schema, say), which the problem's detail then fills.
"""

from __future__ import annotations

import hashlib
import typing as t
from dataclasses import dataclass

from connexion.exceptions import ProblemException
from starlette.responses import Response

from specmock.auth import Caller, refreshed
from specmock.behaviours.shaping import Shaper
from specmock.contract.model import Operation
from specmock.contract.schemas import json_media
from specmock.jsonio import dumps
from specmock.problems import PROBLEM_JSON, problem_body
from specmock.store import new_uuid

Raw = list[tuple[bytes, bytes]]
_SET_BY_SERVER = {"content-type", "content-length", "content-disposition"}
_MESSAGE = ("detail", "message", "error", "error_description", "description", "msg", "reason", "title")
_CODE = ("status", "code", "status_code", "statusCode", "error_code", "errorCode")


@dataclass(frozen=True)
class Declared:
    name: bytes
    value: str  # caller-jwt | uuid | etag | example
    example: str


class Answers:
    """Builds the answers of one operation."""

    def __init__(self, operation: Operation, shaper: Shaper, secret: str) -> None:
        self.operation = operation
        self.shaper = shaper
        self.secret = secret
        self.responses = operation.responses()
        self.headers = {status: self._declared(response) for status, response in self.responses.items()}
        self.media = {status: self._media_type(response) for status, response in self.responses.items()}
        # Per declared status code: the Content-Type of a JSON body and the declared headers, read once.
        self._by_status = {int(key): (self._json_type(key), self.headers[key])
                           for key in self.responses if key.isdigit()}

    def _json_type(self, key: str) -> bytes:
        media = self.media.get(key) or "application/json"
        return (media if json_media({media: {}}) else "application/json").encode("latin-1")

    def _shape(self, status: int) -> tuple[bytes, list[Declared]]:
        """(Content-Type of a JSON body, declared headers) of an answer with ``status``."""
        found = self._by_status.get(status)
        if found is None:
            key = self._for(status)
            found = (self._json_type(key), self.headers.get(str(status)) or [])
        return found

    # -- what the contract declares ----------------------------------------------------------------

    def _declared(self, response: dict[str, t.Any]) -> list[Declared]:
        declared = []
        for name, header in (response.get("headers") or {}).items():
            if name.lower() in _SET_BY_SERVER:
                continue
            header = self.operation.document.resolve(header)
            hint = header.get("x-specmock-value")
            if hint is None:
                hint = "etag" if name.lower() == "etag" else "example"
            example = header.get("example")
            if example is None and "schema" in header:
                example = self.shaper.generated(header["schema"])
            text = "" if example is None else str(example)
            declared.append(Declared(name.lower().encode("latin-1"), str(hint), text))
        return declared

    @staticmethod
    def _media_type(response: dict[str, t.Any]) -> str | None:
        content = response.get("content") or {}
        found = json_media(content)
        if found:
            return found[0] if found[0] != "*/*" else "application/json"
        return next(iter(content), None)

    def _for(self, status: int) -> str:
        text = str(status)
        if text in self.responses:
            return text
        family = f"{text[0]}XX"
        return family if family in self.responses else "default"

    # -- answers -------------------------------------------------------------------------------

    def answer(self, result: t.Any, caller: Caller) -> tuple[int, Raw, bytes]:
        """(status, headers, body) of what a behaviour returned."""
        if isinstance(result, Response):
            status, raw, body = result.status_code, list(result.raw_headers), bytes(result.body)
        else:
            data, status, extra = _unpack(result)
            raw = [(name.lower().encode("latin-1"), str(value).encode("latin-1")) for name, value in extra.items()]
            if isinstance(data, (bytes, str)) and any(name == b"content-type" for name, _ in raw):
                body = data.encode() if isinstance(data, str) else data
            else:
                body = b"" if data is None else dumps(data)
                if body:
                    raw.append((b"content-type", self._shape(status)[0]))
        raw.append((b"content-length", str(len(body)).encode()))
        self._add_declared(status, raw, body, caller)
        return status, raw, body

    def problem(self, problem: ProblemException, path: str, caller: Caller | None) -> tuple[int, Raw, bytes]:
        """(status, headers, body) of a problem, in the body the operation declares for its status."""
        body = problem_body(problem.status, problem.detail, instance=path, title=problem.title, ext=problem.ext)
        key = self._for(problem.status)
        media = self.media.get(key)
        raw = [(name.lower().encode("latin-1"), str(value).encode("latin-1"))
               for name, value in (problem.headers or {}).items()]
        payload: t.Any = body
        content_type = PROBLEM_JSON
        if media and media != PROBLEM_JSON and json_media({media: {}}):
            schema = (self.responses[key].get("content") or {}).get(media, {}).get("schema")
            content_type = media
            if schema is not None and not self.shaper.fits(self.shaper.schema(schema), body):
                payload = _filled(self.shaper, schema, problem)
        encoded = dumps(payload)
        raw += [(b"content-type", content_type.encode("latin-1")), (b"content-length", str(len(encoded)).encode())]
        if caller is not None:
            self._add_declared(problem.status, raw, encoded, caller)
        return problem.status, raw, encoded

    def _add_declared(self, status: int, raw: Raw, body: bytes, caller: Caller) -> None:
        declared = self._shape(status)[1]
        if not declared:
            return
        present = {name for name, _ in raw}
        for header in declared:
            if header.name in present:
                continue
            if header.value == "caller-jwt":
                value = refreshed(caller, self.secret)
            elif header.value == "uuid":
                value = new_uuid()
            elif header.value == "etag":
                value = f'W/"{hashlib.md5(body).hexdigest()}"'  # noqa: S324 - an entity tag, not a secret
            else:
                value = header.example
            raw.append((header.name, value.encode("latin-1", "replace")))


def _unpack(result: t.Any) -> tuple[t.Any, int, dict[str, t.Any]]:
    if isinstance(result, tuple):
        if len(result) == 3:
            return result[0], int(result[1]), dict(result[2] or {})
        if len(result) == 2:
            return result[0], int(result[1]), {}
    return result, 200, {}


def _filled(shaper: Shaper, schema: t.Any, problem: ProblemException) -> t.Any:
    """A body of the contract's own error schema, its message and code fields saying what the problem says."""
    inlined = shaper.schema(schema)
    body = shaper.generated(schema)
    if isinstance(body, dict):
        props = inlined.get("properties", {})
        for name in _MESSAGE:
            if name in props and (props[name].get("type") in ("string", None)):
                body[name] = problem.detail if name != "title" else problem.title
        for name in _CODE:
            if name in props:
                kind = props[name].get("type")
                body[name] = problem.status if kind in ("integer", "number") else str(problem.status) \
                    if kind == "string" else body[name]
    return body if shaper.fits(inlined, body) else shaper.generated(schema)
